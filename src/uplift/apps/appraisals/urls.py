"""URLs of the appraisals context, under /appraisals/; each views module lists its own."""

from uplift.apps.appraisals.views import evidence, findings, matrix, plan, report

app_name = "appraisals"

urlpatterns = [
    *plan.urlpatterns,
    *matrix.urlpatterns,
    *evidence.urlpatterns,
    *findings.urlpatterns,
    *report.urlpatterns,
]
