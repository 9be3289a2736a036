"""Units, work activities, people, role assignments and process assets."""

from __future__ import annotations

import datetime as dt

import factory

from uplift.apps.accounts.roles import Role
from uplift.apps.organization.choices import AssetKind, Size, WorkActivityKind, WorkActivityType
from uplift.apps.organization.models import (
    OrganizationalUnit,
    Person,
    ProcessAsset,
    ProcessAssetVersion,
    RoleAssignment,
    WorkActivity,
)


class OrganizationalUnitFactory(factory.django.DjangoModelFactory):
    """A unit appraised against CMMI-DEV."""

    class Meta:
        model = OrganizationalUnit

    name = factory.Sequence(lambda n: f"Unit {n}")
    slug = factory.Sequence(lambda n: f"unit-{n}")
    model_identifier = "CMMI-DEV"


class PersonFactory(factory.django.DjangoModelFactory):
    """A person in a unit, without a sign-in unless ``user`` is given."""

    class Meta:
        model = Person

    display_name = factory.Sequence(lambda n: f"Person {n}")
    slug = factory.Sequence(lambda n: f"person-{n}")
    email = factory.LazyAttribute(lambda person: f"{person.slug}@example.test")
    unit = factory.SubFactory(OrganizationalUnitFactory)
    job_title = "Engineer"


class WorkActivityFactory(factory.django.DjangoModelFactory):
    """A medium software-only project."""

    class Meta:
        model = WorkActivity

    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    kind = WorkActivityKind.PROJECT
    unit = factory.SubFactory(OrganizationalUnitFactory)
    activity_type = WorkActivityType.SOFTWARE_ONLY
    size = Size.MEDIUM


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    """A practitioner role held for the whole organization."""

    class Meta:
        model = RoleAssignment

    person = factory.SubFactory(PersonFactory)
    role = Role.PRACTITIONER


class ProcessAssetFactory(factory.django.DjangoModelFactory):
    """A process description."""

    class Meta:
        model = ProcessAsset

    slug = factory.Sequence(lambda n: f"asset-{n}")
    name = factory.Sequence(lambda n: f"Process description {n}")
    kind = AssetKind.PROCESS_DESCRIPTION


class ProcessAssetVersionFactory(factory.django.DjangoModelFactory):
    """Version 1.<n> of a process description."""

    class Meta:
        model = ProcessAssetVersion

    asset = factory.SubFactory(ProcessAssetFactory)
    label = factory.Sequence(lambda n: f"1.{n}")
    released_on = dt.date(2025, 1, 15)
