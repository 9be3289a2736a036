"""Sign-in, sign-out, password change, lock-out and the security log."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-1"
WRONG = "wrong-password-xyzzy"


@pytest.fixture
def carol(django_user_model):
    return django_user_model.objects.create_user(
        "carol", password=PASSWORD, first_name="Carol", last_name="Jones"
    )


def _sign_in(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_the_sign_in_page_has_a_heading_and_labelled_inputs(client):
    response = client.get(reverse("accounts:login"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Sign in</h1>" in content
    assert '<label for="id_username">' in content
    assert '<label for="id_password">' in content


def test_signing_in_goes_to_the_dashboard(client, carol):
    response = _sign_in(client, "carol", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).context["user"] == carol


def test_a_failed_sign_in_is_announced_and_tied_to_the_inputs(client, carol):
    response = _sign_in(client, "carol", WRONG)

    content = response.content.decode()
    assert response.status_code == 200
    assert '<div class="form-errors" id="form-errors" role="alert">' in content
    assert 'aria-describedby="form-errors"' in content
    assert 'aria-invalid="true"' in content
    assert "_auth_user_id" not in client.session


def test_an_empty_field_error_is_tied_to_its_input(client):
    response = _sign_in(client, "", "")

    content = response.content.decode()
    assert 'id="id_username_error"' in content
    assert 'aria-describedby="id_username_error"' in content


def test_each_failed_sign_in_is_logged_without_the_password(client, carol, caplog):
    with caplog.at_level(logging.INFO, logger="uplift.security"):
        _sign_in(client, "carol", WRONG)

    records = [r for r in caplog.records if r.name == "uplift.security"]
    assert [r.getMessage() for r in records] == [
        "Sign-in failed for username 'carol' from 127.0.0.1"
    ]
    assert WRONG not in caplog.text


def test_five_failures_lock_the_sixth_attempt_even_with_the_right_password(client, carol, caplog):
    with caplog.at_level(logging.INFO, logger="uplift.security"):
        for _ in range(5):
            _sign_in(client, "carol", WRONG)
        response = _sign_in(client, "carol", PASSWORD)

    assert response.status_code == 429
    assert b"<h1>Sign-in locked</h1>" in response.content
    assert b"about 15 minutes" in response.content
    assert "_auth_user_id" not in client.session
    failures = [r for r in caplog.records if r.name == "uplift.security"]
    # The fifth failure reaches the limit; the refused sixth attempt is logged too.
    assert [r.getMessage() for r in failures] == [
        *["Sign-in failed for username 'carol' from 127.0.0.1"] * 4,
        *["Sign-in failed for username 'carol' from 127.0.0.1 (locked out)"] * 2,
    ]
    assert WRONG not in caplog.text
    assert PASSWORD not in caplog.text


def test_the_lock_out_is_per_username(client, carol, django_user_model):
    django_user_model.objects.create_user("dave", password=PASSWORD)
    for _ in range(5):
        _sign_in(client, "carol", WRONG)

    response = _sign_in(client, "dave", PASSWORD)

    assert response.status_code == 302


def test_sign_out_refuses_get_and_keeps_the_session(client, carol):
    client.force_login(carol)

    response = client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert "_auth_user_id" in client.session


def test_sign_out_by_post_ends_the_session(client, carol):
    client.force_login(carol)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_the_header_offers_sign_out_as_a_post_form(client, carol):
    client.force_login(carol)

    content = client.get(reverse("dashboard")).content.decode()

    assert f'<form method="post" action="{reverse("accounts:logout")}">' in content
    assert "Carol Jones" in content
    assert f'href="{reverse("accounts:password_change")}"' in content


def test_password_change_requires_sign_in(client):
    response = client.get(reverse("accounts:password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_changing_the_password_keeps_the_session_and_takes_the_new_password(client, carol):
    client.force_login(carol)
    new = "a-much-better-passphrase-2"

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    assert client.get(reverse("accounts:password_change_done")).status_code == 200
    carol.refresh_from_db()
    assert carol.check_password(new)


def test_a_wrong_old_password_changes_nothing(client, carol):
    client.force_login(carol)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": WRONG, "new_password1": "x-new-pass-99", "new_password2": "x-new-pass-99"},
    )

    assert response.status_code == 200
    assert 'aria-describedby="id_old_password_error"' in response.content.decode()
    carol.refresh_from_db()
    assert carol.check_password(PASSWORD)
