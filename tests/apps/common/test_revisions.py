"""The revisions pages' comparison: numbers checked, the compare service's refusal shown."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from uplift.apps.common.revisions import revision_comparison


class Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _compare(older: int, newer: int):
    if newer > 3:
        raise Refused(f"There is no revision {newer}.")
    return [SimpleNamespace(changed=True), SimpleNamespace(changed=False)]


def test_nothing_is_compared_without_older_or_newer_and_the_form_offers_the_last_two():
    context, status = revision_comparison({}, current=3, compare=_compare, refused=Refused)

    assert status == 200
    assert context == {"older": 2, "newer": 3, "compared": False}


def test_two_revisions_are_compared_and_the_changes_counted():
    context, status = revision_comparison(
        {"older": "1", "newer": "3"}, current=3, compare=_compare, refused=Refused
    )

    assert status == 200
    assert (context["older"], context["newer"], context["compared"]) == (1, 3, True)
    assert context["changed_count"] == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"older": "0", "newer": "2"}, "The older revision is a whole number of 1 or more."),
        ({"older": "1"}, "The newer revision is a whole number of 1 or more."),
        ({"older": "1", "newer": "9"}, "There is no revision 9."),
    ],
)
def test_a_bad_number_or_a_refused_comparison_is_a_bad_request(query, message):
    context, status = revision_comparison(query, current=3, compare=_compare, refused=Refused)

    assert status == 400
    assert context["compare_error"] == message
    assert "changes" not in context
