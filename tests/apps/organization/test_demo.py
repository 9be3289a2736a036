"""The demo organization loads whole, the same every time, and only once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from uplift.apps.accounts.roles import Role
from uplift.apps.organization.choices import WorkActivityKind, WorkActivityType
from uplift.apps.organization.demo import DEMO_PASSWORD, demo_load, demo_users
from uplift.apps.organization.models import (
    OrganizationalUnit,
    Person,
    RoleAssignment,
    WorkActivity,
)

pytestmark = pytest.mark.django_db

MODELS = (OrganizationalUnit, WorkActivity, Person, RoleAssignment)


def _counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in MODELS}
    counts |= {f"{model.__name__} history": model.history.count() for model in MODELS}
    counts["User"] = User.objects.count()
    return counts


def test_loads_three_units_appraised_against_their_models():
    list(demo_load())

    assert dict(OrganizationalUnit.objects.values_list("name", "model_identifier")) == {
        "Product Engineering": "CMMI-DEV",
        "Managed Services": "CMMI-SVC",
        "Sourcing": "CMMI-ACQ",
    }


def test_loads_the_projects_services_teams_and_acquisitions_of_the_story():
    list(demo_load())

    kinds = {kind: WorkActivity.objects.filter(kind=kind).count() for kind in WorkActivityKind}
    assert kinds == {
        WorkActivityKind.PROJECT: 18,
        WorkActivityKind.SERVICE: 12,
        WorkActivityKind.WORK_GROUP: 9,
        WorkActivityKind.ACQUISITION: 4,
    }
    project_types = set(
        WorkActivity.objects.filter(kind=WorkActivityKind.PROJECT).values_list(
            "activity_type", flat=True
        )
    )
    assert project_types == {
        WorkActivityType.SOFTWARE_ONLY,
        WorkActivityType.COTS_INTEGRATION,
        WorkActivityType.EMBEDDED_HARDWARE,
    }
    assert WorkActivity.objects.get(slug="payroll-platform").unit.slug == "managed-services"
    assert not WorkActivity.objects.filter(manager__isnull=True).exists()


def test_every_role_has_a_demo_user_who_signs_in_with_the_demo_password():
    list(demo_load())

    assert {user.role for user in demo_users()} == set(Role)
    for demo_user in demo_users():
        user = User.objects.get(username=demo_user.username)
        assert user.check_password(DEMO_PASSWORD), demo_user.username
        assert user.groups.filter(name=demo_user.role.label).exists()
        assert user.person.role_assignments.filter(role=demo_user.role).exists()


def test_the_admin_is_a_superuser_in_the_administrator_group():
    list(demo_load())

    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert list(admin.groups.values_list("name", flat=True)) == ["Administrator"]


def test_about_forty_people_each_with_a_sign_in():
    list(demo_load())

    assert Person.objects.count() == 40
    assert not Person.objects.filter(user__isnull=True).exists()


def test_a_second_run_adds_no_rows_and_no_history():
    first_lines = list(demo_load())
    before = _counts()

    second_lines = list(demo_load())

    assert _counts() == before
    assert "added" in first_lines[0]
    assert second_lines == [
        "Demo organization already loaded: Harbourline Systems "
        "(3 units, 43 work activities, 40 people)."
    ]


def test_a_second_run_repairs_a_changed_row_and_only_that_row():
    list(demo_load())
    WorkActivity.objects.filter(slug="crane-controller").update(name="Renamed")
    before = _counts()

    lines = list(demo_load())

    assert WorkActivity.objects.get(slug="crane-controller").name == "Crane Controller"
    after = _counts()
    assert after.pop("WorkActivity history") == before.pop("WorkActivity history") + 1
    assert after == before
    assert "1 rows brought up to date" in lines[0]


def test_the_demo_is_the_same_on_every_load():
    list(demo_load())
    snapshot = list(
        WorkActivity.objects.order_by("slug").values_list(
            "slug", "size", "phase", "manager__slug", "attributes"
        )
    )
    Person.objects.update(unit=None)  # disturb, then reload: the plan does not depend on the DB
    RoleAssignment.objects.all().delete()

    list(demo_load())

    assert (
        list(
            WorkActivity.objects.order_by("slug").values_list(
                "slug", "size", "phase", "manager__slug", "attributes"
            )
        )
        == snapshot
    )
    assert Person.objects.filter(unit__isnull=True).count() == 5  # the organization-wide roles
