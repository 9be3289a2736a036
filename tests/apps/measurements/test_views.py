"""The measurement pages: personas, lists, the measure page, forms, the evaluation page."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from tests.apps.measurements import fixtures_h
from tests.apps.measurements.fixtures_h import URLCONF, add_series, make_qppo
from uplift.apps.measurements import charts, selectors
from uplift.apps.measurements.models import Baseline, Measure, Objective
from uplift.apps.measurements.services.baselines import baseline_compute
from uplift.apps.measurements.services.objectives import objective_create
from uplift.domain.statistics import xmr

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLCONF)]

# Fixtures of fixtures_h (pytest finds them by name in this module).
unit = fixtures_h.unit
activities = fixtures_h.activities
cycle_time = fixtures_h.cycle_time
csat = fixtures_h.csat

BEFORE = [12.1, 11.4, 13.0, 12.6, 11.8, 12.9, 12.2, 11.5, 13.3, 12.4]
AFTER = [9.2, 8.8, 9.9, 9.1, 8.4, 9.6, 9.3, 8.9, 9.7, 9.0]


@pytest.fixture
def reader(client_for, practitioner):
    return client_for(practitioner)


@pytest.fixture
def writer(client_for, process_group_member):
    return client_for(process_group_member)


@pytest.fixture
def observed(cycle_time, activities):
    """alpha's cycle time drops after ten weeks; beta stays level."""
    add_series(cycle_time, activities[0], BEFORE + AFTER)
    add_series(cycle_time, activities[1], [14.0, 15.0, 13.5, 14.5] * 5)
    return cycle_time


def _page(name, *args):
    return reverse(f"measurements:{name}", args=args)


# -- access ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("measure_list", ()),
        ("measure_create", ()),
        ("measure_detail", ("cycle-time",)),
        ("measure_update", ("cycle-time",)),
        ("objective_list", ()),
        ("objective_create", ()),
        ("objective_detail", (1,)),
        ("objective_update", (1,)),
        ("evaluation", ()),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, cycle_time, name, args):
    response = client.get(_page(name, *args))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_someone_without_a_role_may_not_read_measures(client_for, outsider, cycle_time):
    client = client_for(outsider)

    assert client.get(_page("measure_list")).status_code == 403
    assert client.get(_page("measure_detail", "cycle-time")).status_code == 403
    assert client.get(_page("evaluation")).status_code == 403


def test_a_practitioner_reads_but_may_not_define_a_measure(reader, observed):
    assert reader.get(_page("measure_list")).status_code == 200
    assert reader.get(_page("measure_detail", "cycle-time")).status_code == 200
    assert reader.get(_page("measure_create")).status_code == 403

    response = reader.post(
        _page("measure_create"),
        {
            "slug": "x",
            "name": "X",
            "unit": "h",
            "operational_definition": "d",
            "direction": "lower",
        },
    )

    assert response.status_code == 403
    assert not Measure.objects.filter(slug="x").exists()


def test_a_practitioner_may_not_store_a_baseline(reader, observed):
    response = reader.post(_page("baseline_store", "cycle-time"), {})

    assert response.status_code == 403
    assert not Baseline.objects.exists()


# -- the measure list --------------------------------------------------------------------


def test_the_measure_list_filters_sorts_and_exports(reader, cycle_time, csat):
    listed = reader.get(_page("measure_list"), {"direction": "higher"})
    export = reader.get(_page("measure_list"), {"export": "csv", "sort": "-name"})

    assert listed.status_code == 200
    assert [m.slug for m in listed.context["page_obj"].object_list] == ["csat"]
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][:3] == ["Slug", "Name", "Unit"]
    assert [row[0] for row in rows[1:]] == ["cycle-time", "csat"]


def test_the_measure_list_refuses_an_unknown_filter_value(reader, cycle_time):
    response = reader.get(_page("measure_list"), {"scale": "ordinal"})

    assert response.status_code == 400


def test_an_empty_measure_list_says_so(reader):
    response = reader.get(_page("measure_list"))

    assert "No measures yet." in response.content.decode()


# -- the measure page --------------------------------------------------------------------


def test_the_measure_page_charts_one_work_activity_with_an_accessible_svg(reader, observed):
    response = reader.get(_page("measure_detail", "cycle-time"), {"work_activity": "alpha"})

    assert response.status_code == 200
    html = response.content.decode()
    chart = response.context["chart"]
    assert chart.grouping == "individual"
    assert list(chart.values) == BEFORE + AFTER
    assert 'role="img" aria-labelledby="xmr-chart-title xmr-chart-desc"' in html
    assert '<title id="xmr-chart-title">XmR chart of Cycle time, Alpha</title>' in html
    assert f"natural process limits {chart.xmr.lcl:.4g} to {chart.xmr.ucl:.4g}" in html
    assert 'id="run-chart"' in html
    assert "The charted values as a table" in html
    assert response.context["signals"]  # the drop below the limits is flagged


def test_a_segment_is_charted_as_monthly_means_with_each_activitys_statistics(reader, observed):
    response = reader.get(_page("measure_detail", "cycle-time"), {"segment_size": "large"})

    assert response.status_code == 200
    assert response.context["chart"].grouping == "monthly"
    assert [row.slug for row in response.context["activity_baselines"]] == ["alpha", "beta"]
    assert response.context["scope"] == "large"


def test_one_work_activitys_chart_data_is_one_query(
    observed, activities, django_assert_num_queries
):
    with django_assert_num_queries(1):
        data = selectors.control_chart_data(
            observed, work_activity_ids=[activities[0].pk], attribute=False
        )

    assert data.xmr is not None


def test_the_measure_page_of_an_unknown_measure_is_a_404(reader):
    assert reader.get(_page("measure_detail", "nothing")).status_code == 404


def test_a_measure_without_observations_shows_empty_states(reader, cycle_time):
    html = reader.get(_page("measure_detail", "cycle-time")).content.decode()

    assert "No observations of cycle time" in html
    assert "No QPPO is set on this measure." in html
    assert "No baseline stored yet." in html


def test_the_measure_page_lists_its_qppos_with_their_status(reader, observed):
    baseline_compute(measure=observed, store=True)
    make_qppo(observed, target=5.0, name="Cycle time at most 5 days")

    response = reader.get(_page("measure_detail", "cycle-time"))

    ((qppo, status, _label),) = response.context["qppos"]
    assert qppo.name == "Cycle time at most 5 days"
    assert status.status == "not_met"
    assert "Not met" in response.content.decode()


def test_a_target_reads_as_it_was_typed(reader, observed):
    make_qppo(observed, target=4.5, name="Cycle time at most 4.5 days")

    html = reader.get(_page("measure_detail", "cycle-time")).content.decode()

    assert "≤ 4.5 days" in html
    assert "4.5000" not in html


def test_the_measure_page_compares_two_stored_baselines(reader, observed):
    older = baseline_compute(
        measure=observed, end=fixtures_h.START + 9 * fixtures_h.WEEK, store=True
    ).stored
    newer = baseline_compute(
        measure=observed, start=fixtures_h.START + 10 * fixtures_h.WEEK, store=True
    ).stored

    response = reader.get(
        _page("measure_detail", "cycle-time"), {"older": older.pk, "newer": newer.pk}
    )

    comparison = response.context["comparison"]
    assert comparison.mean_change == pytest.approx(newer.mean - older.mean)
    assert comparison.evaluation is not None
    assert "Comparison" in response.content.decode()


def test_a_process_group_member_stores_the_baseline_of_a_selection(writer, observed):
    response = writer.post(
        _page("baseline_store", "cycle-time"), {"work_activity": "alpha", "start": "", "end": ""}
    )

    assert response.status_code == 302
    stored = Baseline.objects.get()
    assert (stored.n, stored.segment) == (20, {"work_activities": ["alpha"]})


def test_storing_a_baseline_without_values_stores_nothing_and_says_why(
    writer, cycle_time, activities
):
    response = writer.post(_page("baseline_store", "cycle-time"), {}, follow=True)

    assert not Baseline.objects.exists()
    assert "No baseline was stored" in response.content.decode()


# -- measure forms -----------------------------------------------------------------------


def test_a_process_group_member_defines_a_measure(writer):
    response = writer.post(
        _page("measure_create"),
        {
            "slug": "rework",
            "name": "Rework effort",
            "unit": "% of effort",
            "operational_definition": "Hours of rework over all hours booked.",
            "scale": "continuous",
            "direction": "lower",
            "frequency": "monthly",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == _page("measure_detail", "rework")
    assert Measure.objects.get(slug="rework").name == "Rework effort"


def test_a_refused_measure_shows_the_message_beside_its_field(writer, cycle_time):
    response = writer.post(
        _page("measure_create"),
        {
            "slug": "cycle-time",
            "name": "Again",
            "unit": "days",
            "operational_definition": "x",
            "scale": "continuous",
            "direction": "lower",
            "frequency": "monthly",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["slug"] == [
        "A measure with the slug 'cycle-time' exists already."
    ]
    assert 'aria-invalid="true"' in response.content.decode()
    assert Measure.objects.count() == 1


def test_a_process_group_member_edits_a_measure(writer, cycle_time):
    form = writer.get(_page("measure_update", "cycle-time")).context["form"]
    data = {**form.initial, "unit": "working days"}

    response = writer.post(_page("measure_update", "cycle-time"), data)

    assert response.status_code == 302
    cycle_time.refresh_from_db()
    assert cycle_time.unit == "working days"


# -- objectives --------------------------------------------------------------------------


def test_the_objective_list_nests_qppos_under_their_business_objective_with_status(
    reader, observed
):
    baseline_compute(measure=observed, store=True)
    parent = objective_create(kind="business", name="Deliver faster", priority=1)
    make_qppo(observed, target=20, name="Under 20 days", parent=parent)
    make_qppo(observed, target=5, name="Under 5 days", parent=parent)
    objective_create(kind="business", name="Happier customers")

    response = reader.get(_page("objective_list"))

    groups = response.context["groups"]
    assert [(b.name, [(q.name, s.status) for q, s in children]) for b, children in groups] == [
        ("Deliver faster", [("Under 20 days", "met"), ("Under 5 days", "not_met")]),
        ("Happier customers", []),
    ]
    html = response.content.decode()
    assert "No QPPO traces to this objective yet." in html


def test_the_objective_export_has_a_line_per_objective_with_its_status(reader, observed):
    baseline_compute(measure=observed, store=True)
    make_qppo(observed, target=5, name="Under 5 days")

    response = reader.get(_page("objective_list"), {"export": "csv"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["Kind"], row["Name"], row["Status"]) for row in rows] == [
        ("business", "Business goal for Under 5 days", "not_applicable"),
        ("qppo", "Under 5 days", "not_met"),
    ]
    assert float(rows[1]["Gap"]) > 0


def test_without_a_baseline_the_objective_pages_show_a_provisional_status(writer, observed):
    qppo = make_qppo(observed, target=10, name="Under 10 days")  # mean 12.5025 over 40 values

    listed = writer.get(_page("objective_list")).content.decode()
    detail = writer.get(_page("objective_detail", qppo.pk))
    html = detail.content.decode()

    assert "provisional</span>" in listed
    assert "from current data, n = 40" in listed
    status = detail.context["status"]
    assert (status.status, status.provisional, status.n) == ("not_met", True, 40)
    assert "<strong>Provisional</strong>: from current data, no stored baseline." in html
    assert 'from <time datetime="2024-01-01T09:00:00+00:00">2024-01-01</time>' in html
    assert "short by 2.5025 days (25% of the target)" in html
    assert "Store a new baseline for this segment" in html


def test_storing_the_baseline_makes_the_status_official(writer, observed):
    qppo = make_qppo(observed, target=10, name="Under 10 days")
    page = _page("objective_detail", qppo.pk)

    writer.post(
        _page("baseline_store", observed.slug), {"segment": "{}", "next": page}, follow=True
    )
    response = writer.get(page)

    assert response.context["status"].provisional is False
    assert response.context["status"].baseline == Baseline.objects.get()
    assert "Provisional" not in response.content.decode()


def test_a_qppo_of_a_segment_without_observations_shows_no_data(reader, observed):
    qppo = make_qppo(observed, target=10, segment={"size": "small"})

    html = reader.get(_page("objective_detail", qppo.pk)).content.decode()

    assert "and it has no observations, so the objective cannot be judged yet." in html
    assert "provisional" not in html.lower()


def test_the_objective_export_marks_provisional_statuses(reader, observed):
    make_qppo(observed, target=10, name="Under 10 days")

    response = reader.get(_page("objective_list"), {"export": "csv"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["Status"], r["Provisional"], r["N"], r["Period start"]) for r in rows] == [
        ("not_applicable", "false", "", ""),
        ("not_met", "true", "40", "2024-01-01 09:00:00+00:00"),
    ]


def test_the_objective_list_reads_no_more_queries_for_more_objectives(
    reader, observed, django_assert_max_num_queries
):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert reader.get(_page("objective_list")).status_code == 200
        return len(captured)

    make_qppo(observed, target=5, name="One")
    make_qppo(observed, target=5, segment={"size": "large"}, name="Large one")
    few = count()
    for number in range(8):
        make_qppo(observed, target=number, name=f"More {number}")
        make_qppo(observed, target=number, segment={"size": "large"}, name=f"Large {number}")

    with django_assert_max_num_queries(few):
        response = reader.get(_page("objective_list"))

    assert sum(len(children) for _, children in response.context["groups"]) == 18


def test_an_empty_objective_list_says_what_to_do(reader):
    assert "No business objectives yet." in reader.get(_page("objective_list")).content.decode()


def test_a_practitioner_may_not_record_an_objective(reader):
    response = reader.post(_page("objective_create"), {"kind": "business", "name": "X"})

    assert response.status_code == 403
    assert not Objective.objects.exists()


def test_a_qppo_without_a_target_is_refused_beside_the_target_field(writer, cycle_time):
    parent = objective_create(kind="business", name="Deliver faster")

    response = writer.post(
        _page("objective_create"),
        {
            "kind": "qppo",
            "name": "Faster",
            "parent": parent.pk,
            "measure": "cycle-time",
            "statistic": "mean",
            "priority": "2",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["target"] == [
        "A QPPO has a target value of its statistic."
    ]
    assert Objective.objects.count() == 1


def test_a_process_group_member_records_a_qppo_for_a_segment(writer, cycle_time, activities):
    parent = objective_create(kind="business", name="Deliver faster")

    response = writer.post(
        _page("objective_create"),
        {
            "kind": "qppo",
            "name": "Large projects under 10 days",
            "parent": parent.pk,
            "measure": "cycle-time",
            "statistic": "median",
            "target": "10",
            "priority": "1",
            "segment_unit": "web",
            "segment_size": "large",
            "segment_attributes": "customer=acme",
        },
    )

    assert response.status_code == 302
    qppo = Objective.objects.get(kind="qppo")
    assert qppo.segment == {"unit": "web", "size": "large", "attributes": {"customer": "acme"}}
    detail = writer.get(_page("objective_detail", qppo.pk)).content.decode()
    assert "No baseline of cycle time is stored" in detail


def test_the_objective_page_stores_a_baseline_for_the_qppos_segment(writer, observed):
    qppo = make_qppo(observed, target=13, segment={"work_activities": ["alpha", "beta"]})

    response = writer.post(
        _page("baseline_store", "cycle-time"),
        {
            "segment": '{"work_activities": ["alpha", "beta"]}',
            "next": _page("objective_detail", qppo.pk),
        },
    )

    assert response["Location"] == _page("objective_detail", qppo.pk)
    assert Baseline.objects.get().n == 40
    assert selectors.objective_status(qppo).status in ("met", "not_met")


# -- evaluation --------------------------------------------------------------------------


def test_the_evaluation_page_shows_the_form_without_a_question(reader, cycle_time):
    response = reader.get(_page("evaluation"), {"for": "cycle-time"})

    assert response.status_code == 200
    assert response.context["form"].initial["measure"] == "cycle-time"
    assert "run" not in response.context


def test_the_evaluation_page_answers_with_statistics_verdict_chart_and_payback(reader, observed):
    response = reader.get(
        _page("evaluation"),
        {
            "measure": "cycle-time",
            "design": "before_after",
            "work_activities": ["alpha"],
            "change_date": str((fixtures_h.START + 10 * fixtures_h.WEEK).date()),
            "seed": "7",
            "cost": "6000",
            "running_cost": "100",
            "value_per_unit": "500",
        },
    )

    assert response.status_code == 200
    run = response.context["run"]
    assert (run.evaluation.n_before, run.evaluation.n_after) == (10, 10)
    html = response.content.decode()
    assert escape(run.evaluation.verdict.summary) in html
    assert "What the verdict assumes" in html
    assert 'id="evaluation-chart"' in html
    assert "The two phases of the chart" in html
    assert "is recovered in" in html
    assert response.context["payback"].months is not None


def test_a_question_the_service_refuses_shows_the_reason_beside_the_field(reader, observed):
    response = reader.get(_page("evaluation"), {"measure": "cycle-time", "design": "before_after"})

    assert response.status_code == 400
    assert response.context["form"].errors["change_date"] == ["Give the date of the change."]


def test_each_activitys_statistics_over_every_activity_are_shown_on_demand(reader, observed):
    page = reader.get(_page("measure_detail", "cycle-time"))
    asked = reader.get(_page("measure_detail", "cycle-time"), {"per_activity": "1"})

    assert "activity_baselines" not in page.context
    assert "?per_activity=1" in page.content.decode()
    assert [row.slug for row in asked.context["activity_baselines"]] == ["alpha", "beta"]


# -- charts ------------------------------------------------------------------------------


def test_a_chart_is_an_accessible_svg_drawn_once_for_the_same_data():
    values = [3.0, 4.0, 3.5, 9.0, 3.2, 3.9]
    labels = [f"2024-0{i}" for i in range(1, 7)]
    drawn = []

    def draw() -> str:
        drawn.append(1)
        return charts.xmr_chart_svg(
            [xmr(values)],
            labels,
            unit="US$ per $1000 <b>",
            chart_id="test-chart",
            title="Cost & <rework>",
            desc="Six points.",
        )

    first = charts.cached_svg("test", [values, labels], draw)
    again = charts.cached_svg("test", [values, labels], draw)

    assert first == again
    assert len(drawn) == 1
    assert first.startswith('<svg role="img" aria-labelledby="test-chart-title test-chart-desc"')
    assert '<title id="test-chart-title">Cost &amp; &lt;rework&gt;</title>' in first
    assert '<desc id="test-chart-desc">Six points.</desc>' in first
    assert "<b>" not in first


def test_the_objective_list_reads_a_fixed_number_of_queries_however_many_objectives(
    reader, observed
):
    def queries() -> int:
        cache.clear()  # the provisional statistics are read, not taken from the cache
        with CaptureQueriesContext(connection) as captured:
            assert reader.get(_page("objective_list")).status_code == 200
        return len(captured)

    make_qppo(observed, target=5, name="One")
    few = queries()
    for number in range(5):
        make_qppo(observed, target=number, name=f"More {number}")

    assert queries() == few
