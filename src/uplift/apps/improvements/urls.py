"""URLs of the improvements context, under /improvements/; each views module lists its own."""

from uplift.apps.improvements.views import (
    actions,
    pilots,
    plan_exports,
    plans,
    proposals,
    selection,
)

app_name = "improvements"

urlpatterns = [
    *proposals.urlpatterns,
    *selection.urlpatterns,
    *pilots.urlpatterns,
    *plans.urlpatterns,
    *actions.urlpatterns,
    *plan_exports.urlpatterns,
]
