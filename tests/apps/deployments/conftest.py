"""Personas of the deployments context (see tests/conftest.py for the shared ones).

- ``process_group_member`` (shared): plans deployments, edits any plan, sets the
  overload limit, signs off when asked;
- ``process_owner``: plans and runs deployments (owner of the plans they create);
- ``sponsor`` and ``steering``: sign off when asked, override a gate with a reason;
- ``project_manager``: signs off when asked; updates the targets of the work
  activities they manage (``managed_project``), no others;
- ``practitioner`` (shared): reads; never signs off, overrides or updates.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests.conftest import MakeUser
from tests.factories.organization import PersonFactory, WorkActivityFactory
from uplift.apps.accounts.roles import Role


@pytest.fixture
def steering(make_user: MakeUser) -> User:
    return make_user(Role.STEERING_COMMITTEE, username="steering", first_name="Rajiv")


@pytest.fixture
def sponsor(make_user: MakeUser) -> User:
    return make_user(Role.SPONSOR, username="sponsor", first_name="Helen")


@pytest.fixture
def process_owner(make_user: MakeUser) -> User:
    return make_user(Role.PROCESS_OWNER, username="process.owner", first_name="Grace")


@pytest.fixture
def project_manager(make_user: MakeUser) -> User:
    return make_user(Role.PROJECT_MANAGER, username="project.manager", first_name="Daniel")


@pytest.fixture
def managed_project(project_manager: User):
    """A software-only project whose manager is ``project_manager``."""
    person = PersonFactory(user=project_manager, display_name="Daniel Okafor")
    return WorkActivityFactory(name="Managed project", slug="managed-project", manager=person)
