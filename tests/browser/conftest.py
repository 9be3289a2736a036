"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Playwright never downloads a browser here: it launches /usr/bin/chromium, which
``make system-deps`` installs. Without it the browser tests are skipped, saying why.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root in a container, where the sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder as a browser test and skip it without Chromium."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(
                    pytest.mark.skip(reason=f"{CHROMIUM} is absent: run 'make system-deps'")
                )


@pytest.fixture
def page(live_server, transactional_db, monkeypatch):  # type: ignore[no-untyped-def]
    """A fresh headless Chromium page whose ``base_url`` is the live server.

    Playwright's sync API keeps an event loop running in this thread while it is
    started, and Django then refuses synchronous ORM calls (the test's own set-up).
    So Playwright lives only as long as one test, and DJANGO_ALLOW_ASYNC_UNSAFE is set
    only meanwhile: tests after it in the same worker keep Django's async safety.

    While that event loop runs, Django keeps its database connections per context, not
    per thread (asgiref's ``Local``): the connections the test opens meanwhile are not the
    thread's, and nobody else closes them. They are closed here, before the loop stops;
    left open, PostgreSQL refuses to drop the test database at the end of the run.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()
        connections.close_all()
