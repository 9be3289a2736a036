"""Writes of service-level objectives and of the scorecard's settings
(``services.objectives``): rules, permissions, history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories.service_portfolio import MeasureFactory, SloFactory
from uplift.apps.measurements.choices import Direction
from uplift.apps.service_portfolio.errors import ConflictError, ServicePortfolioError
from uplift.apps.service_portfolio.models import ScorecardSettings, ServiceLevelObjective
from uplift.apps.service_portfolio.services.objectives import (
    scorecard_settings_update,
    slo_create,
    slo_delete,
    slo_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def availability():
    return MeasureFactory(slug="availability", name="Availability")


@pytest.fixture
def resolution():
    return MeasureFactory(
        slug="resolution-hours", name="Resolution time", unit="h", direction=Direction.LOWER
    )


def test_the_owner_gives_their_service_an_objective(service_owner, owned_service, availability):
    slo = slo_create(
        actor=service_owner,
        service=owned_service,
        name="  Availability   monthly ",
        measure=availability,
        target=99.5,
        kind="availability",
    )
    slo.refresh_from_db()
    assert (slo.name, slo.kind, slo.statistic, slo.period, slo.target, slo.active) == (
        "Availability monthly",
        "availability",
        "mean",
        "month",
        99.5,
        True,
    )
    record = slo.history.first()
    assert (record.history_user, record.history_change_reason) == (
        service_owner,
        "Objective created",
    )


def test_a_share_objective_needs_its_required_share(service_owner, owned_service, resolution):
    slo = slo_create(
        actor=service_owner,
        service=owned_service,
        name="Incidents within 4 h",
        measure=resolution,
        target=4,
        statistic="share_meeting",
        required_share=0.9,
    )
    assert (slo.statistic, slo.required_share) == ("share_meeting", 0.9)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"statistic": "share_meeting"}, "required_share", "Give the share"),
        ({"statistic": "share_meeting", "required_share": 1.2}, "required_share", "between 0"),
        ({"required_share": 0.9}, "required_share", "applies only"),
        ({"statistic": "median"}, "statistic", "Choose one of mean, share_meeting"),
        ({"period": "week"}, "period", "Choose one of month, quarter"),
        ({"kind": "speed"}, "kind", "Choose one of"),
        ({"target": "fast"}, "target", "Enter a number"),
        ({"target": float("nan")}, "target", "finite"),
        ({"name": "  "}, "name", "Give the objective a name"),
        ({"name": "availability"}, "name", "has an objective named"),  # case-insensitive
        ({"measure": None}, "measure", "Choose a measure"),
        ({"kind": "availability", "target": 120}, "target", "percentage"),
        (
            {"kind": "availability", "statistic": "share_meeting", "required_share": 0.9},
            "statistic",
            "mean availability",
        ),
    ],
)
def test_objectives_refuse_bad_input_on_the_field(
    service_owner, owned_service, availability, kwargs, field, message
):
    SloFactory(service=owned_service, name="Availability", measure=availability)
    args = {
        "actor": service_owner,
        "service": owned_service,
        "name": "Another",
        "measure": availability,
        "target": 99.0,
    } | kwargs
    with pytest.raises(ServicePortfolioError, match=message) as refused:
        slo_create(**args)
    assert refused.value.field == field
    assert owned_service.slos.count() == 1


def test_an_availability_objective_needs_a_higher_is_better_measure(
    service_owner, owned_service, resolution
):
    with pytest.raises(ServicePortfolioError, match="lower-is-better") as refused:
        slo_create(
            actor=service_owner,
            service=owned_service,
            name="Availability",
            measure=resolution,
            target=99,
            kind="availability",
        )
    assert refused.value.field == "measure"


@pytest.mark.parametrize("persona", ["practitioner", "steering", "other_owner"])
def test_only_managers_and_the_owner_write_objectives(
    request, make_user, persona, owned_service, other_service, availability, service_owner
):
    if persona == "other_owner":
        actor, service = service_owner, other_service
    else:
        actor, service = request.getfixturevalue(persona), owned_service
    existing = SloFactory(service=service, measure=availability, name="Kept", target=99.0)
    with pytest.raises(PermissionDenied):
        slo_create(actor=actor, service=service, name="New", measure=availability, target=1)
    with pytest.raises(PermissionDenied):
        slo_update(actor=actor, slo=existing, data={"target": 1})
    with pytest.raises(PermissionDenied):
        slo_delete(actor=actor, slo=existing)
    existing.refresh_from_db()
    assert existing.target == 99.0
    assert list(service.slos.values_list("name", flat=True)) == ["Kept"]


def test_a_portfolio_manager_writes_any_services_objectives(
    process_group_member, other_service, availability
):
    slo = slo_create(
        actor=process_group_member,
        service=other_service,
        name="Availability",
        measure=availability,
        target=99.9,
    )
    assert slo.service == other_service


def test_updating_an_objective_records_what_changed(service_owner, owned_service, availability):
    slo = SloFactory(service=owned_service, name="Availability", measure=availability)
    slo_update(actor=service_owner, slo=slo, data={"target": 99.9, "active": False})
    slo.refresh_from_db()
    assert (slo.target, slo.active) == (99.9, False)
    record = slo.history.first()
    assert record.history_user == service_owner
    assert record.history_change_reason == "Changed: target, active"


def test_an_update_bumps_the_version_and_an_empty_one_writes_nothing(
    service_owner, owned_service, availability
):
    slo = SloFactory(service=owned_service, name="Availability", measure=availability)
    saved = slo_update(actor=service_owner, slo=slo, data={"target": 99.9}, expected_version=1)
    assert saved.version == 2
    again = slo_update(actor=service_owner, slo=slo, data={"target": 99.9}, expected_version=2)
    assert again.version == 2
    assert slo.history.count() == 2  # created, changed once


def test_an_objective_edit_started_from_an_older_version_is_a_conflict(
    service_owner, process_group_member, owned_service, availability
):
    slo = SloFactory(service=owned_service, name="Availability", measure=availability)
    slo_update(actor=process_group_member, slo=slo, data={"target": 99.0})
    with pytest.raises(ConflictError) as conflict:
        slo_update(
            actor=service_owner, slo=slo, data={"target": 99.9, "active": False}, expected_version=1
        )
    assert conflict.value.field == "version"
    assert "version 2, you started from 1" in conflict.value.message
    slo.refresh_from_db()
    assert (slo.target, slo.active, slo.version) == (99.0, True, 2)
    assert slo.history.count() == 2


def test_switching_to_the_mean_clears_the_required_share(service_owner, owned_service, resolution):
    slo = SloFactory(
        service=owned_service,
        name="Incidents",
        kind="service_level",
        measure=resolution,
        target=4,
        statistic="share_meeting",
        required_share=0.9,
    )
    slo_update(actor=service_owner, slo=slo, data={"statistic": "mean"})
    slo.refresh_from_db()
    assert (slo.statistic, slo.required_share) == ("mean", None)


def test_updating_refuses_what_creating_refuses(service_owner, owned_service, availability):
    slo = SloFactory(service=owned_service, name="Availability", measure=availability)
    SloFactory(service=owned_service, name="Other", measure=availability)
    for data, field in (
        ({"name": "OTHER"}, "name"),
        ({"colour": "red"}, "colour"),
        ({"target": 101}, "target"),
        ({"active": "yes"}, "active"),
    ):
        with pytest.raises(ServicePortfolioError) as refused:
            slo_update(actor=service_owner, slo=slo, data=data)
        assert refused.value.field == field
    slo.refresh_from_db()
    assert (slo.name, slo.target, slo.active) == ("Availability", 99.5, True)


def test_the_owner_deletes_an_objective(service_owner, owned_service, availability):
    slo = SloFactory(service=owned_service, name="Availability", measure=availability)
    pk = slo.pk
    slo_delete(actor=service_owner, slo=slo)
    assert not ServiceLevelObjective.objects.filter(pk=pk).exists()
    assert ServiceLevelObjective.history.filter(id=pk, history_type="-").get().history_user == (
        service_owner
    )


# -- settings -------------------------------------------------------------------------------


def test_the_process_group_saves_the_settings_the_first_time(process_group_member):
    measure = MeasureFactory(slug="csat", name="Satisfaction", unit="score")
    row = scorecard_settings_update(
        actor=process_group_member,
        data={"window_months": 6, "satisfaction_measure": measure, "slo_met_share": 0.98},
    )
    row = ScorecardSettings.objects.get(pk=1)
    assert (row.window_months, row.satisfaction_measure, row.slo_met_share) == (6, measure, 0.98)
    assert row.updated_by == process_group_member
    assert row.history.first().history_user == process_group_member


def test_changing_the_settings_records_what_changed(process_group_member):
    ScorecardSettings.objects.create(pk=1)
    scorecard_settings_update(
        actor=process_group_member, data={"lead_time_target_days": 20, "cost_min_periods": 4}
    )
    row = ScorecardSettings.objects.get(pk=1)
    assert (row.lead_time_target_days, row.cost_min_periods) == (20.0, 4)
    assert row.history.first().history_change_reason == (
        "Changed: cost_min_periods, lead_time_target_days"
    )


def test_saving_the_settings_bumps_their_version_from_the_defaults(process_group_member):
    first = scorecard_settings_update(
        actor=process_group_member, data={"window_months": 6}, expected_version=1
    )
    assert first.version == 2  # the defaults are version 1
    second = scorecard_settings_update(
        actor=process_group_member, data={"window_months": 9}, expected_version=2
    )
    assert second.version == 3
    same = scorecard_settings_update(
        actor=process_group_member, data={"window_months": 9}, expected_version=3
    )
    assert same.version == 3
    assert ScorecardSettings.objects.get().history.count() == 2


def test_a_settings_edit_started_from_an_older_version_is_a_conflict(process_group_member):
    scorecard_settings_update(actor=process_group_member, data={"window_months": 6})
    scorecard_settings_update(actor=process_group_member, data={"window_months": 9})
    with pytest.raises(ConflictError) as conflict:
        scorecard_settings_update(
            actor=process_group_member, data={"window_months": 3}, expected_version=2
        )
    assert conflict.value.field == "version"
    assert "version 3, you started from 2" in conflict.value.message
    row = ScorecardSettings.objects.get()
    assert (row.window_months, row.version, row.history.count()) == (9, 3, 2)


def test_an_edit_of_the_defaults_is_a_conflict_once_someone_saved_them(process_group_member):
    scorecard_settings_update(actor=process_group_member, data={"window_months": 6})
    with pytest.raises(ConflictError):
        scorecard_settings_update(
            actor=process_group_member, data={"slo_met_share": 0.9}, expected_version=1
        )
    row = ScorecardSettings.objects.get()
    assert (row.window_months, row.slo_met_share, row.version) == (6, 0.95, 2)


def test_a_version_of_unsaved_settings_other_than_the_defaults_is_a_conflict(
    process_group_member,
):
    with pytest.raises(ConflictError, match="you started from version 4"):
        scorecard_settings_update(
            actor=process_group_member, data={"window_months": 6}, expected_version=4
        )
    assert not ScorecardSettings.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"satisfaction_at_risk_floor": 4.5},
            "satisfaction_at_risk_floor",
            r"Satisfaction at-risk floor \(4.5\) must not exceed Satisfaction target \(4\)",
        ),
        ({"slo_met_share": 95}, "slo_met_share", "between 0 and 1"),
        ({"availability_met_percent": 100.5}, "availability_met_percent", "0 to 100"),
        ({"lead_time_at_risk_ceiling_days": 10}, "lead_time_target_days", "must not exceed"),
        ({"cost_flat_tolerance": -0.01}, "cost_flat_tolerance", "at least 0"),
        ({"cost_min_periods": 1}, "cost_min_periods", "at least 2"),
        ({"window_months": 0}, "window_months", "from 1 to 60"),
        ({"window_months": 2.5}, "window_months", "whole number"),
        ({"satisfaction_target": "high"}, "satisfaction_target", "Enter a number"),
        ({"satisfaction_measure": "csat"}, "satisfaction_measure", "Choose a measure"),
        ({"colour": "red"}, "colour", "Not a setting"),
    ],
)
def test_settings_refuse_incoherent_thresholds_on_the_field(
    process_group_member, data, field, message
):
    with pytest.raises(ServicePortfolioError, match=message) as refused:
        scorecard_settings_update(actor=process_group_member, data=data)
    assert refused.value.field == field
    assert not ScorecardSettings.objects.exists()


@pytest.mark.parametrize("persona", ["service_owner", "steering", "practitioner"])
def test_only_the_process_group_changes_the_settings(request, persona):
    ScorecardSettings.objects.create(pk=1)
    with pytest.raises(PermissionDenied):
        scorecard_settings_update(actor=request.getfixturevalue(persona), data={"window_months": 3})
    assert ScorecardSettings.objects.get(pk=1).window_months == 12
