from django.apps import AppConfig


class MeasurementsConfig(AppConfig):
    """Measurements: measures, objectives, observations, baselines, evaluations."""

    name = "uplift.apps.measurements"
    label = "measurements"
    verbose_name = "Measurements"
