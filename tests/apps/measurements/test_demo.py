"""The demo measurements: loaded once, the same every time, with real effects and none.

Every statistical assertion below is deterministic: the data come from a fixed seed.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Max, Min

from uplift.apps.measurements.choices import ObjectiveKind
from uplift.apps.measurements.demo import (
    DEMO_ACTIVITIES,
    DEMO_AVAILABILITY_MISS,
    DEMO_EFFECTS,
    DEMO_MEASURES,
    HOSTING_AND_NETWORK,
    measurement_demo_csv,
    measurement_demo_load,
)
from uplift.apps.measurements.models import (
    Baseline,
    Measure,
    Objective,
    Observation,
    ObservationImport,
)
from uplift.apps.measurements.selectors import objective_status, observation_values
from uplift.apps.organization.demo import demo_load
from uplift.apps.organization.selectors import work_activity_list
from uplift.domain.statistics import evaluate

pytestmark = pytest.mark.django_db

ROWS = 18 * (24 + 104 + 24 + 24) + 12 * (104 + 24 + 24 + 24)  # see the first test
EFFECTS = {effect.slug: effect for effect in DEMO_EFFECTS}
BOUNDS = {  # plausible values of each measure, in its unit
    "defect-density": (0.05, 5.0),
    "cycle-time": (2.0, 120.0),
    "rework-effort": (1.0, 40.0),
    "incident-resolution-time": (1.0, 72.0),
    "sla-attainment": (90.0, 100.0),
    "availability": (90.0, 100.0),
    "customer-satisfaction": (1.0, 5.0),
}


@pytest.fixture
def loaded() -> list[str]:
    """The demo organization, then the demo measurements; the lines they printed."""
    list(demo_load())
    return list(measurement_demo_load())


def _counts() -> dict[str, int]:
    models = (Measure, Objective, Observation, ObservationImport, Baseline)
    counts = {model.__name__: model.objects.count() for model in models}
    counts |= {f"{m.__name__} history": m.history.count() for m in (Measure, Objective, Baseline)}
    return counts


def _ids(slugs: tuple[str, ...]) -> list[int]:
    return list(work_activity_list().filter(slug__in=slugs).values_list("pk", flat=True))


def _before_after(measure: str, slugs: tuple[str, ...], change: dt.date) -> tuple[object, object]:
    """The values of ``slugs`` stamped before ``change``, and those on or after it."""
    stored = Measure.objects.get(slug=measure)
    ids = _ids(slugs)
    before = observation_values(stored, work_activity_ids=ids, end=change - dt.timedelta(days=1))
    after = observation_values(stored, work_activity_ids=ids, start=change)
    return before, after


def test_loads_seven_measures_four_business_objectives_six_qppos_and_two_years_of_data(
    loaded: list[str],
):
    assert set(Measure.objects.values_list("slug", flat=True)) == {m.slug for m in DEMO_MEASURES}
    assert Objective.objects.filter(kind=ObjectiveKind.BUSINESS).count() == 4
    assert Objective.objects.filter(kind=ObjectiveKind.QPPO, parent__isnull=False).count() == 6
    # 18 projects: defect density, rework, satisfaction monthly (24), cycle time weekly
    # (104); 12 services: resolution time weekly, SLA, availability, satisfaction monthly.
    assert Observation.objects.count() == ROWS == 5280
    assert Baseline.objects.count() == 12  # two per QPPO
    span = Observation.objects.aggregate(first=Min("observed_at"), last=Max("observed_at"))
    assert span == {
        "first": dt.datetime(2024, 11, 1, tzinfo=dt.UTC),
        "last": dt.datetime(2026, 11, 9, tzinfo=dt.UTC),
    }
    assert loaded == [
        "Demo measurements: 7 measures, 4 business objectives, 6 QPPOs, 5,280 observations "
        "(2024-11 to 2026-11) and 12 baselines added."
    ]


def test_loading_twice_changes_nothing(loaded: list[str]):
    before = _counts()

    again = list(measurement_demo_load())

    assert _counts() == before
    assert again == ["Demo measurements already loaded: 7 measures, 5,280 observations."]


def test_without_the_demo_organization_nothing_is_loaded():
    lines = list(measurement_demo_load())

    assert lines == ["Skipped the demo measurements: load the demo organization first."]
    assert _counts() == dict.fromkeys(_counts(), 0)


def test_the_csv_is_the_same_on_every_call():
    assert measurement_demo_csv() == measurement_demo_csv()


def test_the_incident_resolution_qppo_falls_short_and_the_software_qppos_are_met(
    loaded: list[str],
):
    statuses = {
        qppo.measure.slug: objective_status(qppo)
        for qppo in Objective.objects.filter(kind=ObjectiveKind.QPPO).select_related("measure")
    }

    resolution = statuses["incident-resolution-time"]
    assert resolution.status == "not_met"
    assert resolution.value is not None
    assert resolution.value > 8.0
    assert resolution.baseline is not None
    assert resolution.baseline.period_start.date() == dt.date(2026, 5, 1)
    assert statuses["defect-density"].status == "met"
    assert statuses["cycle-time"].status == "met"


def test_peer_reviews_for_requirements_lower_defect_density_significantly_in_the_pilot(
    loaded: list[str],
):
    pilot = EFFECTS["peer-reviews-for-requirements"].waves[0]
    assert pilot.start is not None
    before, after = _before_after("defect-density", pilot.measured, pilot.start)

    result = evaluate(before, after, seed=0, direction="lower")

    assert result.welch_p is not None
    assert result.welch_p < 0.05
    assert result.verdict.improved is True
    assert result.percent_change is not None
    assert -35 < result.percent_change < -15  # the planted effect is -25 %


def test_the_incident_triage_runbook_pilot_shortens_resolution_time_significantly(
    loaded: list[str],
):
    pilot = EFFECTS["incident-triage-runbook"].waves[0]
    assert pilot.start is not None
    before, after = _before_after("incident-resolution-time", pilot.measured, pilot.start)

    result = evaluate(before, after, seed=0, direction="lower")

    assert result.welch_p is not None
    assert result.welch_p < 0.05
    assert result.verdict.improved is True


def test_the_status_report_template_makes_no_significant_difference_to_rework(
    loaded: list[str],
):
    wave = EFFECTS["status-report-template"].waves[0]
    assert wave.start is not None
    before, after = _before_after("rework-effort", wave.measured, wave.start)

    result = evaluate(before, after, seed=0, direction="lower")

    assert result.welch_p is not None
    assert result.welch_p > 0.05
    assert result.verdict.significant is False


def test_database_hosting_alone_misses_the_availability_target_over_the_last_year(
    loaded: list[str],
):
    availability = Measure.objects.get(slug="availability")
    means = {
        slug: observation_values(
            availability, work_activity_ids=_ids((slug,)), start=dt.date(2025, 11, 1)
        ).mean()
        for slug in HOSTING_AND_NETWORK
    }

    assert {slug for slug, mean in means.items() if mean < 99.5} == {DEMO_AVAILABILITY_MISS}


def test_every_observation_is_of_a_demo_measure_and_a_demo_work_activity(loaded: list[str]):
    activities = set(Observation.objects.values_list("work_activity__slug", flat=True).distinct())
    assert activities == set(DEMO_ACTIVITIES)
    kinds = set(Observation.objects.values_list("work_activity__kind", flat=True).distinct())
    assert kinds == {"project", "service"}


def test_values_lie_within_plausible_bounds(loaded: list[str]):
    spans = {
        measure: Observation.objects.filter(measure__slug=measure).aggregate(
            low=Min("value"), high=Max("value")
        )
        for measure in BOUNDS
    }

    for measure, (low, high) in BOUNDS.items():
        assert low <= spans[measure]["low"] <= spans[measure]["high"] <= high, measure
