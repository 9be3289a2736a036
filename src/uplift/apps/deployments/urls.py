"""URLs of the deployments context, under /deployments/; each views module lists its own."""

from uplift.apps.deployments.views import (
    coordination,
    dashboard,
    monitoring,
    plan_rows,
    plans,
    results,
    support,
    targets,
    waves,
)

app_name = "deployments"

urlpatterns = [
    *dashboard.urlpatterns,
    *coordination.urlpatterns,
    *plans.urlpatterns,
    *plan_rows.urlpatterns,
    *targets.urlpatterns,
    *waves.urlpatterns,
    *monitoring.urlpatterns,
    *support.urlpatterns,
    *results.urlpatterns,
]
