"""Token sign-in: ``POST /api/auth/token/`` exchanges a username and password for a token.

The password check goes through ``django.contrib.auth.authenticate(request=...)``, so
django-axes counts failures and refuses a locked-out username/address pair here
exactly as on the sign-in page. Axes flags the lock-out on the request it was given,
which for this view is DRF's ``Request``; AxesMiddleware only sees Django's request
and so never replaces this JSON answer with the HTML lock-out page. The view therefore
turns the flag into a 429 itself.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from uplift.api.errors import ErrorSerializer

LOCKED_OUT = "Too many failed sign-in attempts; try again later."


class TokenObtainView(ObtainAuthToken):
    """Return the caller's API token, creating it on first use."""

    # Credentials are the whole point of this view: no session, hence no CSRF check.
    authentication_classes = ()

    @extend_schema(
        operation_id="auth_token_obtain",
        tags=["auth"],
        summary="Obtain an API token",
        description="Send a username and password; use the returned token as "
        "`Authorization: Token <token>`. The same token is returned until it is revoked. "
        "Failed attempts are counted: after too many, the username is refused from that "
        "address for a while (429), even with the right password.",
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: OpenApiResponse(ErrorSerializer, description="Wrong username or password."),
            429: OpenApiResponse(ErrorSerializer, description="Locked out after failures."),
        },
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):
                cool_off = get_cool_off(request)
                wait = int(cool_off.total_seconds()) if cool_off else None
                raise Throttled(wait=wait, detail=LOCKED_OUT) from None
            raise
