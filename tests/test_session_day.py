"""The test clock (tests/conftest.py): every test runs on the day the session started."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.conftest import SESSION_DAY


def test_a_test_runs_on_the_session_day_at_noon_with_a_ticking_clock() -> None:
    first = timezone.now()
    assert timezone.localdate() == SESSION_DAY
    assert first.astimezone(timezone.get_current_timezone()).time() >= dt.time(12)
    assert timezone.now() >= first
