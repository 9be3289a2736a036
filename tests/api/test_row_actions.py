"""The declared row endpoints (``uplift.api.row_actions``): each declaration is routed under
its names, a mistaken declaration is refused at import, and a method a collection does not
declare is a 405 with nothing changed. The behaviour of each endpoint is tested with its
parent (``test_deployment_plan_rows``, ``test_services_rows``).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from tests.api import test_deployment_fixtures as fixtures
from tests.api.test_deployment_fixtures import PLANS, api
from uplift.api import deployment_plan_rows, service_rows
from uplift.api.deployment_plans import DeploymentPlanViewSet
from uplift.api.row_actions import RowCollection
from uplift.api.services import ServiceViewSet
from uplift.apps.deployments.models import DeploymentPlan, Stakeholder
from uplift.apps.deployments.services.plans import barrier_add

process_owner = fixtures.process_owner
sponsor = fixtures.sponsor
plan = fixtures.plan

DECLARED: list[tuple[type[Any], RowCollection[Any, Any]]] = [
    *(
        (DeploymentPlanViewSet, rows)
        for rows in vars(deployment_plan_rows).values()
        if isinstance(rows, RowCollection)
    ),
    *(
        (ServiceViewSet, rows)
        for rows in vars(service_rows).values()
        if isinstance(rows, RowCollection)
    ),
]


def extra_actions(viewset: type[Any]) -> dict[str, Any]:
    return {action.__name__: action for action in viewset.get_extra_actions()}


def test_both_modules_declare_their_collections() -> None:
    names = sorted(rows.name for _, rows in DECLARED)

    plan_rows = ["stakeholders", "measures", "barriers", "adjustments", "risks"]
    assert names == sorted([*plan_rows, "objectives", "periods", "changes"])


@pytest.mark.parametrize(("viewset", "rows"), DECLARED, ids=[rows.name for _, rows in DECLARED])
def test_each_collection_is_routed_under_its_names(
    viewset: type[Any], rows: RowCollection[Any, Any]
) -> None:
    actions = extra_actions(viewset)
    row_action = actions[rows.row_name]

    assert getattr(viewset, rows.row_name) is row_action
    assert row_action.url_path == rf"{rows.name}/(?P<row_id>\d+)"
    assert set(row_action.mapping.values()) == {rows.row_name}
    assert rows.name in actions
    assert set(actions[rows.name].mapping.values()) == {rows.name}


def test_every_routed_method_names_an_attribute_of_its_viewset() -> None:
    for viewset in (DeploymentPlanViewSet, ServiceViewSet):
        for name, found in extra_actions(viewset).items():
            for method, handler in found.mapping.items():
                assert getattr(viewset, handler).__name__ == name, (viewset, method)


def declaration(**changes: Any) -> dict[str, Any]:
    """A valid declaration (the barriers of a plan), with ``changes``."""
    barriers = deployment_plan_rows.BARRIERS
    fields = {
        name: getattr(barriers, name)
        for name in barriers.__dataclass_fields__  # the declared fields, with their values
    }
    return {**fields, **changes}


def test_a_change_without_its_input_serializer_is_refused() -> None:
    with pytest.raises(ValueError, match="update and update_input go together"):
        RowCollection(**declaration(update_input=None))


def test_a_row_action_with_neither_change_nor_removal_is_refused() -> None:
    with pytest.raises(ValueError, match="needs update or remove"):
        RowCollection(**declaration(update=None, update_input=None, remove=None))


def test_a_list_action_without_an_add_is_refused() -> None:
    rows = RowCollection(**declaration(add=None, add_input=None))

    with pytest.raises(ValueError, match="a list action needs add and add_input"):
        rows.list_action()


def test_the_operation_texts_follow_the_parent() -> None:
    parent = deployment_plan_rows.PLAN

    assert parent.describe_write("") == deployment_plan_rows.CONTENT_CHANGE
    assert parent.describe_write("First.") == f"First. {deployment_plan_rows.CONTENT_CHANGE}"
    assert service_rows.SERVICE.describe_write("") is None
    assert service_rows.OBJECTIVES.refusal_for("delete") == "remove service-level objectives"
    assert service_rows.CHANGES.model_name == "servicechange"


@pytest.mark.django_db
def test_a_change_of_a_row_that_only_can_be_removed_is_a_405(
    process_owner: User, plan: DeploymentPlan
) -> None:
    stakeholder = plan.stakeholders.get()
    before = (stakeholder.kind, stakeholder.note, Stakeholder.history.count())

    response = api(process_owner).patch(
        f"{PLANS}{plan.pk}/stakeholders/{stakeholder.pk}/", {"note": "Changed."}, format="json"
    )

    stakeholder.refresh_from_db()
    assert response.status_code == 405
    assert (stakeholder.kind, stakeholder.note, Stakeholder.history.count()) == before


@pytest.mark.django_db
def test_a_generated_change_answers_the_row_it_wrote(
    process_owner: User, plan: DeploymentPlan
) -> None:
    barrier = barrier_add(plan=plan, actor=process_owner, barrier="No time.", strategy="")

    response = api(process_owner).patch(
        f"{PLANS}{plan.pk}/barriers/{barrier.pk}/", {"strategy": "Pair."}, format="json"
    )

    barrier.refresh_from_db()
    assert response.status_code == 200
    assert response.json() == {
        "id": barrier.pk,
        "barrier": "No time.",
        "strategy": "Pair.",
        "position": barrier.position,
    }
    assert barrier.strategy == "Pair."
