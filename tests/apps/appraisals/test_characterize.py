"""services.appraisal_characterize, appraisal_judge_*, appraisal_rate: one cell or decision."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.apps.appraisals.conftest import as_yaml, reqm_ml2
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.models import Characterization, PracticeJudgment
from uplift.apps.appraisals.selectors import appraisal_rating
from uplift.apps.appraisals.services import (
    appraisal_characterize,
    appraisal_import,
    appraisal_judge_goal,
    appraisal_judge_practice,
    appraisal_rate,
)
from uplift.apps.library.selectors import model_rating_structure


@pytest.fixture
def reqm(cmmi_dev: Any) -> Any:
    """REQM narrowed ML 2: every SP and GG 2 practice FI at alpha and beta."""
    return appraisal_import(data=as_yaml(reqm_ml2()), filename="reqm.yaml")


def test_characterizing_one_cell_changes_the_rating(reqm: Any) -> None:
    before = appraisal_rating(reqm)

    appraisal_characterize(
        appraisal=reqm, practice="REQM SP 1.3", unit="beta", value="NI", weaknesses=["no log"]
    )

    after = appraisal_rating(reqm)
    assert before.goals["REQM SG 1"].rating.value == "satisfied"
    assert after.practices["REQM SP 1.3"].needs_judgment  # FI and NI: the team decides
    assert after.goals["REQM SG 1"].rating.value == "pending"
    assert after.areas["REQM"].capability_level is None


def test_a_cell_write_keeps_its_history_and_saves_only_what_changed(
    reqm: Any, django_user_model: Any
) -> None:
    user = django_user_model.objects.create_user(username="appraiser")

    cell = appraisal_characterize(
        appraisal=reqm, practice="REQM.SP1.2", unit="alpha", value="LI", notes="n", user=user
    )
    again = appraisal_characterize(
        appraisal=reqm, practice="REQM SP 1.2", unit="alpha", value="LI", user=user
    )

    assert (cell.pk, again.pk, again.notes, again.updated_by) == (cell.pk, cell.pk, "n", user)
    history = list(cell.history.order_by("history_date").values_list("value", "history_user"))
    assert history == [("FI", None), ("LI", user.pk)]  # the import, then one change


def test_a_generic_practice_cell_belongs_to_its_process_area(reqm: Any) -> None:
    cell = appraisal_characterize(appraisal=reqm, practice="REQM GP 2.4", unit="beta", value="PI")

    assert cell.process_area.abbreviation == "REQM"
    assert appraisal_rating(reqm).practices["REQM GP 2.4"].needs_judgment


@pytest.mark.parametrize(
    ("practice", "unit", "value", "field", "message"),
    [
        ("REQM SP 1.1", "alpha", "XX", "value", "'XX' is not one of FI, LI, PI, NI, NY"),
        ("REQM SP 9.1", "alpha", "FI", "practice", "REQM SP 9.1 is not a practice of CMMI-DEV 1.3"),
        ("PP SP 1.1", "alpha", "FI", "practice", "PP is not in the appraisal's scope"),
        (
            "nonsense",
            "alpha",
            "FI",
            "practice",
            "'nonsense' is not a practice reference like 'REQM SP 1.1'",
        ),
        ("REQM SP 1.1", "delta", "FI", "unit", "'delta' is not a unit of this appraisal"),
    ],
)
def test_a_refused_cell_names_the_field_and_changes_nothing(
    reqm: Any, practice: str, unit: str, value: str, field: str, message: str
) -> None:
    with pytest.raises(AppraisalError) as excinfo:
        appraisal_characterize(appraisal=reqm, practice=practice, unit=unit, value=value)

    assert (excinfo.value.field, excinfo.value.message) == (field, message)
    assert set(Characterization.objects.values_list("value", flat=True)) == {"FI"}


def test_a_practice_judgment_settles_a_mixed_practice(reqm: Any) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.3", unit="beta", value="PI")

    appraisal_judge_practice(
        appraisal=reqm, practice="REQM SP 1.3", value="LI", rationale="beta catches up"
    )

    result = appraisal_rating(reqm)
    assert result.practices["REQM SP 1.3"].judged
    assert result.goals["REQM SG 1"].rating.value == "satisfied"
    assert result.open_judgments == ()


def test_a_practice_judgment_outside_the_candidates_or_not_called_for_is_refused(
    reqm: Any,
) -> None:
    with pytest.raises(AppraisalError, match="no judgment is called for"):
        appraisal_judge_practice(appraisal=reqm, practice="REQM SP 1.3", value="LI", rationale="r")
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.3", unit="beta", value="PI")
    with pytest.raises(AppraisalError, match="must be LI or PI, not 'FI'"):
        appraisal_judge_practice(appraisal=reqm, practice="REQM SP 1.3", value="FI", rationale="r")
    with pytest.raises(AppraisalError, match="needs a rationale"):
        appraisal_judge_practice(appraisal=reqm, practice="REQM SP 1.3", value="LI", rationale=" ")

    assert not PracticeJudgment.objects.exists()


def test_a_goal_judgment_can_make_an_li_goal_unsatisfied(reqm: Any) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.1", unit="beta", value="LI")

    appraisal_judge_goal(
        appraisal=reqm, goal="REQM SG 1", value="unsatisfied", rationale="traceability gaps"
    )

    result = appraisal_rating(reqm)
    assert result.goals["REQM SG 1"].rating.value == "unsatisfied"
    assert result.goals["REQM SG 1"].judged


def test_a_judgment_the_cells_no_longer_allow_is_dropped_with_a_warning(reqm: Any) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.3", unit="beta", value="PI")
    appraisal_judge_practice(appraisal=reqm, practice="REQM SP 1.3", value="LI", rationale="r")

    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.3", unit="beta", value="FI")

    result = appraisal_rating(reqm)
    assert result.practices["REQM SP 1.3"].value.value == "FI"
    assert result.warnings == (
        "REQM SP 1.3: no judgment is called for; the recorded one is ignored",
    )


def test_rating_stores_a_snapshot(reqm: Any) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.1", unit="beta", value="NI")

    result = appraisal_rate(appraisal=reqm)

    reqm.rating.refresh_from_db()
    assert reqm.rating.result == result.as_json()
    assert reqm.rating.result["practices"]["REQM SP 1.1"]["needs_judgment"] is True


def _large(model: Any) -> Any:
    """Every CMMI-DEV practice rated at ML 5 (431) at 24 units: 10,344 cells."""
    units = [f"unit-{n}" for n in range(24)]
    cells = {
        ref: dict.fromkeys(units, "FI")
        for area in model_rating_structure(model).areas
        for goal in (*area.specific_goals, *area.generic_goals)
        for ref in goal.practices
    }
    data = reqm_ml2(target_maturity_level=5, basic_units=units, characterizations=cells)
    data.pop("process_areas")
    return appraisal_import(data=as_yaml(data), filename="large.yaml")


def test_a_cell_write_costs_the_same_queries_at_100_and_10000_cells(
    cmmi_dev: Any, django_assert_num_queries: Any
) -> None:
    units = [f"u{n}" for n in range(7)]
    small_cells = {ref: dict.fromkeys(units, "FI") for ref in reqm_ml2()["characterizations"]}
    small = appraisal_import(
        data=as_yaml(reqm_ml2(basic_units=units, characterizations=small_cells)),
        filename="small.yaml",
    )
    large = _large(cmmi_dev)
    assert (small.characterizations.count(), large.characterizations.count()) == (105, 10344)

    with CaptureQueriesContext(connection) as measured:
        appraisal_characterize(appraisal=small, practice="REQM SP 1.1", unit="u3", value="LI")
    with django_assert_num_queries(len(measured)):
        appraisal_characterize(appraisal=large, practice="REQM SP 1.1", unit="unit-3", value="LI")
    assert len(measured) <= 10
