"""services.plan: creating and editing the plan, its scope, units, team and status."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.apps.appraisals.conftest import as_yaml, reqm_ml2
from tests.factories.organization import OrganizationalUnitFactory, WorkActivityFactory
from uplift.apps.appraisals.choices import AppraisalStatus, AreaScope, TeamRole, UnitKind
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.models import (
    Appraisal,
    AppraisalArea,
    AppraisalUnit,
    Characterization,
    TeamMember,
)
from uplift.apps.appraisals.selectors import appraisal_rating
from uplift.apps.appraisals.services import (
    appraisal_characterize,
    appraisal_import,
    appraisal_judge_practice,
    appraisal_rate,
)
from uplift.apps.appraisals.services.plan import (
    appraisal_create,
    appraisal_scope_set,
    appraisal_status_set,
    appraisal_team_member_add,
    appraisal_team_member_remove,
    appraisal_unit_add,
    appraisal_unit_remove,
    appraisal_unit_update,
    appraisal_update,
)

ML2_DEV = ["REQM", "PP", "PMC", "SAM", "MA", "PPQA", "CM"]
ML3_DEV = ["RD", "TS", "PI", "VER", "VAL", "OPF", "OPD", "OT", "IPM", "RSKM", "DAR"]


@pytest.fixture
def user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(username="lead", first_name="Lena")


@pytest.fixture
def planned(cmmi_dev: Any, user: Any) -> Appraisal:
    """A staged ML 2 appraisal of CMMI-DEV 1.3 as the page would plan it."""
    return appraisal_create(
        name="Spring SCAMPI", model=cmmi_dev, representation="staged", target_maturity_level=2,
        appraisal_class="B", user=user,
    )  # fmt: skip


@pytest.fixture
def reqm(cmmi_dev: Any) -> Appraisal:
    """REQM narrowed ML 2, every REQM practice FI at alpha and beta, in progress."""
    return appraisal_import(data=as_yaml(reqm_ml2()), filename="reqm.yaml")


def scope_of(appraisal: Appraisal) -> dict[str, str]:
    return dict(
        AppraisalArea.objects.filter(appraisal=appraisal).values_list(
            "process_area__abbreviation", "scope"
        )
    )


# -- create --------------------------------------------------------------------------------


def test_a_staged_appraisal_takes_every_area_up_to_its_target_by_default(
    planned: Appraisal, user: Any
) -> None:
    assert (planned.status, planned.appraisal_class, planned.created_by) == ("planned", "B", user)
    assert scope_of(planned) == dict.fromkeys(ML2_DEV, AreaScope.IN_SCOPE)
    assert planned.history.get().history_user == user
    assert set(
        AppraisalArea.history.filter(appraisal_id=planned.pk).values_list("history_user", flat=True)
    ) == {user.pk}


def test_a_staged_scope_can_be_narrowed_and_areas_declared_not_applicable(
    cmmi_dev: Any, user: Any
) -> None:
    appraisal = appraisal_create(
        name="Narrow", model=cmmi_dev, representation="staged", target_maturity_level=3,
        process_areas=["REQM", "RD"], not_applicable=["SAM"], user=user,
    )  # fmt: skip

    assert scope_of(appraisal) == {"REQM": "in_scope", "RD": "in_scope", "SAM": "not_applicable"}
    assert appraisal_rating(appraisal).areas["SAM"].rating.value == "not_applicable"


def test_a_continuous_appraisal_names_its_areas_and_has_no_target(cmmi_dev: Any, user: Any) -> None:
    appraisal = appraisal_create(
        name="Profile", model=cmmi_dev, representation="continuous",
        process_areas=["REQM", "CM"], user=user,
    )  # fmt: skip

    assert (appraisal.target_maturity_level, scope_of(appraisal)) == (
        None,
        {"REQM": "in_scope", "CM": "in_scope"},
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "a name is required"),
        ({"representation": "linear"}, "representation", "'linear': CMMI-DEV 1.3 is appraised"),
        (
            {"target_maturity_level": None},
            "target_maturity_level",
            "a staged appraisal needs a target maturity level from 2 to 5",
        ),
        (
            {"representation": "continuous", "target_maturity_level": 2, "process_areas": ["PP"]},
            "target_maturity_level",
            "a continuous appraisal has no target maturity level",
        ),
        (
            {"representation": "continuous", "target_maturity_level": None},
            "process_areas",
            "a continuous appraisal names its process areas",
        ),
        ({"appraisal_class": "D"}, "appraisal_class", "'D': the class is A, B, C or blank"),
        (
            {"start_date": datetime.date(2025, 5, 2), "end_date": datetime.date(2025, 5, 1)},
            "end_date",
            "the end date 2025-05-01 is before the start date 2025-05-02",
        ),
        (
            {"process_areas": ["REQM", "XYZ"]},
            "process_areas",
            "not a process area of the model: XYZ",
        ),
        (
            {"process_areas": ["REQM", "RD"]},
            "process_areas",
            "not at maturity level 2..2: RD; raise the target to include them",
        ),
        (
            {"process_areas": ["REQM"], "not_applicable": ["REQM"]},
            "not_applicable",
            "in scope and not applicable at once: REQM",
        ),
    ],
)
def test_creating_refuses_a_plan_the_rules_do_not_allow(
    cmmi_dev: Any, user: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    arguments: dict[str, Any] = {
        "name": "Plan", "model": cmmi_dev, "representation": "staged",
        "target_maturity_level": 2, "user": user,
    }  # fmt: skip

    with pytest.raises(AppraisalError) as raised:
        appraisal_create(**{**arguments, **changes})

    assert raised.value.field == field
    assert raised.value.message.startswith(message)
    assert not Appraisal.objects.exists()


# -- update --------------------------------------------------------------------------------


def test_an_update_changes_only_the_fields_given_and_records_the_actor(
    planned: Appraisal, django_user_model: Any
) -> None:
    editor = django_user_model.objects.create_user(username="editor")
    unit = OrganizationalUnitFactory(name="Engineering")

    appraisal_update(
        appraisal=planned, user=editor, name="Autumn SCAMPI", organizational_unit=unit,
        start_date=datetime.date(2025, 9, 1), end_date=datetime.date(2025, 9, 5),
    )  # fmt: skip

    planned.refresh_from_db()
    assert (planned.name, planned.appraisal_class, planned.organizational_unit) == (
        "Autumn SCAMPI",
        "B",
        unit,
    )
    latest = planned.history.latest()
    assert latest.history_user == editor
    assert set(latest.diff_against(latest.prev_record).changed_fields) == {
        "end_date",
        "name",
        "organizational_unit",
        "start_date",
    }


def test_an_update_that_changes_nothing_writes_no_history(planned: Appraisal, user: Any) -> None:
    appraisal_update(appraisal=planned, user=user, name="Spring SCAMPI", appraisal_class="B")

    assert planned.history.count() == 1


def test_an_end_before_the_stored_start_is_refused(planned: Appraisal, user: Any) -> None:
    appraisal_update(appraisal=planned, user=user, start_date=datetime.date(2025, 3, 10))

    with pytest.raises(AppraisalError) as raised:
        appraisal_update(appraisal=planned, user=user, end_date=datetime.date(2025, 3, 9))

    assert raised.value.field == "end_date"
    planned.refresh_from_db()
    assert planned.end_date is None


def test_raising_the_target_adds_the_new_levels_and_lowering_it_removes_them(
    planned: Appraisal, user: Any
) -> None:
    appraisal_update(appraisal=planned, user=user, target_maturity_level=3)
    assert scope_of(planned) == dict.fromkeys(ML2_DEV + ML3_DEV, AreaScope.IN_SCOPE)

    appraisal_update(appraisal=planned, user=user, target_maturity_level=2)
    assert scope_of(planned) == dict.fromkeys(ML2_DEV, AreaScope.IN_SCOPE)
    planned.refresh_from_db()
    assert planned.target_maturity_level == 2


def test_lowering_the_target_is_refused_while_the_areas_above_it_hold_cells(
    planned: Appraisal, user: Any
) -> None:
    appraisal_update(appraisal=planned, user=user, target_maturity_level=3)
    appraisal_unit_add(appraisal=planned, name="alpha", user=user)
    appraisal_characterize(
        appraisal=planned, practice="RD SP 1.1", unit="alpha", value="FI", user=user
    )

    with pytest.raises(AppraisalError) as raised:
        appraisal_update(appraisal=planned, user=user, target_maturity_level=2)

    assert raised.value.field == "target_maturity_level"
    assert "RD (1 characterization)" in raised.value.message
    planned.refresh_from_db()
    assert planned.target_maturity_level == 3
    assert scope_of(planned)["RD"] == AreaScope.IN_SCOPE


# -- scope ---------------------------------------------------------------------------------


def test_the_scope_is_set_in_one_go_with_history(planned: Appraisal, user: Any) -> None:
    result = appraisal_scope_set(
        appraisal=planned, in_scope=["REQM", "PP"], not_applicable=["SAM"], user=user
    )

    assert result == (("PP", "REQM"), ("SAM",))  # model order
    assert scope_of(planned) == {"REQM": "in_scope", "PP": "in_scope", "SAM": "not_applicable"}
    removed = AppraisalArea.history.filter(appraisal_id=planned.pk, history_type="-")
    assert removed.count() == 4
    assert {record.history_user for record in removed} == {user}


def test_an_area_with_cells_cannot_leave_the_scope(reqm: Appraisal, user: Any) -> None:
    with pytest.raises(AppraisalError) as raised:
        appraisal_scope_set(appraisal=reqm, in_scope=["PP"], not_applicable=["REQM"], user=user)

    assert raised.value.field == "process_areas"
    assert "REQM (30 characterizations)" in raised.value.message
    assert scope_of(reqm) == {"REQM": "in_scope"}


def test_an_empty_scope_is_refused(planned: Appraisal, user: Any) -> None:
    with pytest.raises(AppraisalError, match="choose at least one process area in scope"):
        appraisal_scope_set(appraisal=planned, in_scope=[], not_applicable=["SAM"], user=user)


# -- status --------------------------------------------------------------------------------


def test_the_status_moves_along_the_flow_and_reopens(reqm: Appraisal, user: Any) -> None:
    appraisal_rate(appraisal=reqm, user=user)

    for status in ("rated", "closed", "in_progress", "rated", "in_progress"):
        appraisal_status_set(appraisal=reqm, status=status, user=user)
        reqm.refresh_from_db()
        assert reqm.status == status

    statuses = list(reqm.history.order_by("history_id").values_list("status", "history_user"))
    assert statuses[-1] == ("in_progress", user.pk)


@pytest.mark.parametrize(
    ("start", "status", "message"),
    [
        ("planned", "rated", "an appraisal planned cannot become rated; it may become in progress"),
        (
            "planned",
            "closed",
            "an appraisal planned cannot become closed; it may become in progress",
        ),
        (
            "in_progress",
            "planned",
            "an appraisal in progress cannot become planned; it may become rated",
        ),
        ("closed", "rated", "an appraisal closed cannot become rated; it may become in progress"),
        ("in_progress", "archived", "'archived' is not a status of an appraisal"),
    ],
)
def test_moves_outside_the_flow_are_refused(
    planned: Appraisal, user: Any, start: str, status: str, message: str
) -> None:
    Appraisal.objects.filter(pk=planned.pk).update(status=start)
    planned.refresh_from_db()

    with pytest.raises(AppraisalError) as raised:
        appraisal_status_set(appraisal=planned, status=status, user=user)

    assert (raised.value.field, raised.value.message) == ("status", message)
    planned.refresh_from_db()
    assert planned.status == start


def test_rated_needs_a_stored_rating(reqm: Appraisal, user: Any) -> None:
    reqm.rating.delete()

    with pytest.raises(AppraisalError, match="rate and store the appraisal before"):
        appraisal_status_set(appraisal=reqm, status="rated", user=user)


def test_rated_is_refused_while_judgments_are_open_naming_them(reqm: Appraisal, user: Any) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.3", unit="beta", value="NI")
    appraisal_rate(appraisal=reqm, user=user)

    with pytest.raises(AppraisalError) as raised:
        appraisal_status_set(appraisal=reqm, status="rated", user=user)

    assert raised.value.message == "1 judgment is still open: REQM SP 1.3 (LI or PI)"
    reqm.refresh_from_db()
    assert reqm.status == AppraisalStatus.IN_PROGRESS


def test_rated_is_refused_when_the_cells_changed_after_the_rating_was_stored(
    reqm: Appraisal, user: Any
) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.3", unit="beta", value="LI")

    with pytest.raises(AppraisalError, match="the cells changed after the rating was stored"):
        appraisal_status_set(appraisal=reqm, status="rated", user=user)


def test_rated_follows_a_judgment_and_a_fresh_rating(reqm: Appraisal, user: Any) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.3", unit="beta", value="NI")
    appraisal_judge_practice(
        appraisal=reqm, practice="REQM SP 1.3", value="LI", rationale="beta is an exception"
    )
    appraisal_rate(appraisal=reqm, user=user)

    appraisal_status_set(appraisal=reqm, status="rated", user=user)

    reqm.refresh_from_db()
    assert reqm.status == AppraisalStatus.RATED


# -- a closed appraisal ---------------------------------------------------------------------


@pytest.fixture
def closed(reqm: Appraisal, user: Any) -> Appraisal:
    appraisal_rate(appraisal=reqm, user=user)
    appraisal_status_set(appraisal=reqm, status="rated", user=user)
    appraisal_status_set(appraisal=reqm, status="closed", user=user)
    return reqm


@pytest.mark.parametrize(
    "change",
    [
        lambda a, u: appraisal_update(appraisal=a, user=u, name="Renamed"),
        lambda a, u: appraisal_scope_set(appraisal=a, in_scope=["PP"], not_applicable=[], user=u),
        lambda a, u: appraisal_unit_add(appraisal=a, name="gamma", user=u),
        lambda a, u: appraisal_unit_update(unit=a.units.get(name="alpha"), name="a", user=u),
        lambda a, u: appraisal_unit_remove(unit=a.units.get(name="alpha"), user=u),
        lambda a, u: appraisal_team_member_add(appraisal=a, member=u, role="observer", user=u),
    ],
    ids=["update", "scope", "unit add", "unit update", "unit remove", "team add"],
)  # fmt: skip
def test_a_closed_appraisal_refuses_every_change(closed: Appraisal, user: Any, change: Any) -> None:
    with pytest.raises(AppraisalError, match="the appraisal is closed; reopen it to change it"):
        change(closed, user)

    closed.refresh_from_db()
    assert (closed.name, closed.status) == ("REQM check", "closed")
    assert list(closed.units.values_list("name", flat=True)) == ["alpha", "beta"]
    assert scope_of(closed) == {"REQM": "in_scope"}
    assert not closed.team.exists()


def test_a_closed_appraisal_can_be_reopened(closed: Appraisal, user: Any) -> None:
    appraisal_status_set(appraisal=closed, status="in_progress", user=user)

    appraisal_update(appraisal=closed, user=user, name="Reopened")
    closed.refresh_from_db()
    assert (closed.status, closed.name) == ("in_progress", "Reopened")


# -- units ---------------------------------------------------------------------------------


def test_units_are_added_in_order_with_a_kind_and_a_work_activity(
    planned: Appraisal, user: Any
) -> None:
    activity = WorkActivityFactory(name="Crane Controller")

    first = appraisal_unit_add(appraisal=planned, name=" alpha ", user=user)
    second = appraisal_unit_add(
        appraisal=planned, name="QA", kind=UnitKind.SUPPORT_FUNCTION, work_activity=activity,
        user=user,
    )  # fmt: skip

    assert [(u.name, u.kind, u.order) for u in planned.units.all()] == [
        ("alpha", "basic_unit", 0),
        ("QA", "support_function", 1),
    ]
    assert (second.work_activity, first.history.get().history_user) == (activity, user)


@pytest.mark.parametrize(
    ("name", "kind", "field", "message"),
    [
        ("alpha", "basic_unit", "name", "the appraisal already has a unit named 'alpha'"),
        ("", "basic_unit", "name", "a name is required"),
        ("x" * 201, "basic_unit", "name", "is longer than 200 characters"),
        ("delta", "team", "kind", "'team': a unit is a basic unit or a support function"),
    ],
)
def test_a_unit_needs_a_unique_name_and_a_known_kind(
    reqm: Appraisal, user: Any, name: str, kind: str, field: str, message: str
) -> None:
    with pytest.raises(AppraisalError) as raised:
        appraisal_unit_add(appraisal=reqm, name=name, kind=kind, user=user)

    assert (raised.value.field, raised.value.message) == (field, message)
    assert reqm.units.count() == 2


def test_a_unit_is_renamed_relinked_and_keeps_its_cells(reqm: Appraisal, user: Any) -> None:
    unit = reqm.units.get(name="alpha")
    activity = WorkActivityFactory()

    appraisal_unit_update(unit=unit, user=user, name="alpha-1", work_activity=activity)
    appraisal_unit_update(unit=unit, user=user, work_activity=None)

    unit.refresh_from_db()
    assert (unit.name, unit.work_activity, unit.kind) == ("alpha-1", None, "basic_unit")
    assert unit.characterizations.count() == 15
    with pytest.raises(AppraisalError, match="already has a unit named 'beta'"):
        appraisal_unit_update(unit=unit, user=user, name="beta")


def test_removing_a_unit_removes_its_cells_and_says_how_many(reqm: Appraisal, user: Any) -> None:
    unit = reqm.units.get(name="beta")
    cell_ids = list(unit.characterizations.values_list("pk", flat=True))

    removed = appraisal_unit_remove(unit=unit, user=user)

    assert removed == 15
    assert list(reqm.units.values_list("name", flat=True)) == ["alpha"]
    assert not Characterization.objects.filter(pk__in=cell_ids).exists()
    deleted = Characterization.history.filter(id__in=cell_ids, history_type="-")
    assert {record.history_user for record in deleted} == {user}
    assert AppraisalUnit.history.filter(name="beta", history_type="-").get().history_user == user


# -- team ----------------------------------------------------------------------------------


def test_team_members_are_added_once_each_with_a_role(
    planned: Appraisal, user: Any, django_user_model: Any
) -> None:
    member = appraisal_team_member_add(
        appraisal=planned, member=user, role=TeamRole.LEAD_APPRAISER, user=user
    )

    assert (member.role, member.history.get().history_user) == ("lead_appraiser", user)
    with pytest.raises(AppraisalError, match="lead is already on the team") as raised:
        appraisal_team_member_add(appraisal=planned, member=user, role="observer", user=user)
    assert raised.value.field == "member"
    inactive = django_user_model.objects.create_user(username="gone", is_active=False)
    with pytest.raises(AppraisalError, match="choose an active user"):
        appraisal_team_member_add(appraisal=planned, member=inactive, role="observer", user=user)
    with pytest.raises(AppraisalError, match="'boss': the role is"):
        appraisal_team_member_add(
            appraisal=planned, member=django_user_model.objects.create_user(username="x"),
            role="boss", user=user,
        )  # fmt: skip
    assert planned.team.count() == 1


def test_the_last_lead_appraiser_stays_while_the_appraisal_is_in_progress(
    reqm: Appraisal, user: Any, django_user_model: Any
) -> None:
    lead = appraisal_team_member_add(appraisal=reqm, member=user, role="lead_appraiser", user=user)

    with pytest.raises(AppraisalError, match="keeps at least one lead appraiser") as raised:
        appraisal_team_member_remove(member=lead, user=user)
    assert raised.value.field == "member"

    other = django_user_model.objects.create_user(username="second")
    appraisal_team_member_add(appraisal=reqm, member=other, role="lead_appraiser", user=user)
    appraisal_team_member_remove(member=lead, user=user)

    assert list(reqm.team.values_list("user__username", flat=True)) == ["second"]
    assert TeamMember.history.filter(history_type="-").get().history_user == user


def test_the_last_lead_appraiser_of_a_planned_appraisal_may_leave(
    planned: Appraisal, user: Any
) -> None:
    lead = appraisal_team_member_add(
        appraisal=planned, member=user, role="lead_appraiser", user=user
    )

    appraisal_team_member_remove(member=lead, user=user)

    assert not planned.team.exists()
