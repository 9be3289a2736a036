"""The path to the target and the comparison of two appraisals: selectors and pages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.apps.appraisals.conftest import as_yaml, reqm_ml2
from tests.paths import REPO_ROOT
from uplift.apps.accounts.roles import Role
from uplift.apps.appraisals.analysis import appraisal_compare, appraisal_path
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.models import Appraisal
from uplift.apps.appraisals.services import appraisal_import
from uplift.apps.library.services import library_import_file

CMMI_SVC = REPO_ROOT / "data" / "library" / "cmmi-svc-1.3.yaml"


def imported(name: str, **overrides: Any) -> Appraisal:
    data = reqm_ml2(name=name, **overrides)
    return appraisal_import(data=as_yaml(data), filename=f"{name}.yaml")


@pytest.fixture
def before(cmmi_dev: Any) -> Appraisal:
    """REQM ML 2: all FI but SP 1.3 (PI at alpha, NI at beta): REQM SG 1 unsatisfied."""
    data = reqm_ml2(name="REQM 2025")
    data["characterizations"]["REQM SP 1.3"] = {
        "alpha": {"value": "PI", "weaknesses": ["no change log"]},
        "beta": {"value": "NI", "weaknesses": ["changes by e-mail"]},
    }
    return appraisal_import(data=as_yaml(data), filename="before.yaml")


@pytest.fixture
def after(before: Appraisal) -> Appraisal:
    """A year later: SP 1.3 fixed, SP 1.2 LI at alpha: REQM satisfied, capability level 2."""
    data = reqm_ml2(name="REQM 2026")
    data["characterizations"]["REQM SP 1.2"] = {
        "alpha": {"value": "LI", "weaknesses": ["late sign-off"]},
        "beta": "FI",
    }
    return appraisal_import(data=as_yaml(data), filename="after.yaml")


@pytest.fixture
def continuous(cmmi_dev: Any) -> Appraisal:
    """Continuous REQM: SPs and GG 2 all FI, GG 3 not characterized."""
    data = reqm_ml2(name="REQM profile", representation="continuous")
    del data["target_maturity_level"]
    return appraisal_import(data=as_yaml(data), filename="continuous.yaml")


@pytest.fixture
def reader(make_user: Any, client_for: Any) -> Any:
    return client_for(make_user(Role.PRACTITIONER, username="reader"))


# --- selectors ---------------------------------------------------------------------------------


def test_the_path_names_the_units_at_fault_and_their_weaknesses(before: Appraisal) -> None:
    found = appraisal_path(before, profile="REQM:2")

    assert found.label == "capability profile REQM CL 2"
    assert found.level is None
    assert found.path.summary.text == "1 process area, 1 goal, 1 practice to close"
    (section,) = found.sections
    assert section.name == "Requirements Management"
    (goal,) = section.goals
    assert (goal.gap.ref, goal.title) == ("REQM SG 1", "Manage Requirements")
    (practice,) = goal.practices
    assert (practice.gap.ref, practice.title) == ("REQM SP 1.3", "Manage Requirements Changes")
    assert practice.issue_label == "Partially implemented (PI)"
    assert [(u.unit, u.value, u.weaknesses) for u in practice.gap.units] == [
        ("alpha", "PI", ("no change log",)),
        ("beta", "NI", ("changes by e-mail",)),
    ]


def test_the_default_target_of_a_staged_appraisal_is_its_maturity_level(
    before: Appraisal,
) -> None:
    found = appraisal_path(before)

    assert (found.level, found.label) == (2, "maturity level 2")
    assert found.path.out_of_scope == ("CM", "MA", "PMC", "PP", "PPQA", "SAM")


def test_a_continuous_appraisal_aims_at_capability_level_3_by_default(
    continuous: Appraisal,
) -> None:
    found = appraisal_path(continuous)

    assert found.label == "capability profile REQM CL 3"
    assert [goal.ref for area in found.path.areas for goal in area.goals] == ["REQM GG 3"]
    assert found.path.summary.text == "1 process area, 1 goal, 2 practices to close"


@pytest.mark.parametrize(
    ("target", "field", "message"),
    [
        ({"level": 7}, "level", "A target maturity level is 2 to 5, not 7."),
        ({"profile": "XYZ:2"}, "profile", "Not a process area of the model: XYZ."),
        ({"profile": "REQM:4"}, "profile", "REQM: a target capability level is 0 to 3, not 4."),
        ({"profile": "REQM"}, "profile", "'REQM' is not AREA:LEVEL, e.g. REQM:2."),
        (
            {"level": 2, "profile": "REQM:2"},
            "profile",
            "Give a target maturity level or a profile, not both.",
        ),
    ],
)
def test_a_target_the_model_cannot_have_is_refused(
    before: Appraisal, target: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(AppraisalError) as caught:
        appraisal_path(before, **target)

    assert (caught.value.field, caught.value.message) == (field, message)


def test_two_appraisals_of_one_unit_compare_by_reference(
    before: Appraisal, after: Appraisal
) -> None:
    found = appraisal_compare(before, after)

    improved = found.improved
    assert [(row.change.abbreviation, row.title) for row in improved.areas] == [
        ("REQM", "Requirements Management")
    ]
    assert [row.change.ref for row in improved.goals] == ["REQM SG 1"]
    assert [(row.change.ref, row.change.steps) for row in improved.practices] == [
        ("REQM SP 1.3", 2)
    ]
    assert [(row.change.ref, row.change.steps) for row in found.slipped.practices] == [
        ("REQM SP 1.2", -1)
    ]
    assert found.other.count == 0
    counts = found.comparison.counts()["practices"]
    assert (counts.improved, counts.slipped, counts.unchanged) == (1, 1, 13)


def test_appraisals_of_different_models_do_not_compare(before: Appraisal) -> None:
    library_import_file(path=CMMI_SVC)
    service = imported("SVC check", model="CMMI-SVC@1.3")

    with pytest.raises(AppraisalError) as caught:
        appraisal_compare(before, service)

    assert caught.value.field == "b"
    assert caught.value.message == (
        "SVC check appraises CMMI-SVC@1.3, REQM 2025 CMMI-DEV@1.3: "
        "only appraisals of the same model compare."
    )


# --- the path page --------------------------------------------------------------------------


def test_the_path_page_shows_each_short_goal_with_its_practices(
    before: Appraisal, reader: Any
) -> None:
    response = reader.get(f"/appraisals/{before.pk}/path/", {"profile": "REQM:2"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Towards capability profile REQM CL 2" in html
    assert "1 process area, 1 goal, 1 practice to close." in html
    assert 'aria-current="page">Path to target</a>' in html
    assert "Manage Requirements Changes" in html
    assert "Partially implemented (PI)" in html
    assert "<strong>alpha</strong>: PI — no change log" in html
    assert "<strong>beta</strong>: NI — changes by e-mail" in html


def test_the_path_page_defaults_to_the_target_and_names_areas_out_of_scope(
    before: Appraisal, reader: Any
) -> None:
    html = reader.get(f"/appraisals/{before.pk}/path/").content.decode()

    assert "Towards maturity level 2" in html
    assert "7 process areas, 21 goals, 110 practices to close." in html
    assert "Not in this appraisal's scope:</strong> CM, MA, PMC, PP, PPQA, SAM" in html


def test_a_reached_target_says_so(after: Appraisal, reader: Any) -> None:
    html = reader.get(f"/appraisals/{after.pk}/path/?profile=REQM:2").content.decode()

    assert "Nothing to close: the target is reached." in html
    assert "Nothing stands between this appraisal and capability profile REQM CL 2." in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("level=x", "The level must be a whole number, not &#x27;x&#x27;."),
        ("level=1", "A target maturity level is 2 to 5, not 1."),
        ("profile=XYZ:2", "Not a process area of the model: XYZ."),
        ("level=3&profile=REQM:2", "Give a target maturity level or a profile, not both."),
    ],
)
def test_a_bad_target_is_a_bad_request_that_says_why(
    before: Appraisal, reader: Any, query: str, message: str
) -> None:
    response = reader.get(f"/appraisals/{before.pk}/path/?{query}")

    assert response.status_code == 400
    assert message in response.content.decode()


# --- the comparison page -----------------------------------------------------------------------

COMPARE = "/appraisals/compare/"


def test_anonymous_visitors_are_sent_to_sign_in_to_compare(anonymous: Any) -> None:
    response = anonymous.get(COMPARE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_comparison_form_offers_the_visible_appraisals(
    before: Appraisal, after: Appraisal, reader: Any
) -> None:
    response = reader.get(COMPARE, {"a": before.pk})

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{before.pk}" selected>REQM 2025 · CMMI-DEV 1.3</option>' in html
    assert f'<option value="{after.pk}">REQM 2026 · CMMI-DEV 1.3</option>' in html
    assert "What improved" not in html


def test_the_comparison_shows_what_improved_and_what_slipped(
    before: Appraisal, after: Appraisal, reader: Any
) -> None:
    response = reader.get(COMPARE, {"a": before.pk, "b": after.pk})

    assert response.status_code == 200
    html = response.content.decode()
    improved = html[html.index("What improved") : html.index("What slipped")]
    slipped = html[html.index("What slipped") : html.index("Other changes")]
    assert "Requirements Management" in improved
    assert "REQM SG 1" in improved
    assert "<td>PI</td>\n        <td>FI</td>\n        <td>2</td>" in improved
    assert "REQM SP 1.2" in slipped
    assert "<td>FI</td>\n        <td>LI</td>\n        <td>-1</td>" in slipped
    assert "No other change." in html


@pytest.mark.parametrize("query", ["a=x&b=1", "a=1&b=two", "a=-1&b=1"])
def test_a_malformed_id_is_a_bad_request(before: Appraisal, reader: Any, query: str) -> None:
    response = reader.get(f"{COMPARE}?{query}")

    assert response.status_code == 400
    assert "is no id" in response.content.decode()


def test_an_unknown_or_invisible_appraisal_is_not_found(
    before: Appraisal, after: Appraisal, reader: Any, outsider: Any, client_for: Any
) -> None:
    assert reader.get(COMPARE, {"a": before.pk, "b": after.pk + 1000}).status_code == 404
    assert client_for(outsider).get(COMPARE, {"a": before.pk, "b": after.pk}).status_code == 404


def test_appraisals_of_two_models_are_refused_on_the_form(before: Appraisal, reader: Any) -> None:
    library_import_file(path=CMMI_SVC)
    service = imported("SVC check", model="CMMI-SVC@1.3")

    response = reader.get(COMPARE, {"a": before.pk, "b": service.pk})

    assert response.status_code == 400
    assert "only appraisals of the same model compare." in response.content.decode()
