"""Who may read the library and import models: every endpoint, every persona."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from tests.api.conftest import PASSWORD, READ_PERMISSIONS, Library, make_user
from uplift.apps.library.models import ProcessModel

pytestmark = pytest.mark.django_db

READ_ENDPOINTS = [
    "/api/library/models/",
    "/api/library/models/{dev13}/",
    "/api/library/process-areas/",
    "/api/library/process-areas/{pp}/",
    "/api/library/practices/",
    "/api/library/practices/{sp11}/",
]


def _url(template: str, library: Library) -> str:
    return template.format(dev13=library.dev13.pk, pp=library.pp.pk, sp11=library.sp11.pk)


@pytest.mark.parametrize("endpoint", READ_ENDPOINTS)
def test_anonymous_is_refused_and_sees_nothing(
    anonymous: APIClient, library: Library, endpoint: str
) -> None:
    response = anonymous.get(_url(endpoint, library))

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "errors": [],
    }


@pytest.mark.parametrize("endpoint", READ_ENDPOINTS)
def test_signed_in_user_without_permission_is_refused(
    outsider: APIClient, library: Library, endpoint: str
) -> None:
    response = outsider.get(_url(endpoint, library))

    assert response.status_code == 403
    assert response.json() == {
        "detail": "You do not have permission to perform this action.",
        "errors": [],
    }


@pytest.mark.parametrize("endpoint", READ_ENDPOINTS)
def test_user_with_view_permission_reads(
    reader: APIClient, library: Library, endpoint: str
) -> None:
    response = reader.get(_url(endpoint, library))

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("model_permission", "endpoint"),
    [
        ("view_processmodel", "/api/library/models/"),
        ("view_processarea", "/api/library/process-areas/"),
        ("view_practice", "/api/library/practices/"),
    ],
)
def test_each_list_needs_its_own_view_permission(
    library: Library, model_permission: str, endpoint: str
) -> None:
    others = [codename for codename in READ_PERMISSIONS if codename != model_permission]
    client = APIClient()
    client.force_login(make_user("partial", *others))

    assert client.get(endpoint).status_code == 403


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 403), ("outsider", 403), ("reader", 403)],
)
def test_import_is_refused_without_add_permission_and_writes_nothing(
    client_for: Callable[[str], APIClient], library: Library, persona: str, status: int
) -> None:
    before = ProcessModel.objects.count()

    response = client_for(persona).post(
        "/api/library/imports/", b"{}", content_type="application/json"
    )

    assert response.status_code == status
    assert response.json()["errors"] == []
    assert ProcessModel.objects.count() == before


def test_read_endpoints_refuse_writes_even_to_a_superuser(library: Library) -> None:
    client = APIClient()
    client.force_login(User.objects.create_superuser("root", password=PASSWORD))

    response = client.delete(f"/api/library/models/{library.dev13.pk}/")

    assert response.status_code == 405
    assert ProcessModel.objects.filter(pk=library.dev13.pk).exists()
