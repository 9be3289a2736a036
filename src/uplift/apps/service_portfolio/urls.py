"""URLs of the service portfolio, under /services/. The fixed prefixes (policies,
reviews, continuity, settings) come before a service's slug; those words are reserved
slugs (``services.portfolio.RESERVED_SLUGS``)."""

from uplift.apps.service_portfolio.views import (
    continuity,
    objectives,
    policies,
    portfolio,
    reviews,
    settings,
)

app_name = "service_portfolio"

urlpatterns = [
    *settings.urlpatterns,
    *policies.urlpatterns,
    *reviews.urlpatterns,
    *continuity.urlpatterns,
    *objectives.urlpatterns,
    *portfolio.urlpatterns,
]
