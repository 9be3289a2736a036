"""The target pages: who may see and do what, what each page shows, exports, queries.

Personas: anonymous; ``outsider`` (signed in, no role); the practitioner (reads); the
process owner (owns and edits the plan); Daniel the project manager (updates the
targets of ``managed_project`` only).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories.deployments import DeploymentPlanFactory, TargetFactory, WaveFactory
from tests.factories.organization import OrganizationalUnitFactory, WorkActivityFactory
from uplift.apps.deployments.choices import TargetSource, TargetStatus
from uplift.apps.deployments.forms.targets import TargetFilterSet
from uplift.apps.deployments.models import ConsultingEntry, DeploymentPlan, Target
from uplift.apps.deployments.services.targeting import plan_rule_set

pytestmark = pytest.mark.django_db

S = TargetStatus


def url(name: str, *args: Any) -> str:
    return reverse(f"deployments:{name}", args=args)


def text_of(response: Any) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def state(*targets: Target) -> list[tuple[Any, ...]]:
    rows = Target.objects.filter(pk__in=[t.pk for t in targets]).order_by("pk")
    return [(t.status, t.excluded, t.training_percent, t.version, t.history.count()) for t in rows]


@pytest.fixture
def engineering() -> Any:
    return OrganizationalUnitFactory(name="Product Engineering", slug="product-engineering")


@pytest.fixture
def plan(process_owner: Any, engineering: Any) -> DeploymentPlan:
    """Alpha and Beta by rule (software-only), Desk added by hand, Gamma excluded."""
    for name in ("Alpha", "Beta", "Gamma"):
        WorkActivityFactory(name=name, unit=engineering, activity_type="software_only")
    plan = DeploymentPlanFactory(owner=process_owner, title="Peer reviews")
    plan = plan_rule_set(plan=plan, actor=process_owner, rule={"activity_type": "software_only"})
    TargetFactory(
        plan=plan,
        work_activity=WorkActivityFactory(name="Desk", activity_type="service_delivery"),
        reason="Asked to join the pilot.",
    )
    Target.objects.filter(plan=plan, work_activity__name="Gamma").update(
        excluded=True, reason="Closes in March."
    )
    return plan


def target(plan: DeploymentPlan, name: str) -> Target:
    return Target.objects.select_related("plan", "work_activity").get(
        plan=plan, work_activity__name=name
    )


@pytest.fixture
def own(plan: DeploymentPlan, managed_project: Any) -> Target:
    return TargetFactory(plan=plan, work_activity=managed_project, reason="Manager volunteered.")


# -- the targets table ---------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client: Any, plan: DeploymentPlan) -> None:
    response = client.get(url("plan_targets", plan.pk))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_people_without_a_role_may_not_see_the_targets(
    client_for: Any, outsider: Any, plan: DeploymentPlan
) -> None:
    assert client_for(outsider).get(url("plan_targets", plan.pk)).status_code == 403


def test_an_unknown_plan_is_not_found(client_for: Any, practitioner: Any) -> None:
    assert client_for(practitioner).get(url("plan_targets", 999)).status_code == 404


def test_the_table_says_who_is_in_and_why(
    client_for: Any, practitioner: Any, plan: DeploymentPlan
) -> None:
    ConsultingEntry.objects.create(
        plan=plan,
        target=target(plan, "Alpha"),
        consultant=plan.owner,
        given_on=dt.date(2026, 1, 10),
        hours=2,
        topic="Checklist",
    )
    Target.objects.filter(plan=plan, work_activity__name="Beta").update(
        matches_rule=False, status=S.PREPARING
    )
    response = client_for(practitioner).get(url("plan_targets", plan.pk))

    assert response.status_code == 200
    page = text_of(response)
    assert "The rule: type is Software-only" in page
    assert "Alpha Product Engineering · Software-only" in page
    assert "Matches the rule type is Software-only" in page
    assert "Added by hand Asked to join the pilot." in page
    assert "Excluded: Closes in March." in page
    assert "no longer matches the rule" in page
    rows = {row.work_activity.name: row for row in response.context["rows"]}
    assert rows["Alpha"].consulting_count == 1
    assert rows["Desk"].consulting_count == 0
    assert response.context["bulk_form"] is None  # a reader updates nothing
    assert "Edit the rule" not in page


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("status=excluded", ["Gamma"]),
        ("status=not_started", ["Alpha", "Beta", "Desk"]),
        ("source=added", ["Desk"]),
        ("unit=product-engineering", ["Alpha", "Beta", "Gamma"]),
        ("type=service_delivery", ["Desk"]),
        ("q=march", ["Gamma"]),
        ("wave=none&sort=-activity", ["Gamma", "Desk", "Beta", "Alpha"]),
    ],
)
def test_the_table_filters_and_sorts(
    client_for: Any, practitioner: Any, plan: DeploymentPlan, query: str, names: list[str]
) -> None:
    response = client_for(practitioner).get(f"{url('plan_targets', plan.pk)}?{query}")
    assert response.status_code == 200
    assert [row.work_activity.name for row in response.context["rows"]] == names


def test_the_wave_filter_offers_the_plans_waves(
    client_for: Any, practitioner: Any, plan: DeploymentPlan
) -> None:
    wave = WaveFactory(plan=plan, number=1, name="Pilot")
    Target.objects.filter(plan=plan, work_activity__name="Beta").update(wave=wave)
    response = client_for(practitioner).get(f"{url('plan_targets', plan.pk)}?wave={wave.pk}")
    assert [row.work_activity.name for row in response.context["rows"]] == ["Beta"]
    assert "1. Pilot" in response.content.decode()


def test_the_wave_filter_keeps_the_plans_waves_after_its_field_was_built_once(
    client_for: Any, practitioner: Any, plan: DeploymentPlan
) -> None:
    wave = WaveFactory(plan=plan, number=1, name="Pilot")
    Target.objects.filter(plan=plan, work_activity__name="Beta").update(wave=wave)
    # The OpenAPI generator reads (and so caches) the filter set's form fields.
    assert TargetFilterSet.base_filters["wave"].field is not None

    response = client_for(practitioner).get(f"{url('plan_targets', plan.pk)}?wave={wave.pk}")

    assert response.status_code == 200
    assert [row.work_activity.name for row in response.context["rows"]] == ["Beta"]


def test_the_bulk_form_has_its_own_ids_beside_the_filter_form(
    client_for: Any, process_group_member: Any, plan: DeploymentPlan
) -> None:
    page = client_for(process_group_member).get(url("plan_targets", plan.pk)).content.decode()

    assert page.count('id="id_status"') == 1
    assert 'id="bulk_status"' in page
    assert 'for="bulk_status"' in page


@pytest.mark.parametrize("query", ["status=lost", "colour=red", "sort=height", "export=pdf"])
def test_a_wrong_parameter_is_a_bad_request(
    client_for: Any, practitioner: Any, plan: DeploymentPlan, query: str
) -> None:
    response = client_for(practitioner).get(f"{url('plan_targets', plan.pk)}?{query}")
    assert response.status_code == 400


def test_an_htmx_request_gets_the_table_only(
    client_for: Any, practitioner: Any, plan: DeploymentPlan
) -> None:
    response = client_for(practitioner).get(
        url("plan_targets", plan.pk) + "?source=added", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<table" in html
    assert "<html" not in html


def test_the_table_pages_by_fifty(client_for: Any, practitioner: Any, plan: DeploymentPlan) -> None:
    for number in range(50):
        TargetFactory(plan=plan, work_activity=WorkActivityFactory(name=f"Extra {number:02}"))
    client = client_for(practitioner)
    first = client.get(url("plan_targets", plan.pk) + "?sort=activity")
    second = client.get(url("plan_targets", plan.pk) + "?sort=activity&page=2")
    assert len(first.context["rows"]) == 50
    assert [row.work_activity.name for row in second.context["rows"]] == [
        "Extra 47",
        "Extra 48",
        "Extra 49",
        "Gamma",
    ]


def test_the_page_runs_a_fixed_number_of_queries(
    client_for: Any, process_owner: Any, plan: DeploymentPlan
) -> None:
    client = client_for(process_owner)
    client.get(url("plan_targets", plan.pk))  # warm the session and permission caches

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("plan_targets", plan.pk)).status_code == 200
        return len(captured)

    few = queries()
    wave = WaveFactory(plan=plan)
    for number in range(30):
        row = TargetFactory(
            plan=plan,
            wave=wave,
            work_activity=WorkActivityFactory(name=f"More {number}", manager=None),
        )
        ConsultingEntry.objects.create(
            plan=plan,
            target=row,
            consultant=process_owner,
            given_on=dt.date(2026, 1, 10),
            hours=1,
            topic="Kick-off",
        )
    assert queries() == few


def test_the_csv_export_holds_every_filtered_target(
    client_for: Any, practitioner: Any, plan: DeploymentPlan
) -> None:
    response = client_for(practitioner).get(url("plan_targets", plan.pk) + "?export=csv")
    assert response.status_code == 200
    assert f'filename="dep-{plan.pk}-targets.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header = rows[0]
    assert header[:3] == ["Plan", "Work activity", "Slug"]
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert sorted(by_name) == ["Alpha", "Beta", "Desk", "Gamma"]
    assert by_name["Gamma"]["Excluded"] == "true"
    assert by_name["Gamma"]["Reason"] == "Closes in March."
    assert by_name["Desk"]["Source"] == "Added by hand"


def test_the_xlsx_export_holds_the_filtered_targets(
    client_for: Any, practitioner: Any, plan: DeploymentPlan
) -> None:
    response = client_for(practitioner).get(
        url("plan_targets", plan.pk) + "?export=xlsx&source=rule"
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["Targets"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][1] == "Work activity"
    assert sorted(row[1] for row in values[1:]) == ["Alpha", "Beta", "Gamma"]


# -- drift ---------------------------------------------------------------------------------


def test_the_drift_banner_shows_and_an_editor_applies_it(
    client_for: Any, process_owner: Any, plan: DeploymentPlan, engineering: Any
) -> None:
    WorkActivityFactory(name="Epsilon", unit=engineering, activity_type="software_only")
    client = client_for(process_owner)
    page = text_of(client.get(url("plan_targets", plan.pk)))
    assert "The organization changed" in page
    assert "Epsilon — type is Software-only" in page

    response = client.post(url("plan_targets_refresh", plan.pk))

    assert response.status_code == 302
    assert target(plan, "Epsilon").source == TargetSource.RULE
    page = text_of(client.get(url("plan_targets", plan.pk)))
    assert "Targets refreshed from the rule: 1 new match." in page
    assert "The organization changed" not in page


def test_a_reader_sees_the_drift_but_may_not_apply_it(
    client_for: Any, practitioner: Any, plan: DeploymentPlan, engineering: Any
) -> None:
    WorkActivityFactory(name="Epsilon", unit=engineering, activity_type="software_only")
    client = client_for(practitioner)
    page = text_of(client.get(url("plan_targets", plan.pk)))
    assert "The plan's owner or a deployment planner may apply them." in page
    assert client.post(url("plan_targets_refresh", plan.pk)).status_code == 403
    assert client.get(url("plan_targets_refresh", plan.pk)).status_code in (403, 405)
    assert not Target.objects.filter(work_activity__name="Epsilon").exists()


# -- the rule ------------------------------------------------------------------------------


def test_the_rule_editor_is_for_editors(
    client_for: Any, practitioner: Any, project_manager: Any, plan: DeploymentPlan
) -> None:
    for user in (practitioner, project_manager):
        client = client_for(user)
        assert client.get(url("plan_rule", plan.pk)).status_code == 403
        assert (
            client.post(url("plan_rule", plan.pk), {"activity_type": ["other"]}).status_code == 403
        )
    plan.refresh_from_db()
    assert plan.target_rule == {"activity_type": ["software_only"]}


def test_the_rule_editor_previews_without_saving(
    client_for: Any, process_owner: Any, plan: DeploymentPlan
) -> None:
    client = client_for(process_owner)
    page = text_of(client.get(url("plan_rule", plan.pk)))
    assert "matches 3 active work activities" in page

    response = client.get(url("plan_rule", plan.pk) + "?preview=1&activity_type=service_delivery")
    page = text_of(response)
    assert "The rule type is Service delivery matches 1 active work activity" in page
    assert "type is Service delivery Added by hand" in page
    assert "Alpha — removed (not started)" in page
    fragment = client.get(
        url("plan_rule", plan.pk) + "?preview=1&size=large", HTTP_HX_REQUEST="true"
    )
    assert "<html" not in fragment.content.decode()
    assert "No active work activity matches" in text_of(fragment)
    plan.refresh_from_db()
    assert plan.target_rule == {"activity_type": ["software_only"]}


def test_saving_the_rule_applies_it(
    client_for: Any, process_owner: Any, plan: DeploymentPlan
) -> None:
    response = client_for(process_owner).post(
        url("plan_rule", plan.pk),
        {
            "activity_type": ["software_only", "service_delivery"],
            "unit": [],
            "attributes": "",
            "version": plan.version,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("plan_targets", plan.pk)
    plan.refresh_from_db()
    assert plan.target_rule == {"activity_type": ["software_only", "service_delivery"]}
    assert target(plan, "Desk").source == TargetSource.ADDED  # added rows stay added


def test_a_wrong_attribute_line_is_shown_on_the_form(
    client_for: Any, process_owner: Any, plan: DeploymentPlan
) -> None:
    response = client_for(process_owner).post(
        url("plan_rule", plan.pk), {"attributes": "customer", "version": plan.version}
    )
    assert response.status_code == 400
    assert "Line 1: write name: value, value" in text_of(response)


def test_a_stale_rule_edit_is_a_conflict_with_the_input_kept(
    client_for: Any, process_owner: Any, plan: DeploymentPlan
) -> None:
    response = client_for(process_owner).post(
        url("plan_rule", plan.pk),
        {"size": ["large"], "version": plan.version - 1},
    )
    assert response.status_code == 409
    assert "Nothing was saved" in text_of(response)
    assert response.context["form"].data.getlist("size") == ["large"]
    plan.refresh_from_db()
    assert plan.target_rule == {"activity_type": ["software_only"]}


# -- add and exclude -----------------------------------------------------------------------


def test_an_editor_adds_a_work_activity_with_a_reason(
    client_for: Any, process_owner: Any, plan: DeploymentPlan
) -> None:
    extra = WorkActivityFactory(name="Zeta", activity_type="other")
    client = client_for(process_owner)
    assert client.get(url("target_add", plan.pk)).status_code == 200

    refused = client.post(url("target_add", plan.pk), {"work_activity": extra.pk, "reason": ""})
    assert refused.status_code == 400
    assert not Target.objects.filter(work_activity=extra).exists()

    done = client.post(
        url("target_add", plan.pk), {"work_activity": extra.pk, "reason": "Same customer."}
    )
    assert done.status_code == 302
    assert target(plan, "Zeta").reason == "Same customer."


def test_a_project_manager_may_not_add_targets(
    client_for: Any, project_manager: Any, plan: DeploymentPlan, managed_project: Any
) -> None:
    response = client_for(project_manager).post(
        url("target_add", plan.pk), {"work_activity": managed_project.pk, "reason": "Me."}
    )
    assert response.status_code == 403
    assert plan.targets.count() == 4


def test_an_editor_excludes_and_includes_a_target(
    client_for: Any, process_owner: Any, plan: DeploymentPlan
) -> None:
    client = client_for(process_owner)
    alpha = target(plan, "Alpha")
    assert client.post(url("target_exclude", alpha.pk), {"reason": ""}).status_code == 400
    assert client.post(url("target_exclude", alpha.pk), {"reason": "Too late."}).status_code == 302
    assert (target(plan, "Alpha").excluded, target(plan, "Alpha").reason) == (True, "Too late.")
    assert "Include it again" in text_of(client.get(url("target_exclude", alpha.pk)))

    assert client.post(url("target_exclude", alpha.pk), {"action": "include"}).status_code == 302
    assert (target(plan, "Alpha").excluded, target(plan, "Alpha").reason) == (
        False,
        "type is Software-only",
    )


def test_a_project_manager_may_not_exclude_even_their_own_target(
    client_for: Any, project_manager: Any, own: Target
) -> None:
    before = state(own)
    response = client_for(project_manager).post(url("target_exclude", own.pk), {"reason": "No."})
    assert response.status_code == 403
    assert state(own) == before


# -- a target's status ---------------------------------------------------------------------


def test_a_project_manager_updates_their_own_target(
    client_for: Any, project_manager: Any, own: Target
) -> None:
    client = client_for(project_manager)
    page = client.get(url("target_update", own.pk))
    assert page.status_code == 200
    assert "wave" not in page.context["details_form"].fields  # the plan's schedule

    moved = client.post(
        url("target_update", own.pk),
        {"action": "status", "status": S.PREPARING, "version": own.version},
    )
    assert moved.status_code == 302
    saved = client.post(
        url("target_update", own.pk),
        {"action": "details", "training_percent": 75, "version": own.version + 1},
    )
    assert saved.status_code == 302
    row = Target.objects.get(pk=own.pk)
    assert (row.status, row.training_percent, row.updated_by) == (S.PREPARING, 75, project_manager)


@pytest.mark.parametrize("persona", ["project_manager", "practitioner"])
def test_other_people_may_not_update_a_target(
    client_for: Any, request: Any, plan: DeploymentPlan, own: Target, persona: str
) -> None:
    alpha = target(plan, "Alpha")
    before = state(alpha)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(url("target_update", alpha.pk)).status_code == 403
    response = client.post(
        url("target_update", alpha.pk), {"action": "status", "status": S.PREPARING}
    )
    assert response.status_code == 403
    assert state(alpha) == before


def test_a_refused_move_is_shown_on_the_form(
    client_for: Any, process_owner: Any, plan: DeploymentPlan
) -> None:
    alpha = target(plan, "Alpha")
    response = client_for(process_owner).post(
        url("target_update", alpha.pk),
        {"action": "status", "status": S.OPTED_OUT, "reason": "", "version": alpha.version},
    )
    assert response.status_code == 400
    assert "Say why the target is opted out." in text_of(response)
    assert target(plan, "Alpha").status == S.NOT_STARTED


def test_a_stale_status_change_is_a_conflict(
    client_for: Any, process_owner: Any, plan: DeploymentPlan
) -> None:
    alpha = target(plan, "Alpha")
    response = client_for(process_owner).post(
        url("target_update", alpha.pk),
        {"action": "status", "status": S.PREPARING, "version": alpha.version + 3},
    )
    assert response.status_code == 409
    assert target(plan, "Alpha").status == S.NOT_STARTED


def test_an_unknown_target_is_not_found(client_for: Any, process_owner: Any) -> None:
    assert client_for(process_owner).get(url("target_update", 999)).status_code == 404


# -- bulk ----------------------------------------------------------------------------------


def test_an_editor_updates_selected_targets_in_bulk(
    client_for: Any, process_owner: Any, plan: DeploymentPlan
) -> None:
    picked = [target(plan, "Alpha"), target(plan, "Desk")]
    response = client_for(process_owner).post(
        url("targets_bulk", plan.pk),
        {"targets": [t.pk for t in picked], "status": S.PREPARING, "training_percent": 40},
    )
    assert response.status_code == 302
    assert [(s[0], s[2]) for s in state(*picked)] == [(S.PREPARING, 40), (S.PREPARING, 40)]
    assert target(plan, "Beta").status == S.NOT_STARTED


def test_bulk_is_all_or_nothing_and_names_the_offender(
    client_for: Any, process_owner: Any, plan: DeploymentPlan
) -> None:
    Target.objects.filter(plan=plan, work_activity__name="Beta").update(status=S.CONFIRMED)
    picked = [target(plan, "Alpha"), target(plan, "Beta"), target(plan, "Desk")]
    before = state(*picked)
    response = client_for(process_owner).post(
        url("targets_bulk", plan.pk),
        {"targets": [t.pk for t in picked], "status": S.PREPARING},
    )
    assert response.status_code == 400
    assert "Beta: A target cannot go from confirmed to preparing" in text_of(response)
    assert response.context["selected"] == {str(t.pk) for t in picked}
    assert state(*picked) == before


def test_bulk_needs_a_selection(client_for: Any, process_owner: Any, plan: DeploymentPlan) -> None:
    response = client_for(process_owner).post(url("targets_bulk", plan.pk), {"status": S.PREPARING})
    assert response.status_code == 400
    assert "Select at least one target." in text_of(response)


def test_a_project_manager_bulk_updates_only_their_own_targets(
    client_for: Any, project_manager: Any, plan: DeploymentPlan, own: Target
) -> None:
    client = client_for(project_manager)
    page = client.get(url("plan_targets", plan.pk))
    selectable = re.findall(r'name="targets" value="(\d+)"', page.content.decode())
    assert selectable == [str(own.pk)]

    alpha = target(plan, "Alpha")
    before = state(own, alpha)
    refused = client.post(
        url("targets_bulk", plan.pk), {"targets": [own.pk, alpha.pk], "status": S.PREPARING}
    )
    assert refused.status_code == 403
    assert state(own, alpha) == before

    done = client.post(url("targets_bulk", plan.pk), {"targets": [own.pk], "status": S.PREPARING})
    assert done.status_code == 302
    assert Target.objects.get(pk=own.pk).status == S.PREPARING


def test_a_reader_may_not_bulk_update(
    client_for: Any, practitioner: Any, plan: DeploymentPlan
) -> None:
    alpha = target(plan, "Alpha")
    before = state(alpha)
    response = client_for(practitioner).post(
        url("targets_bulk", plan.pk), {"targets": [alpha.pk], "status": S.PREPARING}
    )
    assert response.status_code == 403
    assert state(alpha) == before


# -- my targets ----------------------------------------------------------------------------


def test_a_manager_sees_their_own_targets_across_plans(
    client_for: Any, project_manager: Any, plan: DeploymentPlan, own: Target, managed_project: Any
) -> None:
    other_plan = DeploymentPlanFactory(title="Runbook")
    TargetFactory(plan=other_plan, work_activity=managed_project)
    response = client_for(project_manager).get(url("targets_mine"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert sorted(row.plan.title for row in rows) == ["Peer reviews", "Runbook"]
    assert all(row.work_activity == managed_project for row in rows)
    assert all(row.can_update for row in rows)
    exported = client_for(project_manager).get(url("targets_mine") + "?export=csv")
    assert b"Managed project" in b"".join(exported.streaming_content)


def test_my_targets_is_empty_for_someone_managing_nothing(
    client_for: Any, practitioner: Any, plan: DeploymentPlan
) -> None:
    response = client_for(practitioner).get(url("targets_mine"))
    assert response.status_code == 200
    assert "None of the work activities you manage is a deployment target." in text_of(response)


def test_my_targets_needs_signing_in(client: Any) -> None:
    assert client.get(url("targets_mine")).status_code == 302
