"""services.appraisal_import: a checked file is stored whole and rated; a bad one writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.apps.appraisals.conftest import ISSUE_EXAMPLE, as_yaml, reqm_ml2
from tests.factories.organization import PersonFactory
from uplift.apps.appraisals.models import (
    Affirmation,
    Appraisal,
    AppraisalArea,
    AppraisalUnit,
    Artifact,
    Characterization,
    EvidenceLink,
    Finding,
    GoalJudgment,
    PracticeJudgment,
    RatingSnapshot,
    TeamMember,
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


# -- the record: plan fields, team, evidence, findings ---------------------------------------

RECORD_TABLES = (TeamMember, Artifact, Affirmation, EvidenceLink, Finding)


def with_record(**overrides: Any) -> dict[str, Any]:
    """The REQM file with dates, status, a team, evidence and findings."""
    data = reqm_ml2(
        status="rated",
        start_date="2026-03-02",
        end_date="2026-03-06",
        team=[
            {"username": "lead", "role": "lead_appraiser"},
            {"username": "member", "role": "team_member"},
        ],
        evidence={
            "artifacts": [
                {
                    "name": "Requirements baseline",
                    "link": "https://intranet.example/reqm/baseline",
                    "date": "2026-02-01",
                    "description": "signed off by the customer",
                    "supports": {"practices": ["REQM SP 1.1", "REQM SP 1.2"], "units": ["alpha"]},
                },
                {"name": "Change board minutes", "link": "https://intranet.example/ccb"},
            ],
            "affirmations": [
                {
                    "kind": "interview",
                    "date": "2026-03-03",
                    "session": "Interview 1",
                    "role_group": "project managers",
                    "summary": "changes go through the board",
                    "supports": [
                        {"practices": ["REQM SP 1.3"], "units": ["alpha", "beta"]},
                        {"practices": ["REQM GP 2.1"], "units": ["beta"]},
                    ],
                }
            ],
        },
        findings=[
            {
                "kind": "strength",
                "process_area": "REQM",
                "goal": "REQM SG 1",
                "text": "Changes are controlled by a board.",
                "practices": ["REQM SP 1.3", "REQM SP 1.2"],
            },
            {"kind": "weakness", "process_area": "REQM", "text": "No traceability tool."},
        ],
    )
    data.update(overrides)
    return data


def make_team_users(user_model: Any) -> dict[str, Any]:
    """The users ``with_record()`` names on its team."""
    return {name: user_model.objects.create_user(username=name) for name in ("lead", "member")}


@pytest.fixture
def team_users(cmmi_dev: Any, django_user_model: Any) -> dict[str, Any]:
    return make_team_users(django_user_model)


def test_the_record_is_stored_with_the_appraisal(team_users: dict[str, Any]) -> None:
    appraisal = appraisal_import(
        data=as_yaml(with_record()), filename="r.yaml", user=team_users["lead"]
    )

    assert (appraisal.status, str(appraisal.start_date), str(appraisal.end_date)) == (
        "rated",
        "2026-03-02",
        "2026-03-06",
    )
    assert sorted(appraisal.team.values_list("user__username", "role")) == [
        ("lead", "lead_appraiser"),
        ("member", "team_member"),
    ]
    baseline, minutes = appraisal.artifacts.order_by("pk")
    assert (baseline.name, baseline.link, str(baseline.date), baseline.created_by) == (
        "Requirements baseline",
        "https://intranet.example/reqm/baseline",
        "2026-02-01",
        team_users["lead"],
    )
    assert sorted(
        baseline.links.values_list(
            "process_area__abbreviation", "practice__identifier", "unit__name"
        )
    ) == [("REQM", "SP 1.1", "alpha"), ("REQM", "SP 1.2", "alpha")]
    assert not minutes.links.exists()
    interview = appraisal.affirmations.get()
    assert (interview.kind, interview.session, interview.role_group) == (
        "interview",
        "Interview 1",
        "project managers",
    )
    assert sorted(interview.links.values_list("practice__identifier", "unit__name")) == [
        ("GP 2.1", "beta"),
        ("SP 1.3", "alpha"),
        ("SP 1.3", "beta"),
    ]
    strength, weakness = appraisal.findings.order_by("order")
    assert (strength.kind, strength.goal.identifier, strength.order) == ("strength", "SG 1", 0)
    assert sorted(strength.practices.values_list("identifier", flat=True)) == ["SP 1.2", "SP 1.3"]
    assert (weakness.kind, weakness.goal, weakness.text) == (
        "weakness",
        None,
        "No traceability tool.",
    )


def test_the_record_is_in_the_history_with_the_importer(team_users: dict[str, Any]) -> None:
    lead = team_users["lead"]

    appraisal = appraisal_import(data=as_yaml(with_record()), filename="r.yaml", user=lead)

    for model in (TeamMember, Artifact, Affirmation, Finding):
        assert set(model.history.values_list("history_user", flat=True)) == {lead.pk}
    first = appraisal.findings.get(kind="strength").history.get()
    assert sorted(first.practices.values_list("practice__identifier", flat=True)) == [
        "SP 1.2",
        "SP 1.3",
    ]


def test_a_file_without_status_is_in_progress_once_characterized(cmmi_dev: Any) -> None:
    appraisal = appraisal_import(data=as_yaml(reqm_ml2()), filename="a.yaml")

    assert (appraisal.status, appraisal.start_date) == ("in_progress", None)


RECORD_TEXT = """\
uplift: appraisal/1
model: CMMI-DEV@1.3
representation: staged
target_maturity_level: 2
process_areas: [REQM]
basic_units: [alpha, beta]
characterizations:
  REQM SP 1.1: {alpha: FI, beta: FI}
team:
  - {username: lead, role: lead_appraiser}
  - {username: nobody}
evidence:
  artifacts:
    - name: Baseline
      link: https://intranet.example/baseline
      date: 2026-02-01
      supports: {practices: [PP SP 1.1], units: [alpha, gamma]}
  affirmations:
    - kind: interview
      date: 2026-03-03
      session: Interview 1
      role_group: Ada Lovelace
    - kind: questionnaire
      date: 2026-03-04
      session: Survey
      role_group: member
findings:
  - {kind: weakness, process_area: REQM, goal: REQM SG 1, practices: [REQM GP 2.1], text: t}
"""


def test_every_problem_of_the_record_is_located_and_nothing_is_written(
    team_users: dict[str, Any],
) -> None:
    PersonFactory(display_name="Ada Lovelace")

    with pytest.raises(InvalidDocument) as excinfo:
        appraisal_import(data=RECORD_TEXT.encode(), filename="r.yaml")

    assert [str(problem) for problem in excinfo.value.problems] == [
        "r.yaml:17 at $.evidence.artifacts[0].supports.practices[0] (field practices): "
        "PP SP 1.1: PP is not in the appraisal's scope",
        "r.yaml:17 at $.evidence.artifacts[0].supports.units[1] (field units): 'gamma' is not "
        "a basic unit or support function",
        "r.yaml:28 at $.findings[0].practices[0] (field practices): REQM GP 2.1 is not a "
        "practice of REQM SG 1",
        "r.yaml:11 at $.team[1].username (field username): 'nobody' is not a user of this site",
        "r.yaml:22 at $.evidence.affirmations[0].role_group (field role_group): 'Ada Lovelace' "
        "names a person; record the role group interviewed (e.g. 'service desk leads'), never "
        "a name",
        "r.yaml:26 at $.evidence.affirmations[1].role_group (field role_group): 'member' names "
        "a person; record the role group interviewed (e.g. 'service desk leads'), never a name",
    ]
    assert rows_written() == [0] * len(TABLES)
    assert [table.objects.count() for table in RECORD_TABLES] == [0] * len(RECORD_TABLES)


@pytest.mark.parametrize(
    "role_group",
    ["lead", "LEAD", " ada  lovelace ", "ada@harbourline.example", "interview with Ada Lovelace"],
)
def test_a_role_group_that_names_a_person_is_refused(
    team_users: dict[str, Any], role_group: str
) -> None:
    PersonFactory(display_name="Ada Lovelace", email="ada@harbourline.example")
    data = with_record()
    data["evidence"]["affirmations"][0]["role_group"] = role_group

    with pytest.raises(InvalidDocument) as excinfo:
        appraisal_import(data=as_yaml(data), filename="r.yaml")

    assert [p.path for p in excinfo.value.problems] == ["$.evidence.affirmations[0].role_group"]
    assert not Appraisal.objects.exists()


def test_a_rated_file_may_not_leave_judgments_open(team_users: dict[str, Any]) -> None:
    data = with_record()
    data["characterizations"]["REQM SP 1.1"] = {"alpha": "FI", "beta": "PI"}

    text = as_yaml(data)

    with pytest.raises(InvalidDocument) as excinfo:
        appraisal_import(data=text, filename="r.yaml")

    line = text.decode().splitlines().index("status: rated") + 1
    assert [str(p) for p in excinfo.value.problems] == [
        f"r.yaml:{line} at $.status (field status): a rated appraisal has no open judgments; "
        "still open: REQM SP 1.1"
    ]
    assert not Appraisal.objects.exists()
