"""The test clock (tests/conftest.py): every test runs on the day the session started."""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone

from tests import conftest
from tests.conftest import SESSION_DAY


def test_a_test_runs_on_the_session_day_after_noon_with_a_ticking_clock() -> None:
    first = timezone.now()
    assert timezone.localdate() == SESSION_DAY
    assert first.astimezone(timezone.get_current_timezone()).time() >= dt.time(12)
    assert timezone.now() >= first


def test_the_clock_runs_on_from_test_to_test_so_no_two_tests_start_at_one_instant() -> None:
    noon = dt.datetime.combine(SESSION_DAY, dt.time(12), tzinfo=timezone.get_current_timezone())
    session_ran = time.monotonic() - conftest._SESSION_START
    # The test's clock is noon plus the time this session has run (give or take the
    # moments between the fixture and this line), not noon for every test.
    assert abs((timezone.now() - noon).total_seconds() - session_ran) < 5
