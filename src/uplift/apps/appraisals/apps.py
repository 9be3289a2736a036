from django.apps import AppConfig


class AppraisalsConfig(AppConfig):
    """Appraisals: plans, units, characterizations, judgments and stored ratings."""

    name = "uplift.apps.appraisals"
    label = "appraisals"
    verbose_name = "Appraisals"
