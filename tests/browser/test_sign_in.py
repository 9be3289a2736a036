"""Signing in through the form in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories.accounts import TEST_PASSWORD
from uplift.apps.accounts.roles import Role

pytestmark = pytest.mark.browser


def test_a_practitioner_signs_in_and_sees_the_dashboard(page, make_user):
    make_user(Role.PRACTITIONER, username="lena", first_name="Lena", last_name="Fischer")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.locator("input[name=username]").fill("lena")
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Lena Fischer")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Organization")


def test_a_wrong_password_keeps_the_visitor_on_the_sign_in_page(page, make_user):
    make_user(Role.PRACTITIONER, username="lena")

    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill("lena")
    page.locator("input[name=password]").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
