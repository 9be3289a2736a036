"""The accounts app: sign-in, sign-out, password change, throttling, roles as groups."""

from __future__ import annotations

import logging
from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest

security_log = logging.getLogger("uplift.security")


def log_sign_in_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Record a failed sign-in: the username tried and the client address, never the password.

    Connected to ``user_login_failed`` for the security log only; no business flow
    hangs on it.
    """
    username = credentials.get("username", "")
    address = None
    if request is not None:
        # axes' own receiver runs first and stores the address as its settings resolve it
        # (proxies included); REMOTE_ADDR is the fallback when axes did not see the request.
        address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    locked = " (locked out)" if getattr(request, "axes_locked_out", False) else ""
    security_log.warning(
        "Sign-in failed for username %r from %s%s",
        username,
        address or "an unknown address",
        locked,
    )


class AccountsConfig(AppConfig):
    """Sign-in, sign-out, password change, throttling, and the domain roles as groups."""

    name = "uplift.apps.accounts"
    label = "accounts"

    def ready(self) -> None:
        """Connect the security log of sign-in failures."""
        user_login_failed.connect(
            log_sign_in_failure, dispatch_uid="uplift.accounts.log_sign_in_failure"
        )
