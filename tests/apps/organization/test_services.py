"""Writes of the organization context: state, history rows and group membership."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.factories.accounts import UserFactory
from tests.factories.organization import (
    OrganizationalUnitFactory,
    PersonFactory,
    WorkActivityFactory,
)
from uplift.apps.accounts.roles import Role
from uplift.apps.organization import services
from uplift.apps.organization.choices import WorkActivityKind, WorkActivityType
from uplift.apps.organization.models import (
    OrganizationalUnit,
    Person,
    RoleAssignment,
    WorkActivity,
)

pytestmark = pytest.mark.django_db


def test_unit_create_slugifies_the_name_and_records_the_actor_in_history():
    actor = UserFactory()

    unit = services.unit_create(
        name="Product Engineering", model_identifier="CMMI-DEV", actor=actor
    )

    assert unit.slug == "product-engineering"
    record = unit.history.get()
    assert record.history_type == "+"
    assert record.history_user == actor


def test_unit_create_refuses_a_taken_slug_and_writes_nothing():
    OrganizationalUnitFactory(slug="sourcing")

    with pytest.raises(ValidationError):
        services.unit_create(name="Sourcing")

    assert OrganizationalUnit.objects.count() == 1


def test_unit_update_saves_only_changed_fields_and_one_history_row():
    unit = services.unit_create(name="Sourcing")

    _, changed = services.unit_update(
        unit=unit, data={"name": "Sourcing", "model_identifier": "CMMI-ACQ"}
    )

    assert changed == ["model_identifier"]
    assert unit.history.count() == 2
    assert unit.history.first().model_identifier == "CMMI-ACQ"


def test_unit_update_without_a_change_writes_no_history():
    unit = services.unit_create(name="Sourcing")

    _, changed = services.unit_update(unit=unit, data={"name": "Sourcing"})

    assert changed == []
    assert unit.history.count() == 1


def test_unit_update_refuses_a_unit_inside_itself():
    parent = services.unit_create(name="Harbourline")
    child = services.unit_create(name="Sourcing", parent=parent)

    with pytest.raises(ValidationError):
        services.unit_update(unit=parent, data={"parent": child})

    parent.refresh_from_db()
    assert parent.parent is None


def test_update_refuses_a_field_it_does_not_own():
    unit = services.unit_create(name="Sourcing")

    with pytest.raises(ValueError, match="pk"):
        services.unit_update(unit=unit, data={"pk": 99})


def test_work_activity_create_and_update_keep_the_attributes():
    unit = OrganizationalUnitFactory()

    activity = services.work_activity_create(
        name="Crane Controller",
        kind=WorkActivityKind.PROJECT,
        unit=unit,
        activity_type=WorkActivityType.EMBEDDED_HARDWARE,
        attributes={"customer": "Port authority"},
    )
    services.work_activity_update(work_activity=activity, data={"active": False})

    stored = WorkActivity.objects.get(slug="crane-controller")
    assert stored.attributes == {"customer": "Port authority"}
    assert stored.active is False
    assert [r.active for r in stored.history.all()] == [False, True]


def test_work_activity_create_refuses_an_unknown_kind():
    with pytest.raises(ValidationError):
        services.work_activity_create(name="X", kind="party", unit=OrganizationalUnitFactory())

    assert not WorkActivity.objects.exists()


def test_person_create_links_the_sign_in_once():
    user = UserFactory()
    services.person_create(display_name="Lena Fischer", user=user)

    with pytest.raises(ValidationError):
        services.person_create(display_name="Lena Fischer 2", user=user)

    assert Person.objects.get().user == user


def test_role_assignment_puts_the_sign_in_in_the_role_group(role_groups):
    person = PersonFactory(user=UserFactory())

    services.role_assignment_create(person=person, role=Role.APPRAISER, unit=person.unit)

    assert person.user.groups.get() == role_groups[Role.APPRAISER]
    assert RoleAssignment.history.count() == 1


def test_role_assignment_refuses_two_scopes_and_a_duplicate(role_groups):
    person = PersonFactory()
    activity = WorkActivityFactory(unit=person.unit)
    services.role_assignment_create(
        person=person, role=Role.PROJECT_MANAGER, work_activity=activity
    )

    with pytest.raises(ValidationError):
        services.role_assignment_create(
            person=person, role=Role.PROJECT_MANAGER, unit=person.unit, work_activity=activity
        )
    with pytest.raises(ValidationError):
        services.role_assignment_create(
            person=person, role=Role.PROJECT_MANAGER, work_activity=activity
        )

    assert RoleAssignment.objects.count() == 1


def test_role_assignment_refuses_a_duplicate_organization_wide_role(role_groups):
    person = PersonFactory()
    services.role_assignment_create(person=person, role=Role.SPONSOR)

    with pytest.raises(ValidationError):
        services.role_assignment_create(person=person, role=Role.SPONSOR)

    assert RoleAssignment.objects.count() == 1


def test_role_assignment_delete_leaves_the_group_only_with_the_last_assignment(role_groups):
    person = PersonFactory(user=UserFactory())
    first = services.role_assignment_create(person=person, role=Role.APPRAISER)
    second = services.role_assignment_create(person=person, role=Role.APPRAISER, unit=person.unit)

    services.role_assignment_delete(assignment=first)
    assert person.user.groups.filter(name=Role.APPRAISER.label).exists()

    services.role_assignment_delete(assignment=second)
    assert not person.user.groups.filter(name=Role.APPRAISER.label).exists()
    assert RoleAssignment.history.filter(history_type="-").count() == 2
