"""Personas of the improvements context (see tests/conftest.py for the shared ones).

- ``process_group_member`` (shared): manages proposals, criteria, pilots and plans,
  makes every transition, may review plans;
- ``steering``: selects or rejects proposals, reviews plans when asked;
- ``sponsor``: like the steering committee;
- ``process_owner``: works on plans and actions, reviews plans when asked;
- ``pat_member``: a process action team member: works on plans and actions, cannot
  review;
- ``project_manager``: reviews plans when asked;
- ``practitioner`` (shared): reads and suggests; never approves.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests.conftest import MakeUser
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
def pat_member(make_user: MakeUser) -> User:
    return make_user(Role.PROCESS_ACTION_TEAM, username="pat.member", first_name="Tomasz")


@pytest.fixture
def project_manager(make_user: MakeUser) -> User:
    return make_user(Role.PROJECT_MANAGER, username="project.manager", first_name="Daniel")
