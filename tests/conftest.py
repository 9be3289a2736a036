"""Shared fixtures: personas and clients.

Personas (healthchecks-style): ``anonymous`` (a client nobody signed in to),
``outsider`` (signed in, no role), and users made in role groups with
``make_user(Role.PROCESS_GROUP, …)``. ``client_for(user)`` signs a client in.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.factories.accounts import UserFactory
from uplift.apps.accounts.roles import Role
from uplift.apps.accounts.services import roles_ensure, user_roles_add

MakeUser = Callable[..., User]
ClientFor = Callable[[User], Client]

# Signs in without the axes backend's request check: the persona is not what is tested.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

# The day this test process started. Test modules read "today" when they are collected
# (``TODAY = timezone.localdate()``) and the code under test reads it again when a test
# runs: a run that crosses midnight would see two days. So every test runs on this day.
SESSION_DAY = timezone.localdate()
_SESSION_START = time.monotonic()


@pytest.fixture(autouse=True)
def _session_day() -> Iterator[None]:
    """Run the test on ``SESSION_DAY``: from noon plus the time the session has run, the
    clock ticking from there, so time still moves forward from test to test (two tests
    never start at the same instant: what is keyed by a time stays apart) and stays on
    that day for twelve hours.

    time-machine moves Python's wall clock only (``time.time``, ``datetime.now``…), not
    the monotonic clocks, and not other processes: a subprocess or the browser sees the
    real time, which is the same day except across midnight.
    """
    noon = dt.datetime.combine(SESSION_DAY, dt.time(12), tzinfo=timezone.get_current_timezone())
    elapsed = dt.timedelta(seconds=time.monotonic() - _SESSION_START)
    with time_machine.travel(noon + elapsed, tick=True):
        yield


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: what one test cached (statistics keyed by
    row ids, which SQLite reuses after a rollback) is not another test's data."""
    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The test database as ``uplift setup`` leaves it: migrated, with the role groups.

    Ensuring the groups takes about half a second; once per test database instead of
    once per test (a test's transaction is rolled back, so the groups stay).
    """
    with django_db_blocker.unblock():
        roles_ensure()


@pytest.fixture
def role_groups(db: None) -> dict[Role, Group]:
    """The role groups with their permissions, as ``uplift setup`` leaves them.

    Already there (``django_db_setup``) unless a transactional test emptied the tables
    before, in which case they are ensured again.
    """
    found = {group.name: group for group in Group.objects.filter(name__in=Role.labels)}
    if len(found) == len(Role):
        return {role: found[role.label] for role in Role}
    return roles_ensure()


@pytest.fixture
def make_user(role_groups: dict[Role, Group]) -> MakeUser:
    """Make a user in the groups of the given roles: ``make_user(Role.PRACTITIONER)``."""

    def make(*roles: Role, **fields: object) -> User:
        user = UserFactory(**fields)
        if roles:
            user_roles_add(user=user, roles=roles)
        return user

    return make


@pytest.fixture
def client_for() -> ClientFor:
    """A new client signed in as the given user."""

    def sign_in(user: User) -> Client:
        client = Client()
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return sign_in


@pytest.fixture
def anonymous(client: Client) -> Client:
    """A client nobody signed in to."""
    return client


@pytest.fixture
def outsider(make_user: MakeUser) -> User:
    """Signed in but in no role group: may see nothing."""
    return make_user(username="outsider")


@pytest.fixture
def practitioner(make_user: MakeUser) -> User:
    """A practitioner: reads every context."""
    return make_user(Role.PRACTITIONER, username="practitioner")


@pytest.fixture
def process_group_member(make_user: MakeUser) -> User:
    """A process group member: reads everything, edits the organization and the library."""
    return make_user(Role.PROCESS_GROUP, username="process.group")
