"""The final report (page and PDF) and the XLSX matrix of an appraisal."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.apps.appraisals.conftest import GG2_GPS, REQM_SPS, as_yaml, reqm_ml2
from uplift.apps.accounts.roles import Role
from uplift.apps.appraisals import report as report_module
from uplift.apps.appraisals.charts import ProfileBar, capability_profile_svg
from uplift.apps.appraisals.models import Affirmation, Appraisal, Finding, TeamMember
from uplift.apps.appraisals.report import appraisal_report
from uplift.apps.appraisals.services import appraisal_import
from uplift.apps.appraisals.workbook import XLSX_CONTENT_TYPE, safe_text
from uplift.apps.common.pdf import _refuse_remote
from uplift.apps.library.models import Goal, ProcessArea

INJECTION = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def reqm(cmmi_dev: Any, make_user: Any) -> Appraisal:
    """REQM at alpha and beta, all FI but SP 1.3 (PI at alpha, NI at beta): SG 1
    unsatisfied. A lead appraiser, an interview of project managers, one finding."""
    data = reqm_ml2(name="REQM check 2026")
    data["characterizations"]["REQM SP 1.3"] = {
        "alpha": {"value": "PI", "weaknesses": [INJECTION, "no change log"]},
        "beta": {"value": "NI", "weaknesses": ["changes by e-mail"]},
    }
    appraisal = appraisal_import(data=as_yaml(data), filename="reqm.yaml")
    lead = make_user(username="alice", first_name="Alice", last_name="Appraiser")
    TeamMember.objects.create(appraisal=appraisal, user=lead, role="lead_appraiser")
    Affirmation.objects.create(
        appraisal=appraisal,
        kind="interview",
        date=datetime.date(2026, 3, 2),
        session="Interview 1",
        role_group="project managers",
        summary="Bob Builder explained the change process.",
    )
    area = ProcessArea.objects.get(model=appraisal.model, abbreviation="REQM")
    Finding.objects.create(
        appraisal=appraisal,
        kind="weakness",
        process_area=area,
        goal=Goal.objects.get(model=appraisal.model, process_area=area, identifier="SG 1"),
        text="Requirements changes are not logged.",
    )
    return appraisal


@pytest.fixture
def reader(make_user: Any, client_for: Any) -> Any:
    return client_for(make_user(Role.PRACTITIONER, username="reader"))


def url(name: str, appraisal: Appraisal) -> str:
    return f"/appraisals/{appraisal.pk}/{name}"


# --- access ------------------------------------------------------------------------------------

PAGES = ["report/", "report.pdf", "matrix.xlsx", "path/"]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(reqm: Appraisal, anonymous: Any, page: str) -> None:
    response = anonymous.get(url(page, reqm))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("page", PAGES)
def test_an_appraisal_the_user_may_not_see_is_not_found(
    reqm: Appraisal, outsider: Any, client_for: Any, page: str
) -> None:
    assert client_for(outsider).get(url(page, reqm)).status_code == 404


def test_an_unknown_appraisal_is_not_found(reqm: Appraisal, reader: Any) -> None:
    assert reader.get(f"/appraisals/{reqm.pk + 1000}/report/").status_code == 404


@pytest.mark.parametrize("page", ["report/", "matrix.xlsx"])
def test_an_observer_on_the_team_may_read_the_report(
    reqm: Appraisal, make_user: Any, client_for: Any, page: str
) -> None:
    observer = make_user(username="observer")
    TeamMember.objects.create(appraisal=reqm, user=observer, role="observer")

    assert client_for(observer).get(url(page, reqm)).status_code == 200


# --- the page ---------------------------------------------------------------------------------


def test_the_report_shows_plan_ratings_chart_heat_map_findings_and_path(
    reqm: Appraisal, reader: Any
) -> None:
    response = reader.get(url("report/", reqm))

    assert response.status_code == 200
    html = response.content.decode()
    pdf_url, xlsx_url = url("report.pdf", reqm), url("matrix.xlsx", reqm)
    assert f'href="{pdf_url}">Download PDF</a>' in html
    assert f'href="{xlsx_url}"' in html
    assert 'aria-current="page">Report</a>' in html  # the appraisal's tabs
    # plan: the team by name, affirmations by role group only
    assert "Alice Appraiser" in html
    assert "project managers" in html
    assert "Bob Builder" not in html
    # ratings with the weaknesses behind the unsatisfied goal
    assert "REQM SG 1" in html
    assert "REQM SP 1.3 is partially or not implemented" in html
    assert "changes by e-mail" in html
    assert "Maturity level: <strong>not reached</strong>" in html
    # the chart and its table
    assert '<svg role="img" aria-label="Capability profile of REQM check 2026' in html
    assert "Capability profile: achieved and target capability level per process area" in html
    # the heat map: the overview (areas by practices), then by unit; values as text
    assert '<span class="heat__id">SP 1.3</span> PI</td>' in html
    assert (
        'title="REQM GP 2.1 Establish an Organizational Policy: Fully implemented">FI</td>' in html
    )
    assert '<td class="heat--PI" title="alpha: Partially implemented">PI</td>' in html
    assert '<td class="heat--NI" title="beta: Not implemented">NI</td>' in html
    assert '<td class="heat__ou heat--PI">PI</td>' in html
    # findings and the path
    assert "Requirements changes are not logged." in html
    # ML 2 needs every ML 2 area: the others were not appraised
    assert "7 process areas, 21 goals, 110 practices to close." in html
    assert "Not in this appraisal's scope: CM, MA, PMC, PP, PPQA, SAM." in html


def test_a_large_appraisal_shows_the_overview_only_and_points_to_the_matrix(
    reqm: Appraisal, reader: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(report_module, "DETAIL_CELL_LIMIT", 10)

    html = reader.get(url("report/", reqm)).content.decode()

    assert '<span class="heat__id">SP 1.3</span> PI</td>' in html
    assert 'title="alpha: Partially implemented"' not in html
    assert "The practices by units (30 cells) are too many for a report" in html
    assert f'href="/appraisals/{reqm.pk}/matrix.xlsx">download it as XLSX</a>' in html


def test_the_report_reads_in_a_bounded_number_of_queries(
    reqm: Appraisal, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(60):
        report = appraisal_report(reqm)

    assert [area.abbreviation for area in report.areas] == ["REQM"]
    (area,) = report.areas
    assert (area.rating, area.capability_level, area.target_level, area.met) == (
        "unsatisfied",
        0,
        2,
        False,
    )
    assert [goal.ref for goal in area.goals] == ["REQM SG 1", "REQM GG 2"]
    (heat,) = report.heat_map
    assert [row.ref for row in heat.rows] == [*REQM_SPS, *(f"REQM {gp}" for gp in GG2_GPS)]
    assert (report.detail_cells, report.detail_shown) == (30, True)
    overview = report.heat_overview
    assert (overview.specific_width, overview.generic_labels) == (5, GG2_GPS)
    (row,) = overview.rows
    assert [(cell.label, cell.text) for cell in row.specific if cell] == [
        ("SP 1.1", "FI"),
        ("SP 1.2", "FI"),
        ("SP 1.3", "PI"),
        ("SP 1.4", "FI"),
        ("SP 1.5", "FI"),
    ]
    assert report.affirmations == (("project managers", "Interview", 1),)
    assert report.team == (("Alice Appraiser", "Lead appraiser"),)


def test_the_chart_is_svg_text_with_an_accessible_name() -> None:
    svg = capability_profile_svg(
        [ProfileBar("REQM", 2, 2), ProfileBar("PP", None, 3)], title="Profile <of> units"
    )

    assert svg.startswith('<svg role="img" aria-label="Profile &lt;of&gt; units"')
    assert svg.rstrip().endswith("</svg>")
    assert ">REQM<" in svg  # text stays text
    assert capability_profile_svg([], title="none") == ""


# --- the PDF ----------------------------------------------------------------------------------


def test_the_pdf_is_an_attachment_named_after_the_appraisal(reqm: Appraisal, reader: Any) -> None:
    response = reader.get(url("report.pdf", reqm))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="reqm-check-2026-report.pdf"'
    assert response.content.startswith(b"%PDF")


def test_the_pdf_loads_nothing_from_outside() -> None:
    with pytest.raises(
        ValueError, match=r"^a PDF of Uplift loads nothing from http://example\.com/x\.css$"
    ):
        _refuse_remote("http://example.com/x.css")
    with pytest.raises(ValueError, match="loads nothing"):
        _refuse_remote("file:///etc/passwd")


# --- the XLSX matrix --------------------------------------------------------------------------


def test_the_matrix_workbook_has_the_cells_ratings_and_weaknesses(
    reqm: Appraisal, reader: Any
) -> None:
    response = reader.get(url("matrix.xlsx", reqm))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="reqm-check-2026-matrix.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Matrix", "Ratings", "Weaknesses"]

    matrix = book["Matrix"]
    rows = list(matrix.iter_rows(values_only=True))
    assert rows[0] == (
        "Process area",
        "Goal",
        "Practice",
        "Title",
        "alpha",
        "beta",
        "Organizational unit",
    )
    sp13 = next(row for row in rows if row[2] == "REQM SP 1.3")
    assert sp13[:2] == ("REQM", "REQM SG 1")
    assert sp13[4:] == ("PI", "NI", "PI")
    assert len(rows) == 1 + len(REQM_SPS) + len(GG2_GPS)
    assert matrix.freeze_panes == "E2"
    assert matrix.auto_filter.ref == f"A1:G{len(rows)}"
    pi_cell = matrix.cell(row=rows.index(sp13) + 1, column=5)
    assert pi_cell.fill.fgColor.rgb.endswith("FDE68A")

    ratings = list(book["Ratings"].iter_rows(values_only=True))
    assert ("Maturity level", "not reached or undetermined") in [r[:2] for r in ratings]
    assert ("REQM", None, "Requirements Management", "unsatisfied", 0, None) in ratings
    goal = next(r for r in ratings if r[1] == "REQM SG 1")
    assert goal[3:5] == ("unsatisfied", None)

    weaknesses = list(book["Weaknesses"].iter_rows(values_only=True))
    assert weaknesses == [
        ("Practice", "Process area", "Unit", "Value", "Weakness"),
        ("REQM SP 1.3", "REQM", "alpha", "PI", "'" + INJECTION),
        ("REQM SP 1.3", "REQM", "alpha", "PI", "no change log"),
        ("REQM SP 1.3", "REQM", "beta", "NI", "changes by e-mail"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+call", "'+call"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (3, 3),
        (None, None),
    ],
)
def test_texts_that_look_like_formulas_are_neutralised(text: Any, expected: Any) -> None:
    assert safe_text(text) == expected
