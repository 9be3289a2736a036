from django.apps import AppConfig


class ServicePortfolioConfig(AppConfig):
    """The IT service portfolio: services, service-level objectives, continuity, policies
    and compliance, scorecards, and Plan-and-Optimize reviews (MOF, seed 003)."""

    name = "uplift.apps.service_portfolio"
    label = "service_portfolio"
    verbose_name = "Service portfolio"
