"""Steps every browser test takes the same way."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from uplift.apps.organization.demo import DEMO_PASSWORD


def sign_in(page: Any, username: str, next_url: str, *, password: str = DEMO_PASSWORD) -> None:
    """Sign ``username`` in through the form and wait until the page has left it."""
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
