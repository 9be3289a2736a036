from django.apps import AppConfig


class DeploymentsConfig(AppConfig):
    """Deployments: plans, targets, waves and gates, sign-offs, coordination, consulting,
    packages, results and lessons learned."""

    name = "uplift.apps.deployments"
    label = "deployments"
    verbose_name = "Deployments"
