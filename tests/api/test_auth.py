"""Token sign-in, token use, sign-in throttling, and the public schema and docs."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import PASSWORD, Library
from tests.api.schema import assert_matches_schema

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/auth/token/"


def test_token_is_issued_for_a_right_password_and_stays_the_same(
    anonymous: APIClient, reader_user: User
) -> None:
    first = anonymous.post(TOKEN_URL, {"username": "reader", "password": PASSWORD}, format="json")
    second = anonymous.post(TOKEN_URL, {"username": "reader", "password": PASSWORD})

    assert first.status_code == 200
    assert first.json() == {"token": Token.objects.get(user=reader_user).key}
    assert second.json() == first.json()
    assert_matches_schema(first, TOKEN_URL, "post")


def test_token_authenticates_api_requests(
    anonymous: APIClient, library: Library, reader_user: User
) -> None:
    token = Token.objects.create(user=reader_user)
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = anonymous.get("/api/library/models/")

    assert response.status_code == 200
    assert response.json()["count"] == 3


def test_unknown_token_is_refused(anonymous: APIClient, library: Library) -> None:
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    response = anonymous.get("/api/library/models/")

    # 403, not 401: session authentication comes first and sends no WWW-Authenticate.
    assert response.status_code == 403
    assert response.json() == {"detail": "Invalid token.", "errors": []}


def test_wrong_password_is_a_400_and_issues_no_token(
    anonymous: APIClient, reader_user: User
) -> None:
    response = anonymous.post(TOKEN_URL, {"username": "reader", "password": "wrong"})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input.",
        "errors": [{"field": None, "message": "Unable to log in with provided credentials."}],
    }
    assert not Token.objects.exists()
    assert_matches_schema(response, TOKEN_URL, "post")


def test_missing_password_is_a_400_naming_the_field(anonymous: APIClient) -> None:
    response = anonymous.post(TOKEN_URL, {"username": "reader"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "password", "message": "This field is required."}
    ]


def test_failures_lock_out_the_username_even_with_the_right_password(
    anonymous: APIClient, reader_user: User
) -> None:
    statuses = [
        anonymous.post(TOKEN_URL, {"username": "reader", "password": "wrong"}).status_code
        for _ in range(5)
    ]

    locked = anonymous.post(TOKEN_URL, {"username": "reader", "password": PASSWORD})

    # The fifth failure reaches the limit (AXES_FAILURE_LIMIT = 5) and is answered as such.
    assert statuses == [400, 400, 400, 400, 429]
    assert locked.status_code == 429
    assert locked.json()["detail"].startswith("Too many failed sign-in attempts; try again later.")
    assert locked.json()["errors"] == []
    assert locked["Retry-After"] == "900"
    assert not Token.objects.exists()
    attempt = AccessAttempt.objects.get(username="reader")
    assert attempt.failures_since_start == 6
    assert "wrong" not in attempt.post_data  # axes masks the password it records
    assert PASSWORD not in attempt.post_data
    assert_matches_schema(locked, TOKEN_URL, "post")


def test_lock_out_of_one_username_leaves_others_signing_in(
    anonymous: APIClient, reader_user: User, outsider_user: User
) -> None:
    for _ in range(5):
        anonymous.post(TOKEN_URL, {"username": "reader", "password": "wrong"})

    response = anonymous.post(TOKEN_URL, {"username": "outsider", "password": PASSWORD})

    assert response.status_code == 200


def test_schema_is_public(anonymous: APIClient) -> None:
    response = anonymous.get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"/api/library/models/" in response.content


def test_docs_are_public_and_served_without_a_cdn(anonymous: APIClient) -> None:
    response = anonymous.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr.net" not in html
    assert "/api/schema/" in html
