"""services.appraisal_import: a checked file is stored whole and rated; a bad one writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.apps.appraisals.conftest import ISSUE_EXAMPLE, as_yaml, reqm_ml2
from uplift.apps.appraisals.models import (
    Appraisal,
    AppraisalArea,
    AppraisalUnit,
    Characterization,
    GoalJudgment,
    PracticeJudgment,
    RatingSnapshot,
)
from uplift.apps.appraisals.selectors import appraisal_rating
from uplift.apps.appraisals.services import appraisal_import
from uplift.apps.library.selectors import model_rating_structure
from uplift.domain.errors import InvalidDocument

TABLES = (
    Appraisal,
    AppraisalArea,
    AppraisalUnit,
    Characterization,
    PracticeJudgment,
    GoalJudgment,
    RatingSnapshot,
)


def ml2_cells(model: Any, units: tuple[str, ...] = ("alpha", "beta")) -> dict[str, Any]:
    """Every ML 2 practice (SPs and GG 2) FI at every unit, SAM left out."""
    cells: dict[str, Any] = {}
    for area in model_rating_structure(model).areas:
        if area.maturity_level != 2 or area.abbreviation == "SAM":
            continue
        for goal in (*area.specific_goals, *area.generic_goals):
            if goal.generic_level in (None, 2):
                for ref in goal.practices:
                    cells[ref] = dict.fromkeys(units, "FI")
    return cells


def ml2(model: Any, **overrides: Any) -> bytes:
    data = reqm_ml2(process_areas=[], not_applicable=["SAM"], characterizations=ml2_cells(model))
    data.pop("process_areas")
    data.update(overrides)
    return as_yaml(data)


def test_the_issue_example_is_stored_and_rated_in_the_documented_shape(cmmi_dev: Any) -> None:
    appraisal = appraisal_import(data=ISSUE_EXAMPLE.encode(), filename="example.yaml")

    result = appraisal.rating.result
    assert set(result) >= {
        "practices",
        "goals",
        "process_areas",
        "maturity_level",
        "equivalent_maturity_level",
        "open_judgments",
    }
    assert result["practices"]["REQM SP 1.1"] == {
        "value": "LI",
        "needs_judgment": False,
        "candidates": ["LI"],
        "judged": False,
    }
    assert result["goals"]["REQM SG 1"] == "not_rated"  # SP 1.2 to 1.5 not characterized
    assert result["process_areas"]["REQM"] == {"rating": "not_rated", "capability_level": None}
    assert result["process_areas"]["SAM"] == {"rating": "not_applicable", "capability_level": None}
    assert (result["maturity_level"], result["equivalent_maturity_level"]) == (None, None)
    assert result["open_judgments"] == []
    assert (appraisal.name, appraisal.model.reference, appraisal.target_maturity_level) == (
        "example",
        "CMMI-DEV@1.3",
        3,
    )
    assert sorted(appraisal.areas.values_list("process_area__abbreviation", "scope")) == [
        ("PP", "in_scope"),
        ("REQM", "in_scope"),
        ("SAM", "not_applicable"),
    ]
    assert list(appraisal.units.values_list("name", flat=True)) == ["alpha", "beta", "gamma"]
    assert Characterization.objects.filter(appraisal=appraisal).count() == 6
    assert PracticeJudgment.objects.get().rationale == "..."
    assert GoalJudgment.objects.get().value == "unsatisfied"


def test_a_complete_ml2_file_reaches_maturity_level_2(cmmi_dev: Any) -> None:
    appraisal = appraisal_import(data=ml2(cmmi_dev), filename="ml2.yaml")

    result = appraisal_rating(appraisal)
    assert result.maturity_level == 2
    assert appraisal.rating.maturity_level == 2
    assert result.areas["REQM"].capability_level == 2
    assert result.areas["SAM"].rating.value == "not_applicable"


def test_fi_li_and_ny_at_three_units_aggregate_to_li(cmmi_dev: Any) -> None:
    cells = ml2_cells(cmmi_dev, ("alpha", "beta", "gamma"))
    cells["REQM SP 1.1"] = {"alpha": "FI", "beta": "LI", "gamma": "NY"}

    appraisal = appraisal_import(
        data=ml2(cmmi_dev, basic_units=["alpha", "beta", "gamma"], characterizations=cells),
        filename="ml2.yaml",
    )

    result = appraisal_rating(appraisal)
    assert result.practices["REQM SP 1.1"].value.value == "LI"
    assert result.goals["REQM SG 1"].rating.value == "satisfied"  # LI presumed satisfied
    assert result.maturity_level == 2


def test_a_mixed_practice_without_judgment_is_open_and_no_level_is_guessed(
    cmmi_dev: Any,
) -> None:
    cells = ml2_cells(cmmi_dev)
    cells["PP SP 2.3"] = {"alpha": "FI", "beta": {"value": "PI", "weaknesses": ["no data plan"]}}

    appraisal = appraisal_import(data=ml2(cmmi_dev, characterizations=cells), filename="a.yaml")

    result = appraisal_rating(appraisal).as_json()
    assert result["practices"]["PP SP 2.3"] == {
        "value": None,
        "needs_judgment": True,
        "candidates": ["LI", "PI"],
        "judged": False,
    }
    assert result["goals"]["PP SG 2"] == "pending"
    assert result["open_judgments"] == [
        {"kind": "practice", "ref": "PP SP 2.3", "candidates": ["LI", "PI"]}
    ]
    assert result["maturity_level"] is None


def test_a_judgment_in_the_file_settles_the_mixed_practice(cmmi_dev: Any) -> None:
    cells = ml2_cells(cmmi_dev)
    cells["PP SP 2.3"] = {"alpha": "FI", "beta": "PI"}
    judgments = {"practices": {"PP SP 2.3": {"value": "PI", "rationale": "no data plan"}}}

    appraisal = appraisal_import(
        data=ml2(cmmi_dev, characterizations=cells, judgments=judgments), filename="a.yaml"
    )

    result = appraisal_rating(appraisal)
    assert result.practices["PP SP 2.3"].judged
    assert result.goals["PP SG 2"].rating.value == "unsatisfied"
    assert result.areas["PP"].capability_level == 0
    assert result.maturity_level is None
    assert result.open_judgments == ()


def rows_written() -> list[int]:
    return [table.objects.count() for table in TABLES]


HEAD = """\
uplift: appraisal/1
model: CMMI-DEV@1.3
representation: staged
target_maturity_level: 2
process_areas: [REQM]
basic_units: [alpha, beta]
characterizations:
"""

BROKEN = [
    pytest.param(
        HEAD + "  REQM SP 1.1: {alpha: FI}\n  REQM SP 9.9: {alpha: FI}\n",
        [
            'a.yaml:9 at $.characterizations["REQM SP 9.9"]: REQM SP 9.9 is not a practice of '
            "CMMI-DEV 1.3"
        ],
        id="unknown practice",
    ),
    pytest.param(
        HEAD + "  REQM SP 1.1:\n    alpha: FI\n    delta: LI\n",
        [
            "a.yaml:10 at $.characterizations[\"REQM SP 1.1\"].delta: 'delta' is not a basic unit "
            "or support function"
        ],
        id="unknown unit",
    ),
    pytest.param(
        HEAD + "  REQM SP 1.1: {alpha: XI}\n",
        [
            "a.yaml:8 at $.characterizations[\"REQM SP 1.1\"].alpha (field value): 'XI' is not "
            "one of FI, LI, PI, NI, NY"
        ],
        id="bad value",
    ),
    pytest.param(
        HEAD
        + "  REQM SP 1.1: {alpha: FI, beta: PI}\n"
        + "judgments:\n  practices:\n    REQM SP 1.1: {value: FI, rationale: why}\n",
        [
            'a.yaml:11 at $.judgments.practices["REQM SP 1.1"]: REQM SP 1.1: the judgment must '
            "be LI or PI, not 'FI'"
        ],
        id="judgment outside the candidates",
    ),
    pytest.param(
        HEAD.replace("CMMI-DEV@1.3", "CMMI-XYZ@9") + "  REQM SP 1.1: {alpha: FI}\n",
        ["a.yaml:2 at $.model (field model): CMMI-XYZ@9 is not in the model library"],
        id="unknown model",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_a_broken_file_is_refused_with_located_problems_and_writes_nothing(
    cmmi_dev: Any, text: str, expected: list[str]
) -> None:
    with pytest.raises(InvalidDocument) as excinfo:
        appraisal_import(data=text.encode(), filename="a.yaml")

    assert [str(problem) for problem in excinfo.value.problems] == expected
    assert rows_written() == [0] * len(TABLES)


def test_a_yaml_syntax_error_is_located(cmmi_dev: Any) -> None:
    with pytest.raises(InvalidDocument) as excinfo:
        appraisal_import(data=b"uplift: appraisal/1\nmodel: [CMMI-DEV\n", filename="s.yaml")

    assert [p.line for p in excinfo.value.problems] == [3]
    assert rows_written() == [0] * len(TABLES)


def test_a_class_other_than_a_b_or_c_is_refused(cmmi_dev: Any) -> None:
    with pytest.raises(InvalidDocument) as excinfo:
        appraisal_import(data=(HEAD + "class: D\n").encode(), filename="c.yaml")

    assert [str(p) for p in excinfo.value.problems] == [
        "c.yaml:8 at $.class (field class): must be A, B or C"
    ]


def test_the_import_records_the_user_in_the_history(cmmi_dev: Any, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user(username="lead")

    appraisal = appraisal_import(data=as_yaml(reqm_ml2()), filename="a.yaml", user=user)

    assert appraisal.created_by == user
    assert appraisal.history.get().history_user == user
    assert Characterization.history.filter(history_user=user).count() == 30
