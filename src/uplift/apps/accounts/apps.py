from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-in, sign-out, password change, throttling, and the domain roles as groups."""

    name = "uplift.apps.accounts"
    label = "accounts"
