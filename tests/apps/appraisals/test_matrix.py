"""The characterization matrix page and its in-place cells (views.matrix, matrix.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.apps.appraisals.conftest import GG2_GPS, REQM_SPS, as_yaml, reqm_ml2
from uplift.apps.accounts.roles import Role
from uplift.apps.appraisals.choices import AppraisalStatus, AreaScope, TeamRole, UnitKind
from uplift.apps.appraisals.matrix import (
    MatrixFilters,
    iter_rows,
    matrix_area_rating,
    matrix_get,
    matrix_outline,
)
from uplift.apps.appraisals.models import (
    Appraisal,
    AppraisalArea,
    AppraisalUnit,
    Artifact,
    Characterization,
    EvidenceLink,
    TeamMember,
)
from uplift.apps.appraisals.selectors import appraisal_rating
from uplift.apps.appraisals.services import appraisal_characterize, appraisal_import
from uplift.apps.library.selectors import model_rating_index

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def reqm(cmmi_dev: Any) -> Appraisal:
    """REQM narrowed ML 2 at alpha and beta, every practice FI."""
    return appraisal_import(data=as_yaml(reqm_ml2()), filename="reqm.yaml")


@pytest.fixture
def reqm_alone(cmmi_dev: Any) -> Appraisal:
    """REQM narrowed ML 2 at alpha only, every practice FI (one NI makes a goal unsatisfied)."""
    cells = {ref: {"alpha": "FI"} for ref in REQM_SPS}
    cells |= {f"REQM {gp}": {"alpha": "FI"} for gp in GG2_GPS}
    data = reqm_ml2(basic_units=["alpha"], characterizations=cells)
    return appraisal_import(data=as_yaml(data), filename="reqm-alpha.yaml")


def _member(make_user: Any, appraisal: Appraisal, role: str = TeamRole.TEAM_MEMBER) -> Any:
    user = make_user(username=f"{role}.{appraisal.pk}")
    TeamMember.objects.create(appraisal=appraisal, user=user, role=role)
    return user


def _ids(appraisal: Appraisal, ref: str, unit: str) -> tuple[int, int, int]:
    practice_id, area_id = model_rating_index(appraisal.model).practices[ref]
    return area_id, practice_id, AppraisalUnit.objects.get(appraisal=appraisal, name=unit).pk


def _cell_url(appraisal: Appraisal, ref: str, unit: str) -> str:
    area_id, practice_id, unit_id = _ids(appraisal, ref, unit)
    return reverse("appraisals:appraisal_cell", args=[appraisal.pk, area_id, practice_id, unit_id])


def _fields(cell_url: str, **data: str) -> dict[str, str]:
    """The editor's fields as posted: named after their cell (``c<area>-<practice>-<unit>-``)."""
    area_id, practice_id, unit_id = cell_url.rstrip("/").split("/")[-3:]
    return {f"c{area_id}-{practice_id}-{unit_id}-{name}": value for name, value in data.items()}


def _matrix_url(appraisal: Appraisal) -> str:
    return reverse("appraisals:appraisal_matrix", args=[appraisal.pk])


def _value(appraisal: Appraisal, ref: str, unit: str) -> str:
    area_id, practice_id, unit_id = _ids(appraisal, ref, unit)
    return Characterization.objects.get(
        process_area_id=area_id, practice_id=practice_id, unit_id=unit_id
    ).value


# -- the read model ------------------------------------------------------------------------------


def test_the_rows_are_the_practices_the_rating_rates_grouped_by_area_and_goal(reqm: Any) -> None:
    matrix = matrix_get(reqm, outline=matrix_outline(reqm))

    assert [u.name for u in matrix.units] == ["alpha", "beta"]
    assert [(a.abbreviation, [g.ref for g in a.goals]) for a in matrix.areas] == [
        ("REQM", ["REQM SG 1", "REQM GG 2"])  # ML 2: no GG 3
    ]
    assert [r.ref for r in iter_rows(matrix)] == [*REQM_SPS, *(f"REQM {gp}" for gp in GG2_GPS)]
    assert (matrix.row_count, matrix.cell_count, matrix.characterized) == (15, 30, 30)
    assert matrix.areas[0].result.capability_level == 2
    assert matrix.areas[0].goals[0].title == "Manage Requirements"


def test_support_functions_come_after_the_basic_units(reqm: Any) -> None:
    AppraisalUnit.objects.create(
        appraisal=reqm, name="quality", kind=UnitKind.SUPPORT_FUNCTION, order=0
    )
    AppraisalUnit.objects.create(appraisal=reqm, name="gamma", order=9)

    outline = matrix_outline(reqm)

    assert [u.name for u in outline.units] == ["alpha", "beta", "gamma", "quality"]


def test_an_ml3_target_adds_the_generic_goal_of_level_3(cmmi_dev: Any) -> None:
    appraisal = appraisal_import(
        data=as_yaml(reqm_ml2(target_maturity_level=3, characterizations={})), filename="x.yaml"
    )

    outline = matrix_outline(appraisal)

    assert [g.ref for g in outline.goals["REQM"]] == ["REQM SG 1", "REQM GG 2", "REQM GG 3"]


def test_the_rating_of_one_area_matches_the_whole_rating(reqm: Any) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.2", unit="alpha", value="NI")
    appraisal_characterize(
        appraisal=reqm, practice="REQM GP 2.2", unit="beta", value="LI", weaknesses=["late"]
    )
    outline = matrix_outline(reqm)
    area_id = outline.index.areas["REQM"]

    one = matrix_area_rating(reqm, outline=outline, area_id=area_id, practice_ref="REQM GP 2.2")
    whole = appraisal_rating(reqm)

    assert one.result == whole.areas["REQM"]
    assert _practice(one.practice) == _practice(whole.practices["REQM GP 2.2"])
    assert one.goal_ref == "REQM GG 2"
    assert _goal(one.goal) == _goal(whole.goals["REQM GG 2"])


def _practice(result: Any) -> tuple[Any, ...]:
    return (result.value, result.needs_judgment, result.candidates, result.judged)


def _goal(result: Any) -> tuple[Any, ...]:
    return (result.rating, result.reason, result.judged)


def test_the_matrix_rates_as_the_appraisal_rating_does(
    cmmi_dev: Any, django_user_model: Any
) -> None:
    data = reqm_ml2(
        target_maturity_level=3,
        process_areas=["REQM", "PP"],
        characterizations={
            "REQM SP 1.1": {"alpha": "FI", "beta": "PI"},
            "REQM SP 1.2": {"alpha": "LI", "beta": "LI"},
            "PP SP 1.1": {"alpha": "NI", "beta": "NY"},
            "REQM GP 3.1": {"alpha": "FI", "beta": "FI"},
        },
        judgments={
            "practices": {"REQM SP 1.1": {"value": "LI", "rationale": "minor"}},
            "goals": {"REQM SG 1": {"value": "unsatisfied", "rationale": "weak"}},
        },
    )
    appraisal = appraisal_import(data=as_yaml(data), filename="mixed.yaml")
    # The judged practice's cells change: the judgment is no longer a candidate.
    appraisal_characterize(appraisal=appraisal, practice="REQM SP 1.1", unit="beta", value="NI")
    appraisal_characterize(appraisal=appraisal, practice="REQM SP 1.1", unit="alpha", value="NI")

    mine = matrix_get(appraisal, outline=matrix_outline(appraisal)).result
    theirs = appraisal_rating(appraisal)

    assert {r: _practice(p) for r, p in mine.practices.items()} == {
        r: _practice(p) for r, p in theirs.practices.items()
    }
    assert {r: _goal(g) for r, g in mine.goals.items()} == {
        r: _goal(g) for r, g in theirs.goals.items()
    }
    assert mine.areas == theirs.areas
    assert (mine.maturity_level, mine.open_judgments) == (
        theirs.maturity_level,
        theirs.open_judgments,
    )
    assert mine.warnings == theirs.warnings
    assert mine.warnings  # the stale judgment is said


# -- the page -------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(anonymous: Any, reqm: Any) -> None:
    response = anonymous.get(_matrix_url(reqm))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_outsider_cannot_see_the_matrix(client_for: Any, outsider: Any, reqm: Any) -> None:
    assert client_for(outsider).get(_matrix_url(reqm)).status_code == 404
    assert client_for(outsider).get(_cell_url(reqm, "REQM SP 1.1", "alpha")).status_code == 404


def test_the_page_shows_units_practices_values_and_ratings(
    client_for: Any, make_user: Any, reqm: Any
) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.3", unit="beta", value="LI")
    user = _member(make_user, reqm)

    response = client_for(user).get(_matrix_url(reqm))

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<th scope="col" class="m-unit">alpha</th>', html)
    assert re.search(r'<th scope="col" class="m-unit">beta</th>', html)
    assert "Understand Requirements" in html
    area_id, practice_id, unit_id = _ids(reqm, "REQM SP 1.3", "beta")
    cell = re.search(rf'<td id="c{area_id}-{practice_id}-{unit_id}">(.*?)</td>', html)
    assert cell is not None
    assert 'class="v LI ne"' in cell.group(1)  # a value, no evidence: it stands out
    assert f'formaction="cells/{area_id}/{practice_id}/{unit_id}/"' in cell.group(1)
    assert "not reached" in html  # REQM alone cannot reach ML 2
    assert "CL 2" in html
    assert 'hx-headers=\'{"X-CSRFToken"' in html  # htmx posts carry the token (base.html)


def test_a_cell_shows_how_much_evidence_it_has(client_for: Any, make_user: Any, reqm: Any) -> None:
    area_id, practice_id, unit_id = _ids(reqm, "REQM SP 1.1", "alpha")
    for name in ("plan", "minutes"):
        artifact = Artifact.objects.create(
            appraisal=reqm, name=name, link=f"https://example.test/{name}"
        )
        EvidenceLink.objects.create(
            appraisal=reqm,
            artifact=artifact,
            process_area_id=area_id,
            practice_id=practice_id,
            unit_id=unit_id,
        )

    html = client_for(_member(make_user, reqm)).get(_matrix_url(reqm)).content.decode()

    cell = re.search(rf'<td id="c{area_id}-{practice_id}-{unit_id}">(.*?)</td>', html)
    assert cell is not None
    assert 'class="v FI"' in cell.group(1)
    assert "<small>2</small>" in cell.group(1)
    assert "29 with a value but no evidence" in html


@pytest.mark.parametrize(
    ("query", "rows"),
    [
        ("", 15),
        ("?area=REQM", 15),
        ("?goal=REQM+SG+1", 5),
        ("?goal=REQM+GG+2", 10),
        ("?value=NI", 1),
        ("?value=FI", 15),
        ("?value=empty", 1),
        ("?value=LI", 0),
        ("?judgment=on", 1),
        ("?kind=support_function&value=FI", 0),
        ("?kind=basic_unit&goal=REQM+SG+1&value=NI", 1),
    ],
)
def test_filters_narrow_the_rows(
    client_for: Any, make_user: Any, reqm: Any, query: str, rows: int
) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.4", unit="alpha", value="NI")
    area_id, practice_id, unit_id = _ids(reqm, "REQM GP 2.5", "beta")
    Characterization.objects.filter(
        process_area_id=area_id, practice_id=practice_id, unit_id=unit_id
    ).delete()

    response = client_for(_member(make_user, reqm)).get(_matrix_url(reqm) + query)

    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row">') == rows


def test_a_practice_waiting_for_a_judgment_says_so(
    client_for: Any, make_user: Any, reqm: Any
) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.4", unit="alpha", value="NI")
    practice_id, area_id = model_rating_index(reqm.model).practices["REQM SP 1.4"]

    html = client_for(_member(make_user, reqm)).get(_matrix_url(reqm)).content.decode()

    assert f'<span id="o{area_id}-{practice_id}" class="v nj">judgment: LI or PI</span>' in html


def test_a_unit_kind_filter_keeps_only_those_columns(reqm: Any) -> None:
    AppraisalUnit.objects.create(appraisal=reqm, name="quality", kind=UnitKind.SUPPORT_FUNCTION)

    matrix = matrix_get(
        reqm,
        outline=matrix_outline(reqm),
        filters=MatrixFilters(unit_kind=UnitKind.SUPPORT_FUNCTION),
    )

    assert [u.name for u in matrix.units] == ["quality"]
    assert matrix.characterized == 0


@pytest.mark.parametrize(
    "query",
    [
        "?area=PP",  # not in scope
        "?area=nonsense",
        "?goal=REQM+SG+9",
        "?value=XX",
        "?kind=team",
        "?sort=name",  # unknown parameter
        "?goal=REQM+SG+1&goal=REQM+GG+2",  # given twice
        "?part=everything",
    ],
)
def test_a_bad_filter_is_a_bad_request(
    client_for: Any, make_user: Any, reqm: Any, query: str
) -> None:
    response = client_for(_member(make_user, reqm)).get(_matrix_url(reqm) + query)

    assert response.status_code == 400


def test_the_summary_part_answers_the_rating_alone(
    client_for: Any, make_user: Any, reqm: Any
) -> None:
    response = client_for(_member(make_user, reqm)).get(_matrix_url(reqm) + "?part=summary", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="matrix-summary"')
    assert "Maturity level" in html
    assert "<table" not in html


# -- reading only ----------------------------------------------------------------------------------


@pytest.fixture(params=["practitioner", "observer"])
def reader(request: Any, make_user: Any, reqm: Any) -> Any:
    """Someone who sees the appraisal but does not work on it."""
    if request.param == "practitioner":
        return make_user(Role.PRACTITIONER, username="reader")
    return _member(make_user, reqm, TeamRole.OBSERVER)


def test_readers_see_no_edit_controls(client_for: Any, reader: Any, reqm: Any) -> None:
    response = client_for(reader).get(_matrix_url(reqm))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<button" not in html.split('<table class="matrix', 1)[1]
    assert 'id="cell-open"' not in html
    assert 'class="v FI"' in html


def test_readers_cannot_open_or_save_a_cell(client_for: Any, reader: Any, reqm: Any) -> None:
    client = client_for(reader)
    url = _cell_url(reqm, "REQM SP 1.1", "alpha")

    opened = client.get(url, **HTMX)
    posted = client.post(url, _fields(url, value="NI"), **HTMX)

    assert (opened.status_code, posted.status_code) == (403, 403)
    assert _value(reqm, "REQM SP 1.1", "alpha") == "FI"


def test_a_closed_appraisal_shows_no_edit_controls_even_to_its_team(
    client_for: Any, make_user: Any, reqm: Any
) -> None:
    Appraisal.objects.filter(pk=reqm.pk).update(status=AppraisalStatus.CLOSED)

    html = client_for(_member(make_user, reqm)).get(_matrix_url(reqm)).content.decode()

    assert 'id="cell-open"' not in html
    assert "This appraisal is closed" in html


# -- editing ---------------------------------------------------------------------------------


def test_the_editor_opens_in_the_cell(client_for: Any, make_user: Any, reqm: Any) -> None:
    appraisal_characterize(
        appraisal=reqm, practice="REQM SP 1.1", unit="alpha", value="LI", weaknesses=["a", "b"]
    )
    area_id, practice_id, unit_id = _ids(reqm, "REQM SP 1.1", "alpha")

    response = client_for(_member(make_user, reqm)).get(
        _cell_url(reqm, "REQM SP 1.1", "alpha"), **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#c{area_id}-{practice_id}-{unit_id}"
    assert response["HX-Reswap"] == "innerHTML"
    assert '<option value="LI" selected>' in html
    assert "a\nb</textarea>" in html
    assert "<html" not in html


def test_without_javascript_the_editor_is_a_page(
    client_for: Any, make_user: Any, reqm: Any
) -> None:
    response = client_for(_member(make_user, reqm)).get(_cell_url(reqm, "REQM SP 1.1", "alpha"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert "hx-post" not in html
    assert "<h1>REQM SP 1.1" in html


def test_a_cell_not_in_the_matrix_is_not_found(client_for: Any, make_user: Any, reqm: Any) -> None:
    client = client_for(_member(make_user, reqm))
    area_id, practice_id, unit_id = _ids(reqm, "REQM SP 1.1", "alpha")
    pp_practice, pp_area = model_rating_index(reqm.model).practices["PP SP 1.1"]
    gp31 = model_rating_index(reqm.model).practices["REQM GP 3.1"][0]
    base = ["appraisals:appraisal_cell"]

    for args in [
        (reqm.pk, pp_area, pp_practice, unit_id),  # area out of scope
        (reqm.pk, area_id, gp31, unit_id),  # GG 3 is not rated at ML 2
        (reqm.pk, area_id, practice_id, 999_999),
        (999_999, area_id, practice_id, unit_id),
    ]:
        assert client.get(reverse(base[0], args=args)).status_code == 404, args


def test_the_editor_refuses_unknown_parameters(client_for: Any, make_user: Any, reqm: Any) -> None:
    url = _cell_url(reqm, "REQM SP 1.1", "alpha")
    client = client_for(_member(make_user, reqm))

    assert client.get(url + "?show=page").status_code == 400
    assert client.get(url + "?value=FI").status_code == 400


def test_a_team_member_saves_a_cell_and_the_goal_rating_comes_along(
    client_for: Any, make_user: Any, reqm_alone: Any
) -> None:
    user = _member(make_user, reqm_alone)
    index = model_rating_index(reqm_alone.model)
    goal_id, area_id = index.goals["REQM SG 1"]
    practice_id = index.practices["REQM SP 1.1"][0]

    url = _cell_url(reqm_alone, "REQM SP 1.1", "alpha")
    response = client_for(user).post(
        url,
        _fields(url, value="NI", notes="none seen", weaknesses="no review\n\n  no log  "),
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    cell = Characterization.objects.get(
        appraisal=reqm_alone, process_area_id=area_id, practice_id=practice_id
    )
    assert (cell.value, cell.notes, cell.weaknesses, cell.updated_by) == (
        "NI",
        "none seen",
        ["no review", "no log"],
        user,
    )
    assert html.lstrip().startswith('<button class="v NI ne" formaction="cells/')
    assert " autofocus>" in html.lstrip().split("\n", 1)[0]  # focus returns to the cell
    goal = re.search(rf'<span id="g{area_id}-{goal_id}" class="m-rating" hx-swap-oob="true">', html)
    assert goal is not None
    assert (
        html[goal.end() :]
        .lstrip()
        .startswith('<span class="badge badge--danger">unsatisfied</span>')
    )
    assert f'<span id="o{area_id}-{practice_id}" class="v NI" hx-swap-oob="true">NI</span>' in html
    assert f'<span id="a{area_id}" class="m-rating" hx-swap-oob="true">' in html
    assert 'hx-get="' + _matrix_url(reqm_alone) + '?part=summary" hx-trigger="load"' in html
    assert (
        '<p id="matrix-status" hx-swap-oob="innerHTML">'
        "REQM SP 1.1 at alpha: NI; REQM SG 1 now unsatisfied</p>"
    ) in html


def test_without_javascript_a_save_goes_back_to_the_matrix(
    client_for: Any, make_user: Any, reqm: Any
) -> None:
    area_id, practice_id, unit_id = _ids(reqm, "REQM SP 1.2", "beta")

    url = _cell_url(reqm, "REQM SP 1.2", "beta")
    response = client_for(_member(make_user, reqm)).post(url, _fields(url, value="LI"))

    assert response.status_code == 302
    assert response["Location"] == f"{_matrix_url(reqm)}#c{area_id}-{practice_id}-{unit_id}"
    assert _value(reqm, "REQM SP 1.2", "beta") == "LI"


def test_an_empty_cell_can_be_characterized(client_for: Any, make_user: Any, reqm: Any) -> None:
    AppraisalUnit.objects.create(appraisal=reqm, name="gamma", order=5)

    url = _cell_url(reqm, "REQM GP 2.3", "gamma")
    response = client_for(_member(make_user, reqm)).post(url, _fields(url, value="NY"), **HTMX)

    assert response.status_code == 200
    assert _value(reqm, "REQM GP 2.3", "gamma") == "NY"
    assert "REQM GG 2 now satisfied" in response.content.decode()


def test_a_refused_edit_shows_the_reason_in_the_editor(
    client_for: Any, make_user: Any, reqm: Any
) -> None:
    client = client_for(_member(make_user, reqm))
    Appraisal.objects.filter(pk=reqm.pk).update(status=AppraisalStatus.CLOSED)
    url = _cell_url(reqm, "REQM SP 1.1", "alpha")

    inline = client.post(url, _fields(url, value="NI"), **HTMX)
    page = client.post(url, _fields(url, value="NI"))

    assert inline.status_code == 200
    assert "the appraisal is closed; reopen it to change it" in inline.content.decode()
    assert 'role="alert"' in inline.content.decode()
    assert page.status_code == 422
    assert "the appraisal is closed" in page.content.decode()
    assert _value(reqm, "REQM SP 1.1", "alpha") == "FI"


def test_a_value_outside_the_scale_is_a_form_error(
    client_for: Any, make_user: Any, reqm: Any
) -> None:
    url = _cell_url(reqm, "REQM SP 1.1", "alpha")
    response = client_for(_member(make_user, reqm)).post(url, _fields(url, value="XX"), **HTMX)

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert _value(reqm, "REQM SP 1.1", "alpha") == "FI"


def test_cancel_gives_the_cell_back_focused(client_for: Any, make_user: Any, reqm: Any) -> None:
    response = client_for(_member(make_user, reqm)).get(
        _cell_url(reqm, "REQM SP 1.1", "alpha") + "?show=cell", **HTMX
    )

    assert response.content.decode().startswith('<button class="v FI')
    assert " autofocus>" in response.content.decode()


# -- cost: the same queries at any size -----------------------------------------------------------


def _bulk_appraisal(model: Any, areas: list[str], unit_count: int, target: int) -> Appraisal:
    """A staged appraisal of the given areas, every rated practice FI at every unit."""
    index = model_rating_index(model)
    appraisal = Appraisal.objects.create(
        name=f"bulk {unit_count}",
        model=model,
        representation="staged",
        target_maturity_level=target,
        status=AppraisalStatus.IN_PROGRESS,
    )
    AppraisalArea.objects.bulk_create(
        AppraisalArea(appraisal=appraisal, process_area_id=index.areas[a], scope=AreaScope.IN_SCOPE)
        for a in areas
    )
    units = AppraisalUnit.objects.bulk_create(
        AppraisalUnit(appraisal=appraisal, name=f"unit-{n}", order=n) for n in range(unit_count)
    )
    levels = (2, 3) if target >= 3 else (2,)
    refs = [
        ref
        for spec in index.structure.areas
        if spec.abbreviation in areas
        for goal in (
            *spec.specific_goals,
            *(g for g in spec.generic_goals if g.generic_level in levels),
        )
        for ref in goal.practices
    ]
    Characterization.objects.bulk_create(
        (
            Characterization(
                appraisal=appraisal,
                process_area_id=index.practices[ref][1],
                practice_id=index.practices[ref][0],
                unit=unit,
                value="FI",
            )
            for ref in refs
            for unit in units
        ),
        batch_size=2000,
    )
    return appraisal


@pytest.fixture
def small_and_large(cmmi_dev: Any) -> tuple[Appraisal, Appraisal]:
    """About 100 cells (REQM at 7 units) and about 10,000 (CMMI-DEV ML 5 at 24 units)."""
    every_area = list(model_rating_index(cmmi_dev).areas)
    return (
        _bulk_appraisal(cmmi_dev, ["REQM"], 7, 2),
        _bulk_appraisal(cmmi_dev, every_area, 24, 5),
    )


def test_saving_a_cell_costs_the_same_queries_at_100_and_10000_cells(
    client_for: Any,
    make_user: Any,
    small_and_large: tuple[Appraisal, Appraisal],
    django_assert_num_queries: Any,
) -> None:
    small, large = small_and_large
    assert small.characterizations.count() == 105
    assert large.characterizations.count() > 10_000
    clients = [client_for(_member(make_user, appraisal)) for appraisal in (small, large)]
    urls = [_cell_url(appraisal, "REQM SP 1.1", "unit-1") for appraisal in (small, large)]
    for client, url in zip(clients, urls, strict=True):  # warm both sessions' first queries
        client.post(url, _fields(url, value="FI"), **HTMX)

    with CaptureQueriesContext(connection) as at_100:
        clients[0].post(urls[0], _fields(urls[0], value="PI"), **HTMX)
    with django_assert_num_queries(len(at_100)):
        response = clients[1].post(urls[1], _fields(urls[1], value="PI"), **HTMX)

    assert response.status_code == 200
    assert "REQM SG 1 now pending" in response.content.decode()


def test_the_page_costs_the_same_queries_at_100_and_10000_cells(
    client_for: Any,
    make_user: Any,
    small_and_large: tuple[Appraisal, Appraisal],
    django_assert_num_queries: Any,
) -> None:
    small, large = small_and_large
    clients = [client_for(_member(make_user, appraisal)) for appraisal in (small, large)]
    for client, appraisal in zip(clients, (small, large), strict=True):
        client.get(_matrix_url(appraisal))

    with CaptureQueriesContext(connection) as at_100:
        clients[0].get(_matrix_url(small))
    with django_assert_num_queries(len(at_100)):
        response = clients[1].get(_matrix_url(large))

    assert response.content.decode().count('<th scope="row">') > 400
