"""Sign-in, sign-out and password change: Django's views with Uplift's templates.

Throttling is django-axes (``AXES_*`` settings): the lock-out page is
``accounts/locked_out.html``, answered with HTTP 429 by axes' middleware.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from uplift.apps.accounts.forms import SignInForm, UpliftPasswordChangeForm

__all__ = ["PasswordChangeDoneView", "PasswordChangeView", "SignInView", "SignOutView"]


class SignInView(auth_views.LoginView):
    """The sign-in page; a signed-in visitor goes straight on."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """Sign out; POST only (Django refuses GET with 405), then back to sign-in."""

    http_method_names = ["post", "options"]


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password; the session stays signed in."""

    template_name = "accounts/password_change.html"
    form_class = UpliftPasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    """Confirmation after a password change."""

    template_name = "accounts/password_change_done.html"
