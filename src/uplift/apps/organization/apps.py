from django.apps import AppConfig


class OrganizationConfig(AppConfig):
    """Organizational units, work activities, people and role assignments."""

    name = "uplift.apps.organization"
    label = "organization"
