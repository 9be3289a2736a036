from django.apps import AppConfig


class ImprovementsConfig(AppConfig):
    """Improvements: proposals, their selection and pilots, and process action plans."""

    name = "uplift.apps.improvements"
    label = "improvements"
    verbose_name = "Improvements"
