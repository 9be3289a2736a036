"""The appraisal exchange format: shape checks, model checks, and the rating they feed."""

from __future__ import annotations

import datetime

import pytest

from uplift.domain.appraisal_format import (
    ArtifactInput,
    FindingInput,
    ModelStructure,
    Supports,
    TeamEntry,
    parse_appraisal,
    resolve_scope,
    split_model_reference,
    supported_cells,
)
from uplift.domain.errors import InvalidDocument
from uplift.domain.ratings import AreaSpec, GoalSpec, rate_appraisal


def _area(abbr: str, level: int, practices: int) -> AreaSpec:
    sg = GoalSpec(f"{abbr} SG 1", tuple(f"{abbr} SP 1.{p}" for p in range(1, practices + 1)))
    gg2 = GoalSpec(f"{abbr} GG 2", (f"{abbr} GP 2.1",), generic_level=2)
    gg3 = GoalSpec(f"{abbr} GG 3", (f"{abbr} GP 3.1",), generic_level=3)
    return AreaSpec(abbr, level, (sg,), (gg2, gg3))


MODEL = ModelStructure(
    "CMMI-DEV",
    "1.3",
    (_area("REQM", 2, 2), _area("PP", 2, 1), _area("SAM", 2, 1), _area("OPF", 3, 1)),
    frozenset({"REQM GP 1.1", "PP GP 1.1", "SAM GP 1.1", "OPF GP 1.1"}),
)


def document(**overrides):
    data = {
        "uplift": "appraisal/1",
        "model": "CMMI-DEV@1.3",
        "representation": "staged",
        "target_maturity_level": 2,
        "not_applicable": ["SAM"],
        "basic_units": ["alpha", "beta", "gamma"],
        "characterizations": {
            "REQM SP 1.1": {"alpha": "FI", "beta": "LI", "gamma": "NY"},
            "REQM.SP1.2": {"alpha": "FI", "beta": "FI", "gamma": "FI"},
            "REQM GP 2.1": {"alpha": "FI", "beta": "FI", "gamma": "FI"},
            "PP SP 1.1": {"alpha": "FI", "beta": {"value": "PI", "weaknesses": ["no WBS"]}},
            "PP GP 2.1": {"alpha": "FI"},
        },
        "judgments": {"practices": {"PP SP 1.1": {"value": "LI", "rationale": "WBS drafted"}}},
    }
    data.update(overrides)
    return data


def messages(excinfo) -> list[str]:
    return [str(problem) for problem in excinfo.value.problems]


def test_model_references_split_into_identifier_and_pinned_version():
    assert split_model_reference("CMMI-DEV@1.3") == ("CMMI-DEV", "1.3")
    assert split_model_reference("CMMI-DEV") == ("CMMI-DEV", None)


def test_a_valid_file_rates_end_to_end():
    doc = parse_appraisal(document(), filename="a.yaml")
    inputs = resolve_scope(doc, MODEL)

    result = rate_appraisal(
        inputs.scope, inputs.characterizations, inputs.practice_judgments, inputs.goal_judgments
    )

    assert doc.version == "1.3"
    assert result.as_json()["practices"]["REQM SP 1.1"]["value"] == "LI"
    assert result.goals["REQM SG 1"].rating.value == "satisfied"
    assert result.areas["PP"].rating.value == "satisfied"
    assert result.areas["SAM"].rating.value == "not_applicable"
    assert result.maturity_level == 2
    assert "OPF" not in result.areas  # ML 3 area outside an ML 2 scope


def test_every_shape_problem_is_reported_with_its_path_at_once():
    bad = document(
        uplift="appraisal/2",
        representation="staged",
        target_maturity_level=7,
        basic_units=["alpha", "alpha"],
        colour="blue",
        characterizations={"REQM SX 1.1": {"alpha": "FI"}, "PP SP 1.1": {"alpha": "XX"}},
        judgments={"goals": {"REQM SG 1": {"value": "unsatisfied"}}},
    )

    with pytest.raises(InvalidDocument) as excinfo:
        parse_appraisal(
            bad, filename="bad.yaml", locate=lambda path: 7 if path == "$.colour" else None
        )

    found = messages(excinfo)
    assert "bad.yaml:7 at $.colour (field colour): unknown key 'colour'" in found
    assert any("$.uplift" in m and "must be 'appraisal/1'" in m for m in found)
    assert any("$.target_maturity_level" in m and "from 2 to 5" in m for m in found)
    assert any("$.basic_units[1]" in m and "'alpha' is listed twice" in m for m in found)
    assert any(
        '$.characterizations["REQM SX 1.1"]' in m and "not a practice reference" in m for m in found
    )
    assert any(
        '$.characterizations["PP SP 1.1"].alpha' in m and "'XX' is not one of" in m for m in found
    )
    assert any("needs a rationale" in m for m in found)


def test_names_the_model_does_not_have_are_located_errors():
    bad = document(
        process_areas=["REQM", "XYZ"],
        characterizations={"REQM SP 9.9": {"alpha": "FI"}, "REQM SP 1.1": {"delta": "FI"}},
        judgments={"goals": {"PP SG 4": {"value": "satisfied", "rationale": "r"}}},
    )

    with pytest.raises(InvalidDocument) as excinfo:
        resolve_scope(parse_appraisal(bad, filename="f.yaml"), MODEL, filename="f.yaml")

    assert messages(excinfo) == [
        "f.yaml at $.process_areas[1]: XYZ is not a process area of CMMI-DEV 1.3",
        'f.yaml at $.characterizations["REQM SP 9.9"]: REQM SP 9.9 is not a practice of '
        "CMMI-DEV 1.3",
        "f.yaml at $.characterizations[\"REQM SP 1.1\"].delta: 'delta' is not a basic unit or "
        "support function",
        'f.yaml at $.judgments.goals["PP SG 4"]: PP SG 4 is not a goal of CMMI-DEV 1.3',
    ]


def test_staged_scope_cannot_name_an_area_above_the_target():
    with pytest.raises(InvalidDocument, match=r"OPF is not at maturity level 2\.\.2"):
        resolve_scope(parse_appraisal(document(process_areas=["OPF"])), MODEL)


def test_characterizing_a_practice_outside_the_scope_is_a_warning_not_an_error():
    doc = document()
    doc["characterizations"]["OPF SP 1.1"] = {"alpha": "FI"}

    inputs = resolve_scope(parse_appraisal(doc), MODEL)

    assert inputs.warnings == ("OPF SP 1.1: outside the appraisal's scope; not rated",)


def test_continuous_appraisal_needs_its_process_areas_and_no_target():
    with pytest.raises(InvalidDocument) as excinfo:
        parse_appraisal(document(representation="continuous"))

    found = messages(excinfo)
    assert any("only staged appraisals have a target" in m for m in found)
    assert any("a continuous appraisal lists its process areas" in m for m in found)


# -- the record: plan fields, team, evidence, findings -------------------------------------


def record(**overrides):
    """The document above with a team, evidence and findings."""
    return document(
        status="rated",
        start_date="2026-03-02",
        end_date=datetime.date(2026, 3, 6),
        team=[{"username": "lead", "role": "lead_appraiser"}, {"username": "member"}],
        evidence={
            "artifacts": [
                {
                    "name": "Requirements baseline",
                    "link": "https://intranet.example/reqm/baseline",
                    "date": datetime.date(2026, 2, 1),
                    "description": "signed off",
                    "supports": {"practices": ["REQM SP 1.1", "REQM.SP1.2"], "units": ["alpha"]},
                }
            ],
            "affirmations": [
                {
                    "kind": "interview",
                    "date": "2026-03-03",
                    "session": "Interview 1",
                    "role_group": "project managers",
                    "summary": "changes go through the board",
                    "supports": [
                        {"practices": ["REQM SP 1.1"], "units": ["alpha", "beta"]},
                        {"practices": ["PP SP 1.1", "REQM SP 1.1"], "units": ["beta"]},
                    ],
                }
            ],
        },
        findings=[
            {
                "kind": "weakness",
                "process_area": "pp",
                "goal": "PP.SG1",
                "text": "no WBS at beta",
                "practices": ["PP SP 1.1"],
            },
            {"kind": "strength", "process_area": "REQM", "text": "clear baselines"},
        ],
        **overrides,
    )


def test_the_record_is_parsed_and_normalized():
    doc = parse_appraisal(record(), filename="r.yaml")

    assert (doc.status, doc.start_date, doc.end_date) == (
        "rated",
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 6),
    )
    assert doc.team == (TeamEntry("lead", "lead_appraiser"), TeamEntry("member", "team_member"))
    assert doc.artifacts == (
        ArtifactInput(
            "Requirements baseline",
            "https://intranet.example/reqm/baseline",
            datetime.date(2026, 2, 1),
            "signed off",
            (Supports(("REQM SP 1.1", "REQM SP 1.2"), ("alpha",)),),
        ),
    )
    (affirmation,) = doc.affirmations
    assert (affirmation.kind, affirmation.date, affirmation.role_group) == (
        "interview",
        datetime.date(2026, 3, 3),
        "project managers",
    )
    assert supported_cells(affirmation.supports) == (
        ("REQM SP 1.1", "alpha"),
        ("REQM SP 1.1", "beta"),
        ("PP SP 1.1", "beta"),
    )
    assert doc.findings == (
        FindingInput("weakness", "PP", "no WBS at beta", "PP SG 1", ("PP SP 1.1",)),
        FindingInput("strength", "REQM", "clear baselines"),
    )
    resolve_scope(doc, MODEL)  # every reference is in the model, the scope and the plan


def test_a_file_without_a_record_still_parses_as_before():
    doc = parse_appraisal(document())

    assert (doc.status, doc.team, doc.artifacts, doc.affirmations, doc.findings) == (
        "",
        (),
        (),
        (),
        (),
    )


SHAPE_PROBLEMS = [
    pytest.param(
        {"status": "done"},
        "$.status (field status): must be one of planned, in_progress, rated, closed",
        id="status",
    ),
    pytest.param(
        {"end_date": "2026-03-01"},
        "$.end_date (field end_date): is before the start date",
        id="dates in the wrong order",
    ),
    pytest.param(
        {"start_date": "2 March"},
        "$.start_date (field start_date): '2 March' is not a date like 2025-03-01",
        id="not a date",
    ),
    pytest.param(
        {"team": [{"username": "lead", "role": "boss"}]},
        "$.team[0].role (field role): must be one of lead_appraiser, team_member, observer",
        id="team role",
    ),
    pytest.param(
        {"team": [{"username": "lead"}, {"username": "lead"}]},
        "$.team[1].username (field username): 'lead' is on the team twice",
        id="team member twice",
    ),
    pytest.param(
        {"evidence": {"artifacts": [{"name": "Plan"}]}},
        "$.evidence.artifacts[0] (field link): needs a link: uploaded files do not travel in "
        "the file; link to where the artifact is kept",
        id="artifact without a link",
    ),
    pytest.param(
        {"evidence": {"artifacts": [{"name": "Plan", "link": "intranet/plan.pdf"}]}},
        "$.evidence.artifacts[0].link (field link): 'intranet/plan.pdf' is not an http(s) address",
        id="artifact link not a web address",
    ),
    pytest.param(
        {"evidence": {"artifacts": [{"name": "Plan", "link": "https://x.example", "file": "p"}]}},
        "$.evidence.artifacts[0].file (field file): unknown key 'file'",
        id="artifact file",
    ),
    pytest.param(
        {
            "evidence": {
                "affirmations": [
                    {"kind": "chat", "date": "2026-03-03", "session": "1", "role_group": "PMs"}
                ]
            }
        },
        "$.evidence.affirmations[0].kind (field kind): must be one of interview, questionnaire",
        id="affirmation kind",
    ),
    pytest.param(
        {
            "evidence": {
                "affirmations": [{"kind": "interview", "date": "2026-03-03", "session": "1"}]
            }
        },
        "$.evidence.affirmations[0].role_group (field role_group): needs a role group",
        id="affirmation without a role group",
    ),
    pytest.param(
        {
            "evidence": {
                "affirmations": [
                    {
                        "kind": "interview",
                        "session": "1",
                        "role_group": "PMs",
                        "supports": {"practices": ["REQM SP 1.1"], "units": ["alpha"]},
                    }
                ]
            }
        },
        "$.evidence.affirmations[0].date (field date): needs a date like 2025-03-01",
        id="affirmation without a date",
    ),
    pytest.param(
        {
            "evidence": {
                "artifacts": [
                    {
                        "name": "Plan",
                        "link": "https://x.example/plan",
                        "supports": {"practices": ["REQM 1.1"], "units": ["alpha"]},
                    }
                ]
            }
        },
        "$.evidence.artifacts[0].supports.practices[0] (field practices): 'REQM 1.1' is not a "
        "practice reference like 'REQM SP 1.1'",
        id="supports a malformed practice",
    ),
    pytest.param(
        {"findings": [{"kind": "opportunity", "process_area": "PP", "text": "t"}]},
        "$.findings[0].kind (field kind): must be one of strength, weakness",
        id="finding kind",
    ),
    pytest.param(
        {"findings": [{"kind": "strength", "process_area": "PP", "goal": "PP 1", "text": "t"}]},
        "$.findings[0].goal (field goal): 'PP 1' is not a goal reference like 'REQM SG 1'",
        id="finding goal malformed",
    ),
    pytest.param(
        {"findings": [{"kind": "strength", "process_area": "PP"}]},
        "$.findings[0].text (field text): needs a text",
        id="finding without text",
    ),
]


@pytest.mark.parametrize(("change", "expected"), SHAPE_PROBLEMS)
def test_a_malformed_record_is_refused_with_its_place(change, expected):
    with pytest.raises(InvalidDocument) as excinfo:
        parse_appraisal(document(**{"start_date": "2026-03-02", **change}), filename="r.yaml")

    assert messages(excinfo) == [f"r.yaml at {expected}"]


MODEL_PROBLEMS = [
    pytest.param(
        {"practices": ["REQM SP 9.9"], "units": ["alpha"]},
        "$.evidence.artifacts[0].supports.practices[0] (field practices): REQM SP 9.9 is not "
        "a practice of CMMI-DEV 1.3",
        id="unknown practice",
    ),
    pytest.param(
        {"practices": ["SAM SP 1.1"], "units": ["alpha"]},
        "$.evidence.artifacts[0].supports.practices[0] (field practices): SAM SP 1.1: SAM is "
        "not in the appraisal's scope",
        id="practice of a not applicable area",
    ),
    pytest.param(
        {"practices": ["OPF SP 1.1"], "units": ["alpha"]},
        "$.evidence.artifacts[0].supports.practices[0] (field practices): OPF SP 1.1: OPF is "
        "not in the appraisal's scope",
        id="practice above the target level",
    ),
    pytest.param(
        [
            {"practices": ["REQM SP 1.1"], "units": ["alpha"]},
            {"practices": ["PP SP 1.1"], "units": ["delta"]},
        ],
        "$.evidence.artifacts[0].supports[1].units[0] (field units): 'delta' is not a basic "
        "unit or support function",
        id="unknown unit",
    ),
]


@pytest.mark.parametrize(("supports", "expected"), MODEL_PROBLEMS)
def test_evidence_supports_practices_in_scope_at_declared_units(supports, expected):
    artifact = {"name": "Plan", "link": "https://x.example/plan", "supports": supports}
    doc = parse_appraisal(document(evidence={"artifacts": [artifact]}), filename="r.yaml")

    with pytest.raises(InvalidDocument) as excinfo:
        resolve_scope(doc, MODEL, filename="r.yaml")

    assert messages(excinfo) == [f"r.yaml at {expected}"]


FINDING_PROBLEMS = [
    pytest.param(
        {"process_area": "XYZ"},
        "$.findings[0].process_area (field process_area): XYZ is not a process area of "
        "CMMI-DEV 1.3",
        id="unknown area",
    ),
    pytest.param(
        {"process_area": "SAM"},
        "$.findings[0].process_area (field process_area): SAM is not in the appraisal's scope",
        id="area out of scope",
    ),
    pytest.param(
        {"goal": "REQM SG 1"},
        "$.findings[0].goal (field goal): REQM SG 1 is not a goal of PP",
        id="goal of another area",
    ),
    pytest.param(
        {"goal": "PP SG 7"},
        "$.findings[0].goal (field goal): PP SG 7 is not a goal of CMMI-DEV 1.3",
        id="unknown goal",
    ),
    pytest.param(
        {"practices": ["REQM SP 1.1"]},
        "$.findings[0].practices[0] (field practices): REQM SP 1.1 is not a practice of PP",
        id="practice of another area",
    ),
    pytest.param(
        {"goal": "PP SG 1", "practices": ["PP GP 2.1"]},
        "$.findings[0].practices[0] (field practices): PP GP 2.1 is not a practice of PP SG 1",
        id="practice of another goal",
    ),
]


@pytest.mark.parametrize(("change", "expected"), FINDING_PROBLEMS)
def test_a_finding_stays_in_its_area_and_goal(change, expected):
    finding = {"kind": "weakness", "process_area": "PP", "text": "t", **change}
    doc = parse_appraisal(document(findings=[finding]), filename="r.yaml")

    with pytest.raises(InvalidDocument) as excinfo:
        resolve_scope(doc, MODEL, filename="r.yaml")

    assert messages(excinfo) == [f"r.yaml at {expected}"]


def test_a_generic_goal_finding_names_the_areas_generic_practices():
    finding = {
        "kind": "weakness",
        "process_area": "PP",
        "goal": "PP GG 2",
        "text": "no policy",
        "practices": ["PP GP 2.1"],
    }

    resolve_scope(parse_appraisal(document(findings=[finding])), MODEL)
