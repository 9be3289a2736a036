"""The demo appraisals: the story of shared/demo.md, rated, loaded once, naming nobody."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User

from tests.paths import REPO_ROOT
from uplift.apps.appraisals.demo import appraisal_demo_load
from uplift.apps.appraisals.files import texts_naming_people
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
from uplift.apps.library.services import library_import_file
from uplift.apps.organization.demo import demo_load
from uplift.apps.organization.models import Person

pytestmark = pytest.mark.django_db

SCAMPI_B, SCAMPI_A = "Managed Services SCAMPI B 2025", "Product Engineering SCAMPI A 2026"
TABLES = (
    Appraisal,
    AppraisalArea,
    AppraisalUnit,
    TeamMember,
    Characterization,
    PracticeJudgment,
    GoalJudgment,
    RatingSnapshot,
    Artifact,
    Affirmation,
    Finding,
)


def load_library() -> None:
    for name in ("cmmi-svc-1.3.yaml", "cmmi-dev-1.3.yaml"):
        library_import_file(path=REPO_ROOT / "data" / "library" / name)


@pytest.fixture
def demo() -> list[str]:
    """The library's CMMI-SVC and CMMI-DEV, the demo organization, then the appraisals."""
    load_library()
    list(demo_load())
    return list(appraisal_demo_load())


def counts() -> list[int]:
    rows = [table.objects.count() for table in TABLES]
    history = [table.history.count() for table in TABLES]  # type: ignore[attr-defined]
    return [*rows, *history, EvidenceLink.objects.count()]


def rated_areas(appraisal: Appraisal) -> dict[str, str]:
    return {abbr: area.rating.value for abbr, area in appraisal_rating(appraisal).areas.items()}


def test_the_story_has_a_scampi_b_and_a_later_scampi_a(demo: list[str]) -> None:
    b, a = Appraisal.objects.get(name=SCAMPI_B), Appraisal.objects.get(name=SCAMPI_A)

    assert demo == [
        f"Demo appraisal {SCAMPI_B!r} (CMMI-SVC@1.3, target ML 3): rated, maturity level "
        "not reached.",
        f"Demo appraisal {SCAMPI_A!r} (CMMI-DEV@1.3, target ML 2): rated, maturity level "
        "not reached.",
    ]
    summary = [
        (
            x.appraisal_class,
            x.model.reference,
            x.representation,
            x.target_maturity_level,
            x.organizational_unit.slug,
            x.status,
        )
        for x in (b, a)
    ]
    assert summary == [
        ("B", "CMMI-SVC@1.3", "staged", 3, "managed-services", "rated"),
        ("A", "CMMI-DEV@1.3", "staged", 2, "product-engineering", "rated"),
    ]
    assert (b.start_date, b.end_date) == (datetime.date(2025, 4, 7), datetime.date(2025, 4, 11))
    assert (a.start_date, a.end_date) == (datetime.date(2026, 10, 5), datetime.date(2026, 10, 16))
    for appraisal in (b, a):
        assert sorted(appraisal.team.values_list("user__username", "role")) == [
            ("appraiser", "lead_appraiser"),
            ("process.group", "team_member"),
        ]
        basic = appraisal.units.filter(kind="basic_unit")
        assert basic.count() == 5
        assert not basic.filter(work_activity=None).exists()
        assert {u.work_activity.unit_id for u in basic} == {appraisal.organizational_unit_id}
        assert appraisal.units.filter(kind="support_function").count() == 2
    assert set(b.units.filter(kind="basic_unit").values_list("work_activity__kind", flat=True)) == {
        "work_group"
    }
    assert set(a.units.filter(kind="basic_unit").values_list("work_activity__kind", flat=True)) == {
        "project"
    }


def test_the_ratings_find_the_story_weaknesses_and_no_level(demo: list[str]) -> None:
    b, a = Appraisal.objects.get(name=SCAMPI_B), Appraisal.objects.get(name=SCAMPI_A)

    b_areas, a_areas = rated_areas(b), rated_areas(a)

    assert {abbr for abbr, rating in b_areas.items() if rating == "unsatisfied"} == {
        "IRP",
        "CAM",
        "WP",
    }
    assert set(b_areas.values()) == {"satisfied", "unsatisfied", "not_applicable"}
    assert b_areas["SSD"] == "not_applicable"
    assert {abbr for abbr, rating in a_areas.items() if rating == "unsatisfied"} == {"REQM", "MA"}
    assert set(a_areas.values()) == {"satisfied", "unsatisfied"}
    for appraisal in (b, a):
        result = appraisal_rating(appraisal)
        assert (result.maturity_level, result.open_judgments, result.warnings) == (None, (), ())
        assert appraisal.rating.result == result.as_json()  # the stored rating is current
    irp = appraisal_rating(b).goals["IRP SG 3"]
    assert irp.rating.value == "unsatisfied"
    assert "Major incidents are not analysed after closure" in irp.weaknesses
    assert appraisal_rating(a).goals["REQM SG 1"].rating.value == "unsatisfied"


def test_the_appraisals_carry_evidence_judgments_and_findings(demo: list[str]) -> None:
    for appraisal in Appraisal.objects.all():
        assert appraisal.artifacts.count() >= 10
        assert all(
            link.startswith("https://intranet.harbourline.example/")
            for link in appraisal.artifacts.values_list("link", flat=True)
        )
        assert appraisal.affirmations.filter(kind="interview").count() >= 5
        assert appraisal.affirmations.filter(kind="questionnaire").exists()
        assert appraisal.evidence_links.count() > 100
        assert appraisal.practice_judgments.count() >= 2
        assert appraisal.goal_judgments.count() == 1
        assert all(
            rationale.strip()
            for rationale in appraisal.practice_judgments.values_list("rationale", flat=True)
        )
        assert appraisal.findings.filter(kind="strength").exists()
        assert not appraisal.findings.filter(practices=None).exists()
    b = Appraisal.objects.get(name=SCAMPI_B)
    weak_areas = set(
        b.findings.filter(kind="weakness").values_list("process_area__abbreviation", flat=True)
    )
    assert weak_areas >= {"IRP", "CAM", "WP"}


def test_no_affirmation_names_a_person(demo: list[str]) -> None:
    role_groups = set(Affirmation.objects.values_list("role_group", flat=True))
    names = {name.casefold() for name in Person.objects.values_list("display_name", flat=True)}
    usernames = {name.casefold() for name in User.objects.values_list("username", flat=True)}

    assert len(role_groups) >= 8
    assert not {group.casefold() for group in role_groups} & (names | usernames)
    assert texts_naming_people(role_groups) == set()


def test_loading_twice_changes_nothing(demo: list[str]) -> None:
    before = counts()

    again = list(appraisal_demo_load())

    assert counts() == before
    assert again == [
        f"Demo appraisal {SCAMPI_B!r} is already loaded.",
        f"Demo appraisal {SCAMPI_A!r} is already loaded.",
    ]


def test_without_the_library_or_the_organization_nothing_is_loaded(db: Any) -> None:
    without_organization = list(appraisal_demo_load())
    list(demo_load())
    without_library = list(appraisal_demo_load())

    assert without_organization == [
        f"Skipped demo appraisal {SCAMPI_B!r}: load the demo organization first.",
        f"Skipped demo appraisal {SCAMPI_A!r}: load the demo organization first.",
    ]
    assert without_library == [
        f"Skipped demo appraisal {SCAMPI_B!r}: CMMI-SVC is not in the model library; run "
        "'uplift setup'.",
        f"Skipped demo appraisal {SCAMPI_A!r}: CMMI-DEV is not in the model library; run "
        "'uplift setup'.",
    ]
    assert not Appraisal.objects.exists()
