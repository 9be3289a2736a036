from django.apps import AppConfig


class LibraryConfig(AppConfig):
    """The model library: process models (CMMI, MOF, OSCAL catalogs) held as data."""

    name = "uplift.apps.library"
    label = "library"
    verbose_name = "Model library"
