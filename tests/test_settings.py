"""Production settings pass Django's deployment checks and refuse to start without a key."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

UPLIFT = Path(sys.executable).with_name("uplift")


def _prod_env(**extra: str) -> dict[str, str]:
    """The test run's environment less anything that configures Django, plus ``extra``.

    DJANGO_ALLOW_ASYNC_UNSAFE in particular is set while browser tests run in the same
    worker, and ``check --deploy`` rightly refuses it.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_")
        and key not in {"SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS", "DEBUG"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "uplift.config.settings.prod"
    env.setdefault("DATABASE_URL", "sqlite:///:memory:")
    env.update(extra)
    return env


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own entry point, fixed arguments)
        [str(UPLIFT), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_passes_without_warnings_with_the_prod_settings():
    key = secrets.token_urlsafe(50)[:50]

    result = _run(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=_prod_env(SECRET_KEY=key, ALLOWED_HOSTS="uplift.example"),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_prod_refuses_to_start_without_a_secret_key():
    result = _run("check", env=_prod_env(ALLOWED_HOSTS="uplift.example"))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_prod_reads_the_secret_key_from_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(secrets.token_urlsafe(50)[:50] + "\n", encoding="utf-8")

    result = _run(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=_prod_env(SECRET_KEY_FILE=str(key_file), ALLOWED_HOSTS="uplift.example"),
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SECURE_HSTS_SECONDS", "a year"), ("SECURE_SSL_REDIRECT", "maybe")],
)
def test_prod_refuses_a_malformed_setting(variable, value):
    key = secrets.token_urlsafe(50)[:50]

    result = _run(
        "check", env=_prod_env(SECRET_KEY=key, ALLOWED_HOSTS="uplift.example", **{variable: value})
    )

    assert result.returncode != 0
    assert variable in result.stderr


def test_prod_refuses_to_start_without_allowed_hosts():
    result = _run("check", env=_prod_env(SECRET_KEY=secrets.token_urlsafe(50)[:50]))

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr
