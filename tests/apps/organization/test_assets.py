"""Process assets: the services (permissions, validation, history), the selectors, and
the pages (who may see and add, filters, export, where each version is deployed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories.deployments import DeploymentPlanFactory, TargetFactory
from tests.factories.organization import (
    PersonFactory,
    ProcessAssetFactory,
    ProcessAssetVersionFactory,
)
from uplift.apps.accounts.roles import Role
from uplift.apps.deployments.models import Package, PackageReceipt
from uplift.apps.organization import selectors, services
from uplift.apps.organization.choices import AssetKind
from uplift.apps.organization.models import ProcessAsset, ProcessAssetVersion

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return (
        ProcessAsset.objects.count(),
        ProcessAssetVersion.objects.count(),
        ProcessAsset.history.count(),
        ProcessAssetVersion.history.count(),
    )


@pytest.fixture
def owner_person():
    return PersonFactory(display_name="Grace Hopper", slug="grace-hopper")


@pytest.fixture
def asset(owner_person):
    return ProcessAssetFactory(
        slug="peer-review",
        name="Peer review procedure",
        kind=AssetKind.PROCEDURE,
        owner=owner_person,
        description="How work products are peer reviewed.",
    )


# -- services ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PROCESS_GROUP, Role.PROCESS_OWNER])
def test_process_group_and_process_owners_add_assets_recorded_in_history(
    make_user, owner_person, role
):
    actor = make_user(role)

    asset = services.process_asset_create(
        actor=actor,
        slug="",
        name="Estimation training",
        kind=AssetKind.TRAINING_MATERIAL,
        owner=owner_person,
        description="  Two-hour course.  ",
    )

    assert (asset.slug, asset.kind, asset.owner, asset.description) == (
        "estimation-training",
        "training_material",
        owner_person,
        "Two-hour course.",
    )
    record = asset.history.get()
    assert (record.history_type, record.history_user) == ("+", actor)


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.PROJECT_MANAGER, Role.SPONSOR])
def test_other_roles_may_not_add_assets_and_nothing_is_written(make_user, role):
    before = counts()

    with pytest.raises(PermissionDenied):
        services.process_asset_create(
            actor=make_user(role), slug="x", name="X", kind=AssetKind.TEMPLATE
        )

    assert counts() == before


def test_an_asset_needs_a_free_slug_a_known_kind_and_a_name(make_user, asset):
    actor = make_user(Role.PROCESS_GROUP)
    before = counts()

    with pytest.raises(ValidationError) as taken:
        services.process_asset_create(
            actor=actor, slug="peer-review", name="Again", kind=AssetKind.PROCEDURE
        )
    with pytest.raises(ValidationError) as unknown:
        services.process_asset_create(actor=actor, slug="x", name="X", kind="poster")
    with pytest.raises(ValidationError) as reserved:
        services.process_asset_create(actor=actor, slug="new", name="New", kind="other")

    assert "slug" in taken.value.message_dict
    assert "kind" in unknown.value.message_dict
    assert reserved.value.message_dict["slug"] == ["“new” is reserved; choose another slug."]
    assert counts() == before


def test_a_version_is_released_with_its_label_date_note_and_location(make_user, asset):
    actor = make_user(Role.PROCESS_OWNER)

    version = services.process_asset_version_create(
        asset=asset,
        actor=actor,
        label=" 2.1 ",
        released_on=dt.date(2026, 2, 2),
        change_note="Adds the checklist for design reviews.",
        location="https://intranet.example.test/pal/peer-review/2.1",
    )

    assert (version.asset, version.label, version.released_on) == (
        asset,
        "2.1",
        dt.date(2026, 2, 2),
    )
    assert version.history.get().history_user == actor


def test_a_label_is_used_once_per_asset(make_user, asset):
    actor = make_user(Role.PROCESS_GROUP)
    ProcessAssetVersionFactory(asset=asset, label="1.0")
    other = ProcessAssetFactory()
    before = counts()

    with pytest.raises(ValidationError):
        services.process_asset_version_create(
            asset=asset, actor=actor, label="1.0", released_on=dt.date(2026, 1, 1)
        )

    assert counts() == before
    services.process_asset_version_create(
        asset=other, actor=actor, label="1.0", released_on=dt.date(2026, 1, 1)
    )


def test_a_practitioner_may_not_release_a_version(practitioner, asset):
    before = counts()

    with pytest.raises(PermissionDenied):
        services.process_asset_version_create(
            asset=asset, actor=practitioner, label="9", released_on=dt.date(2026, 1, 1)
        )

    assert counts() == before


# -- selectors --------------------------------------------------------------------------------


def test_the_list_counts_versions_and_gives_the_latest_release(asset):
    ProcessAssetVersionFactory(asset=asset, label="1.0", released_on=dt.date(2025, 3, 1))
    ProcessAssetVersionFactory(asset=asset, label="1.1", released_on=dt.date(2025, 9, 1))
    ProcessAssetFactory(slug="empty", name="Empty template", kind=AssetKind.TEMPLATE)

    rows = {a.slug: (a.version_count, a.latest_release) for a in selectors.process_asset_list()}

    assert rows == {"peer-review": (2, dt.date(2025, 9, 1)), "empty": (0, None)}


def test_versions_are_listed_by_asset_and_filtered_by_one_kind_or_several(asset):
    training = ProcessAssetFactory(name="A course", kind=AssetKind.TRAINING_MATERIAL)
    package = ProcessAssetFactory(name="B letter", kind=AssetKind.COMMUNICATION_PACKAGE)
    course = ProcessAssetVersionFactory(asset=training, label="1")
    letter = ProcessAssetVersionFactory(asset=package, label="1")
    review = ProcessAssetVersionFactory(asset=asset, label="1")

    assert list(selectors.process_asset_version_list()) == [course, letter, review]
    assert list(selectors.process_asset_version_list(kind="procedure")) == [review]
    assert list(
        selectors.process_asset_version_list(kind=["training_material", "communication_package"])
    ) == [course, letter]


def test_the_asset_is_read_with_where_each_version_is_deployed(asset, owner_person):
    old = ProcessAssetVersionFactory(asset=asset, label="1.0", released_on=dt.date(2025, 1, 1))
    new = ProcessAssetVersionFactory(asset=asset, label="2.0", released_on=dt.date(2026, 1, 1))
    plan = DeploymentPlanFactory(title="Peer reviews everywhere")
    target = TargetFactory(plan=plan, process_version=new)
    package = Package.objects.create(plan=plan, asset_version=new)
    PackageReceipt.objects.create(
        package=package, person=owner_person, received_on=dt.date(2026, 1, 9)
    )

    read = selectors.process_asset_get(slug="peer-review")

    newest, oldest = read.versions.all()
    assert (newest, oldest) == (new, old)
    assert list(newest.deployment_targets.all()) == [target]
    assert [(p.plan, p.receipt_count) for p in newest.packages.all()] == [(plan, 1)]
    assert list(oldest.deployment_targets.all()) == []


# -- pages ------------------------------------------------------------------------------------


@pytest.fixture
def pages(asset):
    return {
        "list": reverse("organization:asset_list"),
        "detail": reverse("organization:asset_detail", args=[asset.slug]),
        "create": reverse("organization:asset_create"),
        "version": reverse("organization:asset_version_create", args=[asset.slug]),
    }


@pytest.mark.parametrize("name", ["list", "detail", "create", "version"])
def test_anonymous_visitors_are_sent_to_sign_in(anonymous, pages, name):
    response = anonymous.get(pages[name])

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ["list", "detail", "create", "version"])
def test_users_without_a_role_are_refused(client_for, outsider, pages, name):
    assert client_for(outsider).get(pages[name]).status_code == 403


def test_a_practitioner_reads_but_may_not_add(client_for, practitioner, pages):
    client = client_for(practitioner)
    before = counts()

    listing = client.get(pages["list"])
    detail = client.get(pages["detail"])
    create = client.post(pages["create"], {"name": "X", "kind": "template"})
    version = client.post(pages["version"], {"label": "3", "released_on": "2026-01-01"})

    assert (listing.status_code, detail.status_code) == (200, 200)
    assert "New process asset" not in listing.content.decode()
    assert "Release a version" not in detail.content.decode()
    assert (create.status_code, version.status_code) == (403, 403)
    assert counts() == before


def test_an_unknown_asset_is_a_404(client_for, practitioner):
    response = client_for(practitioner).get(reverse("organization:asset_detail", args=["nope"]))

    assert response.status_code == 404


def test_the_list_filters_by_kind_owner_and_text_and_exports(client_for, practitioner, asset):
    ProcessAssetFactory(slug="kickoff-letter", name="Kick-off letter", kind="communication_package")
    client = client_for(practitioner)
    url = reverse("organization:asset_list")

    by_kind = client.get(url, {"kind": "communication_package"}).content.decode()
    by_owner = client.get(url, {"owner": "grace-hopper"}).content.decode()
    by_text = client.get(url, {"q": "reviewed"}).content.decode()
    nothing = client.get(url, {"q": "zzz"}).content.decode()
    export = b"".join(client.get(url, {"export": "csv", "sort": "-name"}).streaming_content)

    assert "Kick-off letter" in by_kind
    assert "Peer review procedure" not in by_kind
    assert "Peer review procedure" in by_owner
    assert "Kick-off letter" not in by_owner
    assert "Peer review procedure" in by_text
    assert "Kick-off letter" not in by_text
    assert "No process assets match these filters." in nothing
    assert export.decode().splitlines() == [
        "Slug,Name,Kind,Owner,Versions,Latest release",
        "peer-review,Peer review procedure,Procedure,grace-hopper,0,",
        "kickoff-letter,Kick-off letter,Communication package,,0,",
    ]


def test_an_unknown_kind_or_sort_is_a_400(client_for, practitioner, pages):
    client = client_for(practitioner)

    assert client.get(pages["list"], {"kind": "poster"}).status_code == 400
    assert client.get(pages["list"], {"sort": "colour"}).status_code == 400


def test_the_list_is_empty_with_a_message(client_for, practitioner):
    response = client_for(practitioner).get(reverse("organization:asset_list"))

    assert "No process assets yet." in response.content.decode()


def test_a_process_owner_adds_an_asset_and_releases_a_version(client_for, make_user):
    client = client_for(make_user(Role.PROCESS_OWNER))

    created = client.post(
        reverse("organization:asset_create"),
        {"name": "Estimation course", "slug": "", "kind": "training_material", "description": ""},
    )
    released = client.post(
        reverse("organization:asset_version_create", args=["estimation-course"]),
        {"label": "1.0", "released_on": "2026-03-02", "change_note": "First release."},
    )

    assert created.status_code == 302
    assert created["Location"] == reverse("organization:asset_detail", args=["estimation-course"])
    assert released.status_code == 302
    version = ProcessAssetVersion.objects.get()
    assert (version.asset.slug, version.label, version.released_on) == (
        "estimation-course",
        "1.0",
        dt.date(2026, 3, 2),
    )
    page = client.get(created["Location"]).content.decode()
    assert "First release." in page
    assert "No target yet" in page


def test_a_refused_asset_shows_the_error_on_the_form_with_a_400(client_for, make_user, asset):
    client = client_for(make_user(Role.PROCESS_GROUP))
    before = counts()

    taken = client.post(
        reverse("organization:asset_create"),
        {"name": "Again", "slug": "peer-review", "kind": "procedure"},
    )
    ProcessAssetVersionFactory(asset=asset, label="1.0")
    duplicate = client.post(
        reverse("organization:asset_version_create", args=[asset.slug]),
        {"label": "1.0", "released_on": "2026-03-02"},
    )

    assert taken.status_code == 400
    assert "Process asset with this Slug already exists." in taken.content.decode()
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.content.decode()
    assert ProcessAsset.objects.count() == before[0]


def test_the_detail_shows_the_targets_and_packages_of_each_version(
    client_for, practitioner, asset, owner_person
):
    version = ProcessAssetVersionFactory(asset=asset, label="2.0")
    plan = DeploymentPlanFactory(title="Peer reviews everywhere")
    TargetFactory(plan=plan, process_version=version, work_activity__name="Crane Controller")
    package = Package.objects.create(plan=plan, asset_version=version)
    PackageReceipt.objects.create(
        package=package, person=owner_person, received_on=dt.date(2026, 1, 9)
    )

    page = client_for(practitioner).get(reverse("organization:asset_detail", args=["peer-review"]))

    text = page.content.decode()
    assert "Crane Controller" in text
    assert f"{plan.reference} Peer reviews everywhere" in text
    assert "received by 1 person" in text


def test_the_list_reads_a_fixed_number_of_queries_however_many_assets(
    client_for, practitioner, django_assert_max_num_queries
):
    client = client_for(practitioner)
    url = reverse("organization:asset_list")
    for _ in range(3):
        ProcessAssetVersionFactory(asset=ProcessAssetFactory(owner=PersonFactory()), label="1")
    client.get(url)  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(6):
        ProcessAssetVersionFactory(asset=ProcessAssetFactory(owner=PersonFactory()), label="1")

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
