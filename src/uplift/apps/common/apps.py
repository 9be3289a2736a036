from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Base classes, generic views and the site shell (dashboard, health check)."""

    name = "uplift.apps.common"
    label = "common"
