"""The generic list machinery, the navigation, the history rows and the UI helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import ClassVar

import pytest
from django.contrib.auth.models import AnonymousUser, Permission, User
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django_htmx.middleware import HtmxDetails

from uplift.apps.common.context_processors import navigation
from uplift.apps.common.exports import csv_cell, resolve_attribute
from uplift.apps.common.templatetags.history import FieldChange, history_rows
from uplift.apps.common.templatetags.ui import anchor, entered, highlight, minutes
from uplift.apps.common.views import ObjectListView
from uplift.apps.library.models import ProcessModel

pytestmark = pytest.mark.django_db


class UserListView(ObjectListView):
    """A list declared the way every app declares one, over the users table."""

    model = User
    sort_fields: ClassVar[dict[str, str]] = {"username": "username", "joined": "date_joined"}
    default_sort = "username"
    paginate_by = 2
    max_per_page = 3
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Username", "username"),
        ("Name", "get_full_name"),
        ("Staff", "is_staff"),
    ]
    table_template_name = "partials/tests/user_table.html"


@pytest.fixture
def admin(django_user_model):
    user = django_user_model.objects.create_user("admin", first_name="Ada", last_name="Min")
    user.user_permissions.add(Permission.objects.get(codename="view_user"))
    for name in ("zoe", "=cmd", "mia"):
        django_user_model.objects.create_user(name)
    return django_user_model.objects.get(pk=user.pk)  # fresh permission cache


def _get(user, params=None, **headers):
    request = RequestFactory().get("/users/", params or {}, headers=headers)
    request.user = user
    request.htmx = HtmxDetails(request)
    return UserListView.as_view()(request)


def test_the_view_permission_is_derived_from_the_model(django_user_model):
    bob = django_user_model.objects.create_user("bob")

    with pytest.raises(PermissionDenied):
        _get(bob)


def test_anonymous_visitors_are_redirected_to_sign_in():
    response = _get(AnonymousUser())

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/users/"


def test_the_default_sort_and_page_size_apply(admin):
    response = _get(admin)

    assert [u.username for u in response.context_data["page_obj"].object_list] == [
        "=cmd",
        "admin",
    ]
    assert response.context_data["sort"] == "username"


def test_a_descending_sort_and_a_bounded_page_size(admin):
    response = _get(admin, {"sort": "-username", "per_page": "99"})

    assert [u.username for u in response.context_data["page_obj"].object_list] == [
        "zoe",
        "mia",
        "admin",
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sort": "password"}, "Cannot sort by &#x27;password&#x27;; sort keys: joined, username."),
        ({"sort": ["username", "joined"]}, "The parameter sort may be given once."),
        ({"page_size": "2"}, "Unknown parameter: page_size."),
        ({"per_page": "2.5"}, "per_page must be a whole number."),
        ({"export": "pdf"}, "Cannot export as &#x27;pdf&#x27;; use export=csv."),
    ],
)
def test_malformed_parameters_are_a_400_with_the_reason(admin, params, message):
    response = _get(admin, params)

    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_csv_export_has_every_row_sorted_and_neutralizes_formulas(admin):
    response = _get(admin, {"export": "csv", "sort": "-username", "page": "2"})

    assert b"".join(response.streaming_content).decode().splitlines() == [
        "Username,Name,Staff",
        "zoe,,false",
        "mia,,false",
        "admin,Ada Min,false",
        "'=cmd,,false",
    ]
    assert response["Content-Disposition"] == 'attachment; filename="users.csv"'


def test_an_htmx_swap_gets_the_table_fragment_and_a_boosted_request_the_page(admin):
    swap = _get(admin, HX_Request="true")
    boosted = _get(admin, HX_Request="true", HX_Boosted="true")

    assert swap.template_name == ["partials/tests/user_table.html"]
    assert boosted.template_name == ["common/object_list.html"]


# -- navigation -------------------------------------------------------------------------


def _current(path):
    request = RequestFactory().get(path)
    return [item.label for item in navigation(request)["navigation"] if item.current]


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/", ["Dashboard"]),
        ("/library/", ["Model library"]),
        ("/library/CMMI-DEV/1.3/", ["Model library"]),
        ("/library/search/", ["Search practices"]),
        ("/accounts/password/", []),
        ("/organization/units/", ["Organization"]),
        ("/organization/work-activities/", ["Organization"]),
        ("/organization/people/x/", ["Organization"]),
    ],
)
def test_the_navigation_marks_the_section_owning_the_path(path, current):
    assert _current(path) == current


def test_the_navigation_lists_only_sections_that_have_pages():
    labels = [item.label for item in navigation(RequestFactory().get("/"))["navigation"]]

    assert labels[:3] == ["Dashboard", "Model library", "Search practices"]


# -- dashboard --------------------------------------------------------------------------


def test_the_dashboard_summarizes_the_library_for_readers(client, django_user_model):
    reader = django_user_model.objects.create_user("reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_processmodel"))
    ProcessModel.objects.create(identifier="A", version="1", name="Alpha", is_latest=False)
    ProcessModel.objects.create(identifier="A", version="2", name="Alpha")
    client.force_login(reader)

    response = client.get(reverse("dashboard"))

    summary = response.context["library"]
    assert summary.version_count == 2
    assert [m.reference for m in summary.latest] == ["A@2"]
    assert b'href="/library/A/2/"' in response.content


def test_the_dashboard_shows_no_library_without_the_permission(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody"))

    response = client.get(reverse("dashboard"))

    assert response.context["library"] is None
    assert b"Model library</h2>" not in response.content


# -- history rows -------------------------------------------------------------------------


def _record(kind, when, user=None, diff=(), reason=None):
    fields = [
        SimpleNamespace(name="name", verbose_name="name"),
        SimpleNamespace(name="size", verbose_name="team size"),
    ]
    return SimpleNamespace(
        history_type=kind,
        history_date=when,
        history_user=user,
        history_change_reason=reason,
        tracked_fields=fields,
        diff_against=lambda older: SimpleNamespace(
            changes=[SimpleNamespace(field=f, old=o, new=n) for f, o, n in diff]
        ),
    )


def test_history_rows_diff_each_change_against_the_record_before():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    records = [  # newest first, as the tag reads them
        _record("~", start + timedelta(days=2), "ada", [("size", 5, 7)], reason="grew"),
        _record("~", start + timedelta(days=1), None, [("name", "A", "B")]),
        _record("+", start, "ada"),
    ]

    rows = history_rows(records, has_baseline=False)

    assert [(r.action, r.who, r.reason, r.changes) for r in rows] == [
        ("Changed", "ada", "grew", (FieldChange("team size", 5, 7),)),
        ("Changed", None, "", (FieldChange("name", "A", "B"),)),
        ("Created", "ada", "", ()),
    ]


def test_history_rows_leave_out_the_baseline_record():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    records = [_record("~", start, diff=[("name", "A", "B")]), _record("~", start)]

    rows = history_rows(records, has_baseline=True)

    assert len(rows) == 1
    assert rows[0].changes == (FieldChange("name", "A", "B"),)


# -- helpers ------------------------------------------------------------------------------


def test_highlight_escapes_the_text_and_marks_every_query_word():
    assert highlight("<b>Peer</b> reviews & peers", "peer REVIEW") == (
        "&lt;b&gt;<mark>Peer</mark>&lt;/b&gt; <mark>review</mark>s &amp; <mark>peer</mark>s"
    )


def test_highlight_without_query_only_escapes():
    assert highlight("<i>x</i>", "  ") == "&lt;i&gt;x&lt;/i&gt;"


@pytest.mark.parametrize(
    ("identifier", "fragment"), [("SP 1.1", "sp-1-1"), ("GG 2", "gg-2"), ("ac-2(1)", "ac-2-1")]
)
def test_anchor_makes_a_fragment_id(identifier, fragment):
    assert anchor(identifier) == fragment


def test_minutes_rounds_up():
    assert minutes(timedelta(minutes=14, seconds=30)) == 15


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (99.5, "99.5"),
        (8.0, "8"),
        (0.00004, "0"),
        (-0.00001, "0"),
        (1234.56789, "1234.5679"),
        (3, "3"),
        (None, None),
        ("", ""),
        (float("nan"), "nan"),
    ],
)
def test_entered_shows_a_typed_number_without_trailing_zeros(value, text):
    shown = entered(value)
    assert (str(shown) if isinstance(shown, float) else shown) == text


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        (True, "true"),
        (-3, "-3"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("ok", "ok"),
    ],
)
def test_csv_cells_are_plain_text_and_never_formulas(value, cell):
    assert csv_cell(value) == cell


def test_resolve_attribute_follows_dotted_paths_and_calls():
    obj = SimpleNamespace(model=SimpleNamespace(name=lambda: "Alpha"), empty=None)

    assert resolve_attribute(obj, "model.name") == "Alpha"
    assert resolve_attribute(obj, "empty.name") is None


def test_the_dashboard_leads_readers_of_deployments_to_the_organization_dashboard(
    client, django_user_model
):
    reader = django_user_model.objects.create_user("reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_deploymentplan"))
    client.force_login(reader)

    response = client.get(reverse("dashboard"))

    assert b"The improvement loop</h2>" in response.content
    assert f'href="{reverse("deployments:dashboard")}"'.encode() in response.content
    assert f'href="{reverse("deployments:plan_list")}"'.encode() in response.content


def test_the_dashboard_shows_no_improvement_loop_without_the_permission(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody"))

    response = client.get(reverse("dashboard"))

    assert b"The improvement loop</h2>" not in response.content
