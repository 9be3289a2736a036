"""The consulting log and the packages of a deployment: services (who may, what is
refused, history) and pages (personas, forms, exports)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.apps.deployments.test_results_fixtures import (
    activities,
    counts,
    deploying,
    engineer,
    letter,
    procedure,
    proposal,
    target,
    training,
)
from tests.factories.deployments import DeploymentPlanFactory, TargetFactory
from uplift.apps.deployments.choices import PlanState
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.models import ConsultingEntry, Package, PackageReceipt
from uplift.apps.deployments.services import support as services

pytestmark = pytest.mark.django_db

# Fixtures of test_results_fixtures (pytest finds them by name in this module).
__all__ = [
    "activities",
    "deploying",
    "engineer",
    "letter",
    "procedure",
    "proposal",
    "training",
]

DAY = dt.date(2024, 3, 12)


def consult(plan, actor, **changes):
    values = {
        "plan": plan,
        "actor": actor,
        "consultant": actor,
        "given_on": DAY,
        "hours": "1.5",
        "topic": "Running the first change review",
        "target": target(plan, "alpha"),
        "notes": "  Agreed on a weekly slot.  ",
    }
    values.update(changes)
    return services.consulting_add(**values)


# -- consulting: services -----------------------------------------------------------------


def test_the_plan_owner_records_consulting_for_an_early_adopter(deploying, process_owner):
    entry = consult(deploying, process_owner)

    assert (entry.plan, entry.target.work_activity.slug, entry.consultant) == (
        deploying,
        "alpha",
        process_owner,
    )
    assert (entry.given_on, entry.hours, entry.topic, entry.notes) == (
        DAY,
        Decimal("1.50"),
        "Running the first change review",
        "Agreed on a weekly slot.",
    )
    assert entry.recorded_by == process_owner
    record = entry.history.get()
    assert (record.history_user, record.history_change_reason) == (
        process_owner,
        "Consulting recorded",
    )


def test_consulting_is_not_a_content_change_of_the_plan(deploying, process_owner):
    revision, version = deploying.revision, deploying.version

    consult(deploying, process_owner)

    deploying.refresh_from_db()
    assert (deploying.revision, deploying.version) == (revision, version)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"hours": "0"}, "hours", "Enter more than 0 hours."),
        ({"hours": "-2"}, "hours", "Enter more than 0 hours."),
        ({"hours": "lots"}, "hours", "Enter the hours as a number, e.g. 1.5."),
        ({"topic": "   "}, "topic", "Say what the consulting was about."),
        ({"consultant": None}, "consultant", "Say who gave the consulting."),
    ],
)
def test_consulting_needs_positive_hours_a_topic_and_a_consultant(
    deploying, process_owner, changes, field, message
):
    before = counts()

    with pytest.raises(DeploymentError) as refused:
        consult(deploying, process_owner, **changes)

    assert (refused.value.field, refused.value.message) == (field, message)
    assert counts() == before


def test_consulting_cannot_be_recorded_for_a_day_to_come(deploying, process_owner):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    with pytest.raises(DeploymentError) as refused:
        consult(deploying, process_owner, given_on=tomorrow)

    assert refused.value.field == "given_on"
    assert "is in the future" in refused.value.message


def test_consulting_is_for_a_target_of_the_same_plan(deploying, process_owner):
    elsewhere = TargetFactory(plan=DeploymentPlanFactory(), work_activity__name="Elsewhere")
    before = counts()

    with pytest.raises(DeploymentError) as refused:
        consult(deploying, process_owner, target=elsewhere)

    assert refused.value.message == f"Elsewhere is not a target of {deploying.reference}."
    assert counts() == before


def test_a_cancelled_plan_records_no_more_consulting(deploying, process_owner):
    deploying.state = PlanState.CANCELLED
    deploying.save(update_fields=["state"])

    with pytest.raises(DeploymentError) as refused:
        consult(deploying, process_owner)

    assert (
        refused.value.message
        == f"{deploying.reference} is cancelled: its support is no longer recorded."
    )


@pytest.mark.parametrize("persona", ["practitioner", "project_manager", "sponsor"])
def test_those_without_the_right_record_no_consulting(deploying, persona, request):
    actor = request.getfixturevalue(persona)
    before = counts()

    with pytest.raises(PermissionDenied):
        consult(deploying, actor)

    assert counts() == before


def test_consulting_is_removed_with_a_history_record(
    deploying, process_owner, process_group_member
):
    entry = consult(deploying, process_owner)

    services.consulting_remove(entry=entry, actor=process_group_member)

    assert ConsultingEntry.objects.count() == 0
    removed = ConsultingEntry.history.filter(history_type="-").get()
    assert removed.history_user == process_group_member


def test_the_consulting_totals_add_the_hours_per_target(deploying, process_owner):
    consult(deploying, process_owner, hours="1.5")
    consult(deploying, process_owner, hours="2")
    consult(deploying, process_owner, hours="4", target=target(deploying, "beta"))
    consult(deploying, process_owner, hours="0.5", target=None)

    totals = services.consulting_totals(deploying)

    assert (totals.entries, totals.hours) == (4, Decimal("8.00"))
    assert totals.by_target == (("Beta", 1, Decimal("4.00")), ("Alpha", 2, Decimal("3.50")))


# -- packages and receipts: services ----------------------------------------------------------


def test_the_plan_owner_links_training_and_communication_packages(
    deploying, process_owner, training, letter
):
    course = services.package_add(plan=deploying, actor=process_owner, asset_version=training)
    kickoff = services.package_add(plan=deploying, actor=process_owner, asset_version=letter)

    assert list(services.package_list(deploying)) == [course, kickoff]
    assert course.added_by == process_owner
    assert course.history.get().history_user == process_owner


def test_a_package_is_a_training_material_or_communication_package_linked_once(
    deploying, process_owner, training, procedure
):
    services.package_add(plan=deploying, actor=process_owner, asset_version=training)
    before = counts()

    with pytest.raises(DeploymentError) as twice:
        services.package_add(plan=deploying, actor=process_owner, asset_version=training)
    with pytest.raises(DeploymentError) as kind:
        services.package_add(plan=deploying, actor=process_owner, asset_version=procedure)

    assert (
        twice.value.message == f"{deploying.reference} hands out Change review course 1.0 already."
    )
    assert kind.value.field == "asset_version"
    assert (
        "is a procedure: a package is a training material or a communication" in kind.value.message
    )
    assert counts() == before


@pytest.mark.parametrize("persona", ["practitioner", "project_manager"])
def test_only_plan_editors_change_the_packages(deploying, training, persona, request):
    actor = request.getfixturevalue(persona)
    before = counts()

    with pytest.raises(PermissionDenied):
        services.package_add(plan=deploying, actor=actor, asset_version=training)

    assert counts() == before


def test_a_project_manager_records_who_received_a_package(
    deploying, process_owner, project_manager, training, engineer
):
    package = services.package_add(plan=deploying, actor=process_owner, asset_version=training)

    receipt = services.receipt_add(
        package=package,
        actor=project_manager,
        person=engineer,
        received_on=DAY,
        target=target(deploying, "alpha"),
    )

    assert (receipt.person, receipt.target.work_activity.slug, receipt.received_on) == (
        engineer,
        "alpha",
        DAY,
    )
    assert receipt.recorded_by == project_manager
    assert receipt.history.get().history_user == project_manager
    assert services.packages_not_received(deploying) == {package.pk: ["Beta", "Gamma"]}


def test_a_person_receives_a_package_once(deploying, process_owner, training, engineer):
    package = services.package_add(plan=deploying, actor=process_owner, asset_version=training)
    services.receipt_add(package=package, actor=process_owner, person=engineer, received_on=DAY)
    before = counts()

    with pytest.raises(DeploymentError) as refused:
        services.receipt_add(package=package, actor=process_owner, person=engineer, received_on=DAY)

    assert refused.value.field == "person"
    assert refused.value.message == (
        "Ada Lovelace is recorded as having received Change review course 1.0 already."
    )
    assert counts() == before


def test_a_practitioner_records_no_receipt(
    deploying, process_owner, practitioner, training, engineer
):
    package = services.package_add(plan=deploying, actor=process_owner, asset_version=training)
    before = counts()

    with pytest.raises(PermissionDenied):
        services.receipt_add(package=package, actor=practitioner, person=engineer, received_on=DAY)

    assert counts() == before


def test_a_package_with_receipts_is_not_removed(deploying, process_owner, training, engineer):
    package = services.package_add(plan=deploying, actor=process_owner, asset_version=training)
    receipt = services.receipt_add(
        package=package, actor=process_owner, person=engineer, received_on=DAY
    )
    before = counts()

    with pytest.raises(DeploymentError) as refused:
        services.package_remove(package=package, actor=process_owner)

    assert refused.value.message == (
        "1 person has received Change review course 1.0: remove the receipts first."
    )
    assert counts() == before
    services.receipt_remove(receipt=receipt, actor=process_owner)
    services.package_remove(package=package, actor=process_owner)
    assert (Package.objects.count(), PackageReceipt.objects.count()) == (0, 0)


# -- pages ------------------------------------------------------------------------------------


def pages(plan):
    return {
        "consulting": reverse("deployments:plan_consulting", args=[plan.pk]),
        "packages": reverse("deployments:plan_packages", args=[plan.pk]),
    }


@pytest.mark.parametrize("page", ["consulting", "packages"])
def test_anonymous_visitors_are_sent_to_sign_in(anonymous, deploying, page):
    response = anonymous.get(pages(deploying)[page])

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("page", ["consulting", "packages"])
def test_users_without_a_role_are_refused(client_for, outsider, deploying, page):
    assert client_for(outsider).get(pages(deploying)[page]).status_code == 403


@pytest.mark.parametrize("page", ["consulting", "packages"])
def test_an_unknown_plan_is_a_404(client_for, practitioner, page):
    url = reverse(f"deployments:plan_{page}", args=[999999])

    assert client_for(practitioner).get(url).status_code == 404


def test_a_practitioner_reads_the_pages_without_forms_and_may_post_nothing(
    client_for, practitioner, deploying, process_owner, training, engineer
):
    consult(deploying, process_owner)
    package = services.package_add(plan=deploying, actor=process_owner, asset_version=training)
    client = client_for(practitioner)
    before = counts()

    consulting = client.get(pages(deploying)["consulting"]).content.decode()
    packages = client.get(pages(deploying)["packages"]).content.decode()
    posts = [
        client.post(
            pages(deploying)["consulting"],
            {
                "action": "add",
                "consultant": practitioner.pk,
                "given_on": "2024-03-12",
                "hours": "1",
                "topic": "x",
            },
        ),
        client.post(
            pages(deploying)["consulting"],
            {"action": "remove", "row": ConsultingEntry.objects.get().pk},
        ),
        client.post(
            pages(deploying)["packages"], {"action": "add_package", "asset_version": training.pk}
        ),
        client.post(
            pages(deploying)["packages"],
            {
                "action": "add_receipt",
                "package": package.pk,
                "person": engineer.pk,
                "received_on": "2024-03-12",
            },
        ),
    ]

    assert "Running the first change review" in consulting
    assert "Record consulting" not in consulting
    assert "Change review course" in packages
    assert "Record who received a package" not in packages
    assert [response.status_code for response in posts] == [403, 403, 403, 403]
    assert counts() == before


def test_the_consulting_page_records_an_entry_and_lists_it(client_for, process_owner, deploying):
    client = client_for(process_owner)
    alpha = target(deploying, "alpha")

    response = client.post(
        pages(deploying)["consulting"],
        {
            "action": "add",
            "consultant": process_owner.pk,
            "target": alpha.pk,
            "given_on": "2024-03-12",
            "hours": "2.25",
            "topic": "Coaching the first review",
            "notes": "",
        },
    )
    page = client.get(pages(deploying)["consulting"]).content.decode()

    assert response.status_code == 302
    assert ConsultingEntry.objects.get().hours == Decimal("2.25")
    assert "Coaching the first review" in page
    assert "1 entry, 2.25 hours in all." in page


def test_a_refused_entry_shows_on_the_form_with_a_400(client_for, process_owner, deploying):
    response = client_for(process_owner).post(
        pages(deploying)["consulting"],
        {
            "action": "add",
            "consultant": process_owner.pk,
            "given_on": "2024-03-12",
            "hours": "0",
            "topic": "Nothing",
        },
    )

    assert response.status_code == 400
    assert "Enter more than 0 hours." in response.content.decode()
    assert ConsultingEntry.objects.count() == 0


def test_the_consulting_log_is_filtered_by_target_and_exported(
    client_for, process_owner, deploying
):
    consult(deploying, process_owner, topic="For alpha")
    consult(deploying, process_owner, topic="For beta", target=target(deploying, "beta"))
    client = client_for(process_owner)
    beta = target(deploying, "beta")

    filtered = client.get(pages(deploying)["consulting"], {"target": beta.pk}).content.decode()
    export = client.get(pages(deploying)["consulting"], {"export": "csv", "sort": "target"})
    lines = b"".join(export.streaming_content).decode().splitlines()

    assert "For beta" in filtered
    assert "For alpha</th>" not in filtered
    assert lines[0] == "Given on,Target,Consultant,Hours,Topic,Notes"
    assert [line.split(",")[1] for line in lines[1:]] == ["Alpha", "Beta"]


def test_the_consulting_log_says_when_it_is_empty(client_for, practitioner, deploying):
    page = client_for(practitioner).get(pages(deploying)["consulting"]).content.decode()

    assert "No consulting recorded yet." in page
    assert "The log is empty." in page


def test_an_unknown_action_is_a_400(client_for, process_owner, deploying):
    response = client_for(process_owner).post(pages(deploying)["packages"], {"action": "paint"})

    assert response.status_code == 400


def test_the_packages_page_adds_a_package_and_a_receipt_and_exports_them(
    client_for, process_owner, deploying, training, engineer
):
    client = client_for(process_owner)
    url = pages(deploying)["packages"]

    added = client.post(url, {"action": "add_package", "asset_version": training.pk})
    package = Package.objects.get()
    received = client.post(
        url,
        {
            "action": "add_receipt",
            "package": package.pk,
            "person": engineer.pk,
            "target": target(deploying, "beta").pk,
            "received_on": "2024-03-13",
        },
    )
    page = client.get(url).content.decode()
    export = b"".join(client.get(url, {"export": "csv"}).streaming_content).decode()

    assert (added.status_code, received.status_code) == (302, 302)
    assert "Received by 1 person." in page
    assert "Not received yet by 2 targets:</strong> Alpha, Gamma." in page
    assert export.splitlines() == [
        "Package,Person,Target,Received on",
        "Change review course 1.0,Ada Lovelace,Beta,2024-03-13",
    ]


def test_a_package_of_the_wrong_kind_is_refused_on_the_form(
    client_for, process_owner, deploying, procedure
):
    response = client_for(process_owner).post(
        pages(deploying)["packages"], {"action": "add_package", "asset_version": procedure.pk}
    )

    assert response.status_code == 400
    assert Package.objects.count() == 0


def test_removing_a_receipt_then_the_package_through_the_page(
    client_for, process_owner, deploying, training, engineer
):
    package = services.package_add(plan=deploying, actor=process_owner, asset_version=training)
    receipt = services.receipt_add(
        package=package, actor=process_owner, person=engineer, received_on=DAY
    )
    client = client_for(process_owner)
    url = pages(deploying)["packages"]

    refused = client.post(url, {"action": "remove_package", "row": package.pk}, follow=True)
    client.post(url, {"action": "remove_receipt", "row": receipt.pk})
    removed = client.post(url, {"action": "remove_package", "row": package.pk})

    assert "remove the receipts first" in refused.content.decode()
    assert removed.status_code == 302
    assert (Package.objects.count(), PackageReceipt.objects.count()) == (0, 0)


def test_a_row_of_another_plan_is_a_404(client_for, process_owner, deploying, training):
    other = DeploymentPlanFactory(owner=process_owner)
    package = services.package_add(plan=other, actor=process_owner, asset_version=training)

    response = client_for(process_owner).post(
        pages(deploying)["packages"], {"action": "remove_package", "row": package.pk}
    )

    assert response.status_code == 404
    assert Package.objects.count() == 1
