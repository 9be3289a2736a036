"""The typed readers of configuration from the environment."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from uplift.config.env import env_bool, env_int, env_list, env_secret, env_str


def test_env_str_returns_the_variable_or_the_default(monkeypatch):
    monkeypatch.setenv("UPLIFT_TEST_VALUE", "set")
    monkeypatch.delenv("UPLIFT_TEST_MISSING", raising=False)

    assert env_str("UPLIFT_TEST_VALUE", "default") == "set"
    assert env_str("UPLIFT_TEST_MISSING", "default") == "default"


def test_env_str_without_variable_or_default_names_the_variable(monkeypatch):
    monkeypatch.delenv("UPLIFT_TEST_MISSING", raising=False)

    with pytest.raises(ImproperlyConfigured, match="UPLIFT_TEST_MISSING"):
        env_str("UPLIFT_TEST_MISSING")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        (" on ", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("UPLIFT_TEST_FLAG", raw)

    assert env_bool("UPLIFT_TEST_FLAG", not expected) is expected


def test_env_bool_falls_back_to_the_default(monkeypatch):
    monkeypatch.delenv("UPLIFT_TEST_FLAG", raising=False)

    assert env_bool("UPLIFT_TEST_FLAG", True) is True


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("UPLIFT_TEST_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="UPLIFT_TEST_FLAG='maybe' is not a boolean"):
        env_bool("UPLIFT_TEST_FLAG", False)


def test_env_int_parses_whole_numbers_and_refuses_others(monkeypatch):
    monkeypatch.setenv("UPLIFT_TEST_NUMBER", "42")
    assert env_int("UPLIFT_TEST_NUMBER", 0) == 42

    monkeypatch.setenv("UPLIFT_TEST_NUMBER", "4.2")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("UPLIFT_TEST_NUMBER", 0)

    monkeypatch.delenv("UPLIFT_TEST_NUMBER")
    assert env_int("UPLIFT_TEST_NUMBER", 7) == 7


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("UPLIFT_TEST_LIST", " a.example, ,b.example,")

    assert env_list("UPLIFT_TEST_LIST", ["x"]) == ["a.example", "b.example"]


def test_env_list_returns_a_copy_of_the_default(monkeypatch):
    monkeypatch.delenv("UPLIFT_TEST_LIST", raising=False)
    default = ["x"]

    value = env_list("UPLIFT_TEST_LIST", default)
    value.append("y")

    assert default == ["x"]


def test_env_secret_prefers_the_file_and_strips_its_newline(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-file\n", encoding="utf-8")
    monkeypatch.setenv("UPLIFT_TEST_SECRET", "from-env")
    monkeypatch.setenv("UPLIFT_TEST_SECRET_FILE", str(secret))

    assert env_secret("UPLIFT_TEST_SECRET") == "from-file"


def test_env_secret_reads_the_variable_without_a_file(monkeypatch):
    monkeypatch.delenv("UPLIFT_TEST_SECRET_FILE", raising=False)
    monkeypatch.setenv("UPLIFT_TEST_SECRET", "from-env")

    assert env_secret("UPLIFT_TEST_SECRET") == "from-env"


def test_env_secret_names_an_unreadable_file(monkeypatch, tmp_path):
    monkeypatch.setenv("UPLIFT_TEST_SECRET_FILE", str(tmp_path / "absent"))

    with pytest.raises(ImproperlyConfigured, match="UPLIFT_TEST_SECRET_FILE"):
        env_secret("UPLIFT_TEST_SECRET")


def test_env_secret_without_value_or_default_is_refused(monkeypatch):
    monkeypatch.delenv("UPLIFT_TEST_SECRET", raising=False)
    monkeypatch.delenv("UPLIFT_TEST_SECRET_FILE", raising=False)

    with pytest.raises(ImproperlyConfigured, match="UPLIFT_TEST_SECRET"):
        env_secret("UPLIFT_TEST_SECRET")
