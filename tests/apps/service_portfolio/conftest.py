"""Personas of the service portfolio (see tests/conftest.py for the shared ones).

- ``process_group_member`` (shared): manages every service, policy, review and setting;
  waives compliance; turns decisions into proposals;
- ``service_owner``: edits the services they own (``owned_service``) and their rows,
  records compliance checks for them, never waives; no other service;
- ``steering`` and ``sponsor``: open reviews, record decisions, waive compliance;
- ``practitioner`` (shared): reads only.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests.conftest import MakeUser
from tests.factories.service_portfolio import ServiceFactory
from uplift.apps.accounts.roles import Role


@pytest.fixture
def service_owner(make_user: MakeUser) -> User:
    return make_user(Role.SERVICE_OWNER, username="service.owner", first_name="Aisha")


@pytest.fixture
def steering(make_user: MakeUser) -> User:
    return make_user(Role.STEERING_COMMITTEE, username="steering", first_name="Rajiv")


@pytest.fixture
def sponsor(make_user: MakeUser) -> User:
    return make_user(Role.SPONSOR, username="sponsor", first_name="Helen")


@pytest.fixture
def owned_service(service_owner: User):
    """A catalog service owned by ``service_owner``."""
    return ServiceFactory(slug="service-desk", name="Service Desk", owner=service_owner)


@pytest.fixture
def other_service(db: None):
    """A catalog service owned by someone else."""
    return ServiceFactory(slug="hosting", name="Hosting")
