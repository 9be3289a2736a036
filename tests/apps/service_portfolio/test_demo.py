"""The demo service portfolio: twelve services in the catalog and one proposed, two years
of cost and demand, objectives judged on the demo measurements, continuity plans,
policies, a closed review whose decision became a proposal and the open review.

Loaded on top of what it needs, the demo organization and the demo measurements (about
two seconds on SQLite; the portfolio needs neither the library, the appraisals nor the
improvements). The tests of ``TestTheLoadedDemo`` share one load: the class's fixture
loads it in a transaction that it rolls back when the class is done, and each test runs
in a savepoint of its own inside it. Figures are judged on the story's day, 2026-11-21.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from uplift.apps.accounts.roles import Role
from uplift.apps.improvements.choices import SourceKind
from uplift.apps.improvements.models import Proposal
from uplift.apps.improvements.selectors import proposal_get
from uplift.apps.measurements.demo import (
    DEMO_AVAILABILITY_MISS,
    SERVICES_DELIVERED,
    measurement_demo_load,
)
from uplift.apps.organization.demo import demo_load
from uplift.apps.organization.models import RoleAssignment
from uplift.apps.organization.selectors import work_activity_get
from uplift.apps.service_portfolio.choices import (
    ComplianceResult,
    ReviewState,
    ServiceState,
    SloKind,
)
from uplift.apps.service_portfolio.demo import (
    DEMO_CLOSED_REVIEW,
    DEMO_OPEN_REVIEW,
    DEMO_SERVICES,
    service_portfolio_demo_csv,
    service_portfolio_demo_load,
)
from uplift.apps.service_portfolio.models import (
    ComplianceCheck,
    ContinuityPlan,
    Decision,
    Policy,
    Review,
    ScorecardSettings,
    Service,
    ServiceChange,
    ServiceLevelObjective,
    ServicePeriod,
)
from uplift.apps.service_portfolio.selectors_continuity import continuity_statuses
from uplift.apps.service_portfolio.selectors_scorecard import (
    portfolio_scorecards,
    slo_attainments,
)
from uplift.domain.service_outcomes import ContinuityState, Outcome, OutcomeStatus

TABLES = (
    Service,
    ServiceLevelObjective,
    ServicePeriod,
    ServiceChange,
    ContinuityPlan,
    Policy,
    ComplianceCheck,
    ScorecardSettings,
    Review,
    Decision,
)
STORY_TODAY = dt.date(2026, 11, 21)
WINDOW = (dt.date(2025, 11, 1), dt.date(2026, 10, 31))  # the last twelve full months

MET, AT_RISK, NOT_MET, NONE = (
    OutcomeStatus.MET,
    OutcomeStatus.AT_RISK,
    OutcomeStatus.NOT_MET,
    OutcomeStatus.NO_EVIDENCE,
)


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[list[str]]:
    """The organization, the measurements and the portfolio, loaded once for the class,
    rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        list(demo_load())
        list(measurement_demo_load())
        yield list(service_portfolio_demo_load())
        transaction.set_rollback(True)


def counts() -> list[int]:
    """Every row the portfolio writes, its history, the proposals and role assignments."""
    rows = [table.objects.count() for table in TABLES]
    rows += [Proposal.objects.count(), RoleAssignment.objects.count()]
    return rows + [table.history.count() for table in TABLES]  # type: ignore[attr-defined]


def service(slug: str) -> Service:
    return Service.objects.get(slug=slug)


@pytest.mark.django_db
class TestTheLoadedDemo:
    def test_the_portfolio_is_loaded_once_and_a_second_load_writes_nothing(
        self, demo: list[str]
    ) -> None:
        assert demo == [
            "Demo service portfolio: 13 services with 25 service-level objectives, 288 months "
            "of cost and demand, 33 changes and 7 continuity plans, their owners in the "
            "service owner role (12 role assignments); 4 policies with 27 compliance checks; "
            "scorecard settings; 2 reviews with 4 decisions (1 turned into an improvement "
            "proposal) added."
        ]
        before = counts()

        again = list(service_portfolio_demo_load())

        assert again == [
            "Demo service portfolio already loaded: 13 services, 4 policies, 2 reviews."
        ]
        assert counts() == before

    def test_the_twelve_services_of_managed_services_are_in_the_catalog_with_their_owners(
        self, demo: list[str]
    ) -> None:
        catalog = Service.objects.filter(state=ServiceState.CATALOG)

        assert set(catalog.values_list("slug", flat=True)) == set(SERVICES_DELIVERED)
        assert service("service-desk").owner.username == "service.owner"
        assert service(DEMO_AVAILABILITY_MISS).owner.username == "arjun.kowal"
        for row in catalog.prefetch_related("work_activities"):
            assert [wa.slug for wa in row.work_activities.all()] == [row.slug]
            holders = work_activity_get(slug=row.slug).role_assignments.filter(
                role=Role.SERVICE_OWNER
            )
            assert [a.person.user for a in holders] == [row.owner]
            assert row.owner.has_perm("service_portfolio.change_service")
            assert row.unit.slug == "managed-services"
            assert row.customers
            assert row.itsm_processes
            assert row.objectives.exists()
            assert row.created_at.date() == dt.date(2024, 10, 28)
        proposed = Service.objects.get(state=ServiceState.PROPOSED)
        assert proposed.slug == "container-platform"
        assert not proposed.work_activities.exists()
        assert not proposed.periods.exists()

    def test_every_catalog_service_has_an_availability_and_an_sla_objective(
        self, demo: list[str]
    ) -> None:
        for row in Service.objects.filter(state=ServiceState.CATALOG):
            kinds = sorted(row.slos.values_list("kind", "measure__slug", "target"))
            expected = [(SloKind.AVAILABILITY, "availability", 99.5)]
            expected.append((SloKind.SERVICE_LEVEL, "sla-attainment", 97.0))
            if row.slug == "service-desk":
                expected.append((SloKind.SERVICE_LEVEL, "incident-resolution-time", 12.0))
            assert kinds == sorted(expected), row.slug

    def test_database_hosting_alone_misses_its_availability_objective(
        self, demo: list[str]
    ) -> None:
        missed = {}
        for slo in ServiceLevelObjective.objects.filter(kind=SloKind.AVAILABILITY).select_related(
            "service", "measure"
        ):
            periods = slo_attainments(slo, start=WINDOW[0], end=WINDOW[1])
            assert len(periods) == 12
            missed[slo.service.slug] = sum(p.attainment.met is False for p in periods)

        assert missed[DEMO_AVAILABILITY_MISS] == 8
        assert missed["identity-and-access"] == 1
        assert {slug for slug, n in missed.items() if n > 1} == {DEMO_AVAILABILITY_MISS}

    def test_the_scorecards_show_the_story(self, demo: list[str]) -> None:
        cards = portfolio_scorecards(Service.objects.all(), today=STORY_TODAY)
        status = {
            service.slug: {o: card.scorecard[o].status for o in Outcome}
            for service in Service.objects.all()
            for card in [cards[service.pk]]
        }

        db = status[DEMO_AVAILABILITY_MISS]
        assert db[Outcome.RELIABLE] in (AT_RISK, NOT_MET)
        assert db[Outcome.PREDICTABLE] == NOT_MET
        assert status["service-desk"][Outcome.RELIABLE] == MET
        assert status["payroll-platform"][Outcome.RELIABLE] == AT_RISK  # never tested
        assert status["remote-access"][Outcome.COMPLIANT] == NOT_MET
        assert status["email-and-calendar"][Outcome.COMPLIANT] == AT_RISK  # a third waived
        assert status["file-storage"][Outcome.COST_EFFECTIVE] in (AT_RISK, NOT_MET)
        assert status["payroll-platform"][Outcome.ADAPTABLE] in (AT_RISK, NOT_MET)
        assert status["laptop-provisioning"][Outcome.ADAPTABLE] == NONE
        assert status["service-desk"][Outcome.VALUABLE] == MET
        assert set(status["container-platform"].values()) == {NONE}
        healthy = [s for s in SERVICES_DELIVERED if set(status[s].values()) == {MET}]
        assert healthy, "some services meet every outcome"

    def test_database_hosting_runs_near_its_capacity(self, demo: list[str]) -> None:
        db = service(DEMO_AVAILABILITY_MISS)
        last = db.periods.order_by("-period")[0]

        assert db.capacity == 200
        assert last.period == dt.date(2026, 10, 1)
        assert last.demand is not None
        assert last.demand / db.capacity >= 0.9
        with_capacity = Service.objects.exclude(capacity=None).values_list("slug", flat=True)
        assert set(with_capacity) == {
            "service-desk",
            "hosting",
            DEMO_AVAILABILITY_MISS,
            "remote-access",
        }

    def test_continuity_tests_one_overdue_one_never_tested_one_failed_then_passed(
        self, demo: list[str]
    ) -> None:
        plans = {p.pk: p.service.slug for p in ContinuityPlan.objects.select_related("service")}
        states = {
            plans[pk]: status.state
            for pk, status in continuity_statuses(
                ContinuityPlan.objects.all(), today=STORY_TODAY
            ).items()
        }
        identity = ContinuityPlan.objects.get(service__slug="identity-and-access")

        assert states.pop(DEMO_AVAILABILITY_MISS) == ContinuityState.OVERDUE
        assert states.pop("payroll-platform") == ContinuityState.NEVER_TESTED
        assert set(states.values()) == {ContinuityState.DUE}
        assert identity.history.filter(last_test_result="failed").exists()  # type: ignore[attr-defined]
        assert identity.last_test_result == "passed"

    def test_policies_one_failed_check_one_waiver_with_its_reason(self, demo: list[str]) -> None:
        failed = ComplianceCheck.objects.get(result=ComplianceResult.FAILED)
        waived = ComplianceCheck.objects.get(result=ComplianceResult.WAIVED)

        assert (failed.service.slug, failed.policy.slug) == (
            "remote-access",
            "information-security",
        )
        assert "multi-factor" in failed.reason
        assert (waived.service.slug, waived.policy.slug) == (
            "email-and-calendar",
            "backup-and-retention",
        )
        assert waived.reason
        assert waived.checked_by is not None
        assert waived.checked_by.username == "steering"
        assert (
            ComplianceCheck.objects.filter(
                service__slug="service-desk", checked_by__username="service.owner"
            ).count()
            == 2
        )
        for check in ComplianceCheck.objects.select_related("policy"):
            assert check.policy.services.filter(pk=check.service_id).exists()
            assert check.created_at.date() == check.checked_on

    def test_the_scorecard_reads_satisfaction_from_the_demo_measure(self, demo: list[str]) -> None:
        settings = ScorecardSettings.objects.get(pk=1)

        assert settings.satisfaction_measure is not None
        assert settings.satisfaction_measure.slug == "customer-satisfaction"
        assert settings.window_months == 12

    def test_the_closed_review_turned_its_database_hosting_decision_into_a_proposal(
        self, demo: list[str]
    ) -> None:
        review = Review.objects.get(title=DEMO_CLOSED_REVIEW.title)
        decision = review.decisions.get(service__slug=DEMO_AVAILABILITY_MISS)
        assert decision.proposal_id is not None
        proposal = proposal_get(pk=decision.proposal_id)

        assert review.state == ReviewState.CLOSED
        assert review.held_on == dt.date(2026, 5, 20)
        assert review.closed_at is not None
        assert review.closed_at.date() == review.held_on
        assert review.chair.username == "steering"
        assert review.opening_snapshot["services"]
        assert proposal.source_kind == SourceKind.SERVICE_REVIEW
        assert proposal.title == DEMO_CLOSED_REVIEW.decisions[0].proposal
        assert DEMO_CLOSED_REVIEW.title in proposal.source_reference
        assert "Database Hosting" in proposal.source_reference
        assert review.decisions.filter(proposal=None).count() == 1

    def test_the_open_portfolio_review_holds_every_catalog_service_and_two_decisions(
        self, demo: list[str]
    ) -> None:
        review = Review.objects.get(title=DEMO_OPEN_REVIEW.title)
        snapshot = {row["slug"] for row in review.opening_snapshot["services"]}

        assert review.state == ReviewState.OPEN
        assert set(review.services.values_list("slug", flat=True)) == set(SERVICES_DELIVERED)
        assert snapshot == set(SERVICES_DELIVERED)
        assert review.decisions.count() == 2
        assert not review.decisions.exclude(proposal=None).exists()
        assert {d.owner.username for d in review.decisions.select_related("owner")} == {
            "sven.whitlock",
            "vera.whitlock",
        }


@pytest.mark.django_db
def test_without_the_measurements_nothing_is_loaded() -> None:
    list(demo_load())

    lines = list(service_portfolio_demo_load())

    assert lines == ["Skipped the demo service portfolio: load the demo measurements first."]
    assert not Service.objects.exists()


@pytest.mark.django_db
def test_without_the_organization_nothing_is_loaded() -> None:
    lines = list(service_portfolio_demo_load())

    assert lines == ["Skipped the demo service portfolio: load the demo organization first."]
    assert not Service.objects.exists()


def test_cost_and_demand_are_the_same_bytes_every_time_and_file_storage_costs_more_per_unit() -> (
    None
):
    files = {spec.slug: service_portfolio_demo_csv(spec) for spec in DEMO_SERVICES}

    assert files == {spec.slug: service_portfolio_demo_csv(spec) for spec in DEMO_SERVICES}
    rows = files["file-storage"].decode().splitlines()
    assert rows[0] == "period,cost,demand"
    assert len(rows) == 25
    per_unit = [float(c) / float(d) for _, c, d in (row.split(",") for row in rows[1:])]
    assert per_unit[-1] > 1.3 * per_unit[11]  # rising since the contract's renewal
    assert rows[1].startswith("2024-11,")
    assert rows[-1].startswith("2026-10,")
