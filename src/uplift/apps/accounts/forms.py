"""Forms of the accounts context: Django's own, made accessible."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from uplift.apps.common.forms import AccessibleFormMixin

__all__ = ["SignInForm", "UpliftPasswordChangeForm"]


class SignInForm(AccessibleFormMixin, AuthenticationForm):
    """Username and password; a failure is announced and tied to both inputs."""


class UpliftPasswordChangeForm(AccessibleFormMixin, PasswordChangeForm):
    """Old password, new password twice, checked by the configured validators."""
