"""API personas and a small model library.

Personas (healthchecks-style): ``anonymous`` (no credentials), ``outsider`` (signed in,
no permission), ``reader`` (may view the library), ``importer`` (may also import).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient

from uplift.apps.library.choices import GoalKind, LevelKind
from uplift.apps.library.models import (
    Category,
    Goal,
    Level,
    Practice,
    ProcessArea,
    ProcessModel,
)

PASSWORD = "correct horse battery staple"

READ_PERMISSIONS = ("view_processmodel", "view_processarea", "view_practice")


def make_user(username: str, *codenames: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="library", codename__in=codenames)
    )
    return user


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def outsider_user() -> User:
    return make_user("outsider")


@pytest.fixture
def reader_user() -> User:
    return make_user("reader", *READ_PERMISSIONS)


@pytest.fixture
def importer_user() -> User:
    return make_user("importer", *READ_PERMISSIONS, "add_processmodel")


def _signed_in(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def client_of(user: User | None) -> APIClient:
    """An API client authenticated as ``user`` (``None``: anonymous), without a session."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def outsider(outsider_user: User) -> APIClient:
    return _signed_in(outsider_user)


@pytest.fixture
def reader(reader_user: User) -> APIClient:
    return _signed_in(reader_user)


@pytest.fixture
def importer(importer_user: User) -> APIClient:
    return _signed_in(importer_user)


@dataclass
class Library:
    """The rows tests look up by name."""

    dev13: ProcessModel
    dev12: ProcessModel
    svc: ProcessModel
    pp: ProcessArea
    cm: ProcessArea
    sam: ProcessArea
    sp11: Practice
    sp11_nested: Practice
    gp21: Practice


def add_area(
    model: ProcessModel,
    abbreviation: str,
    name: str,
    *,
    category: Category | None = None,
    maturity_level: int | None = None,
    optional: bool = False,
    order: int = 0,
) -> ProcessArea:
    return ProcessArea.objects.create(
        model=model,
        abbreviation=abbreviation,
        name=name,
        category=category,
        maturity_level=maturity_level,
        optional=optional,
        order=order,
    )


def add_practice(goal: Goal, identifier: str, title: str, **fields: object) -> Practice:
    return Practice.objects.create(
        model=goal.model,
        process_area=goal.process_area,
        goal=goal,
        identifier=identifier,
        title=title,
        **fields,
    )


def build_model(identifier: str, version: str, *, is_latest: bool = True) -> ProcessModel:
    return ProcessModel.objects.create(
        identifier=identifier,
        version=version,
        name=f"{identifier} {version}",
        source={"title": "Test source"},
        representations=["staged", "continuous"],
        is_latest=is_latest,
    )


@pytest.fixture
def library(db: None) -> Library:
    """CMMI-DEV 1.3 (PP, CM, optional SAM; one generic goal), CMMI-DEV 1.2, CMMI-SVC 1.3."""
    dev13 = build_model("CMMI-DEV", "1.3")
    dev12 = build_model("CMMI-DEV", "1.2", is_latest=False)
    svc = build_model("CMMI-SVC", "1.3")
    Level.objects.create(model=dev13, kind=LevelKind.MATURITY, number=2, name="Managed")
    planning = Category.objects.create(model=dev13, name="Project Management", order=1)
    support = Category.objects.create(model=dev13, name="Support", order=2)

    pp = add_area(dev13, "PP", "Project Planning", category=planning, maturity_level=2, order=1)
    cm = add_area(
        dev13, "CM", "Configuration Management", category=support, maturity_level=2, order=2
    )
    sam = add_area(
        dev13,
        "SAM",
        "Supplier Agreement Management",
        category=planning,
        maturity_level=2,
        optional=True,
        order=3,
    )
    add_area(dev12, "PP", "Project Planning", maturity_level=2, order=1)
    add_area(svc, "SD", "Service Delivery", maturity_level=2, order=1)

    pp_sg1 = Goal.objects.create(
        model=dev13, process_area=pp, kind=GoalKind.SPECIFIC, identifier="SG 1", title="Estimates"
    )
    cm_sg1 = Goal.objects.create(
        model=dev13, process_area=cm, kind=GoalKind.SPECIFIC, identifier="SG 1", title="Baselines"
    )
    gg2 = Goal.objects.create(
        model=dev13,
        kind=GoalKind.GENERIC,
        identifier="GG 2",
        title="Institutionalize a Managed Process",
        capability_level=2,
    )
    sp11 = add_practice(
        pp_sg1,
        "SP 1.1",
        "Estimate the Scope of the Project",
        summary="Establish a top-level work breakdown structure.",
        description="The WBS evolves with the project.",
        example_work_products=["Task descriptions", "WBS"],
        subpractices=[
            {"text": "Develop a WBS.", "notes": "Use the architecture.", "examples": ["Tree"]},
            {"text": "Define work packages."},
        ],
        references=["RD", "TS"],
        order=1,
    )
    sp11_nested = add_practice(pp_sg1, "SP 1.1.1", "Refine the WBS", parent=sp11, order=2)
    add_practice(cm_sg1, "SP 1.1", "Identify Configuration Items", order=1)
    gp21 = add_practice(gg2, "GP 2.1", "Establish an Organizational Policy", order=1)
    return Library(
        dev13=dev13,
        dev12=dev12,
        svc=svc,
        pp=pp,
        cm=cm,
        sam=sam,
        sp11=sp11,
        sp11_nested=sp11_nested,
        gp21=gp21,
    )


@pytest.fixture
def client_for(
    anonymous: APIClient, outsider: APIClient, reader: APIClient, importer: APIClient
) -> Callable[[str], APIClient]:
    """The client of a persona by name, for parametrized access tests."""
    clients = {
        "anonymous": anonymous,
        "outsider": outsider,
        "reader": reader,
        "importer": importer,
    }
    return clients.__getitem__
