"""``uplift services …``: JSON shapes, exit codes, permissions and the database.

The group is invoked directly (``uplift.cli.services.app``). Exit status 1 is a thing
not found, 2 a bad argument or a refused value, 3 a permission refusal; each with its
line on stderr, no traceback, and nothing written. The portfolio is built through the
services with the fixtures of ``tests/api/test_services_fixtures.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from typer.testing import CliRunner

from tests.api import test_services_fixtures as fixtures
from tests.api.test_services_fixtures import json_ready, window_months
from uplift.apps.improvements.models import Proposal
from uplift.apps.service_portfolio.choices import ReviewKind
from uplift.apps.service_portfolio.models import (
    ComplianceCheck,
    Decision,
    Policy,
    Review,
    Service,
    ServicePeriod,
)
from uplift.apps.service_portfolio.selectors_continuity import continuity_overview
from uplift.apps.service_portfolio.selectors_scorecard import (
    portfolio_scorecards,
    service_scorecard,
)
from uplift.apps.service_portfolio.services.continuity import continuity_create
from uplift.apps.service_portfolio.services.policies import policy_create
from uplift.apps.service_portfolio.services.reviews import decision_add, review_open
from uplift.cli.services import app

pytestmark = pytest.mark.django_db

settings_row = fixtures.settings_row
service_owner = fixtures.service_owner
other_owner = fixtures.other_owner
steering = fixtures.steering
unit = fixtures.unit
desk_team = fixtures.desk_team
desk = fixtures.desk
hosting = fixtures.hosting
availability = fixtures.availability
desk_availability = fixtures.desk_availability
missing_desk = fixtures.missing_desk

TODAY = timezone.localdate
LAST_MONTH = f"{timezone.localdate().replace(day=1) - dt.timedelta(days=1):%Y-%m}"


@pytest.fixture
def run() -> Any:
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args))

    return invoke


def refused(result: Any, status: int, text: str) -> None:
    """The command failed with ``status``, one line on stderr containing ``text``."""
    assert result.exit_code == status, result.output
    assert text in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def writes() -> tuple[int, ...]:
    return (
        ServicePeriod.objects.count(),
        ServicePeriod.history.count(),
        ComplianceCheck.objects.count(),
        Review.objects.count(),
        Decision.history.count(),
        Proposal.objects.count(),
    )


@pytest.fixture
def backups(process_group_member: User, desk: Service) -> Policy:
    return policy_create(
        actor=process_group_member,
        slug="backups",
        name="Backups",
        statement="Every service keeps its backups for 35 days.",
        owner=process_group_member,
        review_due=TODAY() + dt.timedelta(days=90),
        services=[desk],
    )


@pytest.fixture
def review(steering: User, missing_desk: Service, hosting: Service) -> Review:
    return review_open(
        actor=steering, title="Portfolio review", kind=ReviewKind.PORTFOLIO, held_on=TODAY()
    )


@pytest.fixture
def decision(review: Review, steering: User, missing_desk: Service) -> Decision:
    return decision_add(
        actor=steering,
        review=review,
        text="Add a second database replica.",
        service=missing_desk,
        outcome="reliable",
    )


# --- reads ----------------------------------------------------------------------------------


def test_list_prints_each_service_with_its_outcomes(
    run: Any, missing_desk: Service, hosting: Service
) -> None:
    result = run("list", "--json")

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["count"] == 2
    rows = {row["slug"]: row for row in body["services"]}
    assert list(rows) == ["hosting", "service-desk"]
    assert (rows["service-desk"]["owner"], rows["service-desk"]["unit"]) == (
        "service.owner",
        "managed-services",
    )
    assert rows["service-desk"]["outcomes"]["reliable"] == "not_met"
    assert rows["service-desk"]["shortfalls"] == ["predictable", "reliable"]
    assert rows["service-desk"]["slo_missed_periods"] == 3


def test_list_as_a_table_and_by_state(run: Any, missing_desk: Service, hosting: Service) -> None:
    table = run("list")
    retired = run("list", "--state", "retired")
    unknown = run("list", "--state", "paused")

    assert table.exit_code == 0, table.output
    header, *lines = table.stdout.splitlines()
    assert header.split()[:4] == ["SERVICE", "STATE", "OWNER", "VALUABLE"]
    assert lines[1].split()[:3] == ["service-desk", "catalog", "service.owner"]
    assert "not met" in lines[1]
    assert retired.stdout.strip() == "No services retired."
    refused(unknown, 2, "--state: 'paused' is not one of proposed, catalog, retired")


def test_show_prints_the_service_and_its_rows(
    run: Any, service_owner: User, missing_desk: Service, hosting: Service, backups: Policy
) -> None:
    continuity_create(
        actor=service_owner,
        service=missing_desk,
        name="Loss of the data centre",
        essential_functions="Log tickets",
        plan="Fail over.",
        dependencies=[hosting],
    )

    result = run("show", "service-desk", "--json")
    summary = run("show", "service-desk")

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["slug"], body["work_activities"], body["description"]) == (
        "service-desk",
        ["service-desk-team"],
        "First-line support.",
    )
    assert [o["name"] for o in body["objectives"]] == ["Availability"]
    assert [(p["name"], p["status"]["state"]) for p in body["continuity"]] == [
        ("Loss of the data centre", "never_tested")
    ]
    assert body["compliance"] == []
    assert summary.exit_code == 0, summary.output
    assert "Service Desk (service-desk): catalog" in summary.stdout
    assert "shortfalls: predictable, reliable" in summary.stdout


def test_an_unknown_service_is_exit_1(run: Any, desk: Service) -> None:
    for args in (("show", "nowhere"), ("scorecard", "nowhere")):
        refused(run(*args), 1, "SLUG: there is no service 'nowhere'")


def test_scorecard_json_is_the_api_body(run: Any, missing_desk: Service) -> None:
    result = run("scorecard", "service-desk", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json_ready(service_scorecard(missing_desk).as_json())


def test_scorecard_all(run: Any, missing_desk: Service, hosting: Service) -> None:
    result = run("scorecard", "--all", "--json")
    summary = run("scorecard", "--all")

    assert result.exit_code == 0, result.output
    cards = portfolio_scorecards([hosting, missing_desk])
    assert json.loads(result.stdout) == json_ready(
        {"count": 2, "scorecards": [cards[hosting.pk].as_json(), cards[missing_desk.pk].as_json()]}
    )
    assert "  Reliable: not met - Availability 98 %." in summary.stdout


def test_scorecard_needs_one_service_or_all(run: Any, desk: Service) -> None:
    refused(run("scorecard"), 2, "name one service, or give --all")
    refused(run("scorecard", "service-desk", "--all"), 2, "name one service, or give --all")


def test_continuity_lists_the_plans_needing_a_test_first(
    run: Any, service_owner: User, desk: Service
) -> None:
    never = continuity_create(
        actor=service_owner,
        service=desk,
        name="Loss of the data centre",
        essential_functions="Log tickets",
        plan="Fail over.",
    )
    tested = continuity_create(
        actor=service_owner,
        service=desk,
        name="Loss of the ticket tool",
        essential_functions="Log tickets",
        plan="Paper forms.",
    )
    from uplift.apps.service_portfolio.services.continuity import continuity_test_record

    continuity_test_record(actor=service_owner, plan=tested, tested_on=TODAY(), result="passed")

    everything = run("continuity", "--json")
    overdue = run("continuity", "--overdue", "--json")
    table = run("continuity")

    assert everything.exit_code == 0, everything.output
    body = json.loads(everything.stdout)
    assert body == json_ready(
        {
            "today": TODAY(),
            "count": 2,
            "plans": [row.as_json() for row in continuity_overview()],
        }
    )
    assert [plan["id"] for plan in json.loads(overdue.stdout)["plans"]] == [never.pk]
    assert table.stdout.splitlines()[1].split()[:2] == ["service-desk", "Loss"]
    assert "never tested" in table.stdout


# --- periods-import -------------------------------------------------------------------------


def test_periods_import_writes_every_month(
    run: Any, tmp_path: Path, service_owner: User, desk: Service
) -> None:
    months = window_months()
    file = tmp_path / "costs.csv"
    file.write_text(
        "period,cost,demand\n"
        + "".join(f"{m:%Y-%m},{1000 + i}.00,{200 + i}\n" for i, m in enumerate(months))
    )

    result = run("periods-import", "service-desk", str(file), "--as", "service.owner", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "service": "service-desk",
        "imported": len(months),
        "periods": len(months),
    }
    assert ServicePeriod.history.filter(history_user=service_owner).count() == len(months)


def test_a_rejected_file_lists_its_problems_and_writes_nothing(
    run: Any, tmp_path: Path, desk: Service, service_owner: User
) -> None:
    file = tmp_path / "costs.csv"
    file.write_text(f"period,cost\n{LAST_MONTH},10.00\n2026-13,5\n{LAST_MONTH},-4\n")
    before = writes()

    result = run("periods-import", "service-desk", str(file), "--as", "service.owner")

    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-1].endswith("problems); nothing was written")
    assert any(":3" in line for line in lines)
    assert "Traceback" not in result.output
    assert writes() == before


def test_periods_import_refusals(
    run: Any, tmp_path: Path, desk: Service, other_owner: User, practitioner: User
) -> None:
    file = tmp_path / "costs.csv"
    file.write_text(f"period,cost\n{LAST_MONTH},10.00\n")
    before = writes()

    refused(
        run("periods-import", "service-desk", str(file), "--as", "other.owner"),
        3,
        "other.owner may not record the cost and demand of service-desk.",
    )
    refused(run("periods-import", "service-desk", str(file), "--as", "nobody"), 2, "--as: no user")
    refused(run("periods-import", "nowhere", str(file), "--as", "practitioner"), 1, "SLUG:")
    assert writes() == before


# --- compliance -----------------------------------------------------------------------------


def test_compliance_records_a_check(
    run: Any, service_owner: User, desk: Service, backups: Policy
) -> None:
    result = run(
        "compliance",
        "service-desk",
        "backups",
        "failed",
        "--reason",
        "Kept 7 days.",
        "--as",
        "service.owner",
        "--json",
    )

    assert result.exit_code == 0, result.output
    check = ComplianceCheck.objects.get()
    assert json.loads(result.stdout) == {
        "check": {
            "id": check.pk,
            "service": "service-desk",
            "policy": "backups",
            "result": "failed",
            "reason": "Kept 7 days.",
            "checked_on": TODAY().isoformat(),
            "checked_by": "service.owner",
        }
    }


def test_compliance_refusals(
    run: Any, service_owner: User, process_group_member: User, desk: Service, backups: Policy
) -> None:
    before = writes()

    refused(
        run(
            "compliance",
            "service-desk",
            "backups",
            "waived",
            "--reason",
            "Legacy.",
            "--as",
            "service.owner",
        ),
        3,
        "service.owner may not waive backups for service-desk.",
    )
    refused(
        run("compliance", "service-desk", "backups", "failed", "--as", "service.owner"),
        2,
        "--reason: State the finding",
    )
    refused(
        run("compliance", "service-desk", "backups", "fine", "--as", "service.owner"),
        2,
        "RESULT: 'fine' is not one of passed, failed, waived",
    )
    refused(
        run("compliance", "service-desk", "nothing", "passed", "--as", "service.owner"),
        1,
        "POLICY: there is no policy 'nothing'",
    )
    refused(
        run(
            "compliance",
            "service-desk",
            "backups",
            "passed",
            "--on",
            "2999-01-01",
            "--as",
            "service.owner",
        ),
        2,
        "--on: 2999-01-01 is in the future",
    )
    assert writes() == before
    waived = run(
        "compliance",
        "service-desk",
        "backups",
        "waived",
        "--reason",
        "Legacy until June.",
        "--as",
        "process.group",
    )
    assert waived.exit_code == 0, waived.output
    assert waived.stdout.startswith("service-desk against backups: waived on")


# --- reviews --------------------------------------------------------------------------------


def test_review_open_keeps_the_scorecards_and_names_the_shortfalls(
    run: Any, steering: User, missing_desk: Service, hosting: Service
) -> None:
    result = run("review-open", "Portfolio review", "--as", "steering", "--json")

    assert result.exit_code == 0, result.output
    review = Review.objects.get()
    body = json.loads(result.stdout)["review"]
    assert (body["id"], body["kind"], body["held_on"], body["chair"]) == (
        review.pk,
        "portfolio",
        TODAY().isoformat(),
        "steering",
    )
    assert body["services"] == ["hosting", "service-desk"]
    assert body["shortfalls"] == [
        {"service": "service-desk", "outcome": "predictable", "status": "not_met"},
        {"service": "service-desk", "outcome": "reliable", "status": "not_met"},
    ]
    assert review.created_by == steering


def test_review_open_of_chosen_services_as_text(
    run: Any, steering: User, missing_desk: Service, hosting: Service
) -> None:
    result = run(
        "review-open",
        "Hosting alignment",
        "--kind",
        "service_alignment",
        "--service",
        "hosting",
        "--held-on",
        "2026-10-15",
        "--as",
        "steering",
    )

    assert result.exit_code == 0, result.output
    review = Review.objects.get()
    assert list(review.services.all()) == [hosting]
    assert result.stdout.startswith(f"Review {review.pk} Hosting alignment opened for 1 service")


def test_review_open_refusals(
    run: Any, practitioner: User, steering: User, missing_desk: Service
) -> None:
    before = writes()

    refused(
        run("review-open", "Mine", "--as", "practitioner"), 3, "practitioner may not open reviews."
    )
    refused(run("review-open", "R", "--kind", "weekly", "--as", "steering"), 2, "--kind: 'weekly'")
    refused(run("review-open", "R", "--held-on", "soon", "--as", "steering"), 2, "--held-on:")
    refused(run("review-open", "", "--as", "steering"), 2, "TITLE: Give the review a title")
    refused(run("review-open", "R", "--service", "nowhere", "--as", "steering"), 1, "SLUG:")
    assert writes() == before


def test_propose_turns_a_decision_into_a_proposal_once(
    run: Any, steering: User, review: Review, decision: Decision
) -> None:
    result = run("propose", str(review.pk), "1", "--as", "steering", "--json")
    again = run("propose", str(review.pk), "1", "--as", "steering")

    assert result.exit_code == 0, result.output
    proposal = Proposal.objects.get()
    body = json.loads(result.stdout)
    assert (body["review"], body["decision"]) == (review.pk, 1)
    assert body["proposal"]["reference"] == proposal.reference
    assert proposal.source_kind == "service_review"
    decision.refresh_from_db()
    assert decision.proposal == proposal
    refused(again, 2, f"DECISION: This decision became {proposal.reference}")
    assert Proposal.objects.count() == 1


def test_propose_refusals(
    run: Any, practitioner: User, outsider: User, review: Review, decision: Decision
) -> None:
    before = writes()

    refused(
        run("propose", str(review.pk), "1", "--as", "practitioner"),
        3,
        "practitioner may not turn decisions into improvement proposals.",
    )
    refused(run("propose", str(review.pk), "2", "--as", "practitioner"), 1, "has no decision 2")
    refused(run("propose", "999999", "1", "--as", "practitioner"), 1, "no review 999999")
    refused(run("propose", "first", "1", "--as", "practitioner"), 2, "REVIEW: 'first'")
    assert writes() == before
