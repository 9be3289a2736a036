"""The ITSM ↔ CMMI-SVC mapping of a service and its unit's latest appraisal results
(``selectors_mapping``), and the service page's panel showing them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories.organization import OrganizationalUnitFactory
from tests.factories.service_portfolio import ServiceFactory
from uplift.apps.appraisals.models import Appraisal, RatingSnapshot, TeamMember
from uplift.apps.library.models import ProcessModel
from uplift.apps.library.services import library_import_file
from uplift.apps.service_portfolio.models import Service
from uplift.apps.service_portfolio.selectors_mapping import (
    DRAFT_COUNTERPARTS,
    MappingRows,
    service_mapping,
    unit_appraisal_results,
)

pytestmark = pytest.mark.django_db

LIBRARY = Path(__file__).resolve().parents[3] / "data" / "library"

# A SCAMPI B's stored rating, as ``AppraisalResult.as_json()`` writes it (trimmed to the
# keys read): IRP unsatisfied (one of its two specific goals), REQM and CAM satisfied,
# OPF outside the scope.
RESULT: dict[str, Any] = {
    "process_areas": {
        "REQM": {"rating": "satisfied", "capability_level": None},
        "CAM": {"rating": "satisfied", "capability_level": None},
        "IRP": {"rating": "unsatisfied", "capability_level": None},
        "OPF": {"rating": "not_rated", "capability_level": None},
    },
    "goals": {
        "REQM SG 1": "satisfied",
        "REQM GG 2": "satisfied",
        "CAM SG 1": "satisfied",
        "CAM SG 2": "satisfied",
        "IRP SG 1": "satisfied",
        "IRP SG 2": "unsatisfied",
        "IRP SG 3": "unsatisfied",
    },
    "maturity_level": None,
}


@pytest.fixture
def library(db: None) -> dict[str, ProcessModel]:
    """The two models of the mapping, and CMMI-SVC v1.3 the units are appraised against."""
    return {
        "draft": library_import_file(path=LIBRARY / "cmmi-svc-overview-2007.yaml"),
        "itsm": library_import_file(path=LIBRARY / "bs15000-itsm.yaml"),
        "svc": library_import_file(path=LIBRARY / "cmmi-svc-1.3.yaml"),
    }


@pytest.fixture
def unit(db: None) -> Any:
    return OrganizationalUnitFactory(name="Managed Services", model_identifier="CMMI-SVC")


@pytest.fixture
def service(unit: Any) -> Service:
    return ServiceFactory(
        slug="service-desk", name="Service Desk", unit=unit, itsm_processes=["SLM", "incm", "XYZ"]
    )


def rated(
    unit: Any,
    model: ProcessModel,
    *,
    name: str,
    end: dt.date | None,
    result: dict[str, Any] | None = None,
    klass: str = "B",
) -> Appraisal:
    appraisal = Appraisal.objects.create(
        name=name,
        appraisal_class=klass,
        model=model,
        representation="staged",
        target_maturity_level=3,
        organizational_unit=unit,
        status="rated",
        start_date=end - dt.timedelta(days=5) if end else None,
        end_date=end,
    )
    if result is not None:
        RatingSnapshot.objects.create(
            appraisal=appraisal, result=result, maturity_level=None, computed_at=timezone.now()
        )
    return appraisal


# -- the mapping ---------------------------------------------------------------------------------


def test_without_the_library_the_panel_says_how_to_load_it(service: Service) -> None:
    rows = service_mapping(service)
    assert isinstance(rows, MappingRows)
    assert list(rows) == []
    assert "uplift setup" in rows.reason


def test_every_itsm_process_is_mapped_and_the_services_own_are_marked(
    library: dict[str, ProcessModel], service: Service
) -> None:
    rows = service_mapping(service)
    assert rows.reason == ""
    assert rows.source_reference == "BS15000-ITSM@2002"
    assert rows.target_reference == "CMMI-SVC-OVERVIEW@2007-draft"
    assert [row.abbreviation for row in rows] == [
        "CAPM", "SCAM", "SLM", "SREP", "ISM", "BAIT", "RELM",
        "INCM", "PRBM", "BRM", "SUPM", "CONM", "CHGM",
    ]  # fmt: skip
    assert [row.abbreviation for row in rows.exercised] == ["SLM", "INCM"]
    assert len(rows.others) == 11
    assert rows.unknown == ("XYZ",)
    by_abbreviation = {row.abbreviation: row for row in rows}
    incident = by_abbreviation["INCM"]
    assert (incident.name, incident.category) == ("Incident Management", "Resolution Processes")
    assert [(t.abbreviation, t.name) for t in incident.targets] == [
        ("IRM", "Incident and Request Management")
    ]
    assert incident.targets[0].url == reverse(
        "library:process_area_detail", args=["CMMI-SVC-OVERVIEW", "2007-draft", "IRM"]
    )
    # Target areas in the CMMI-SVC model's order.
    assert [t.abbreviation for t in by_abbreviation["SCAM"].targets] == ["CAM", "SCON"]
    security = by_abbreviation["ISM"]
    assert (security.covered, security.targets) == (False, ())
    assert "does not address" in security.note
    assert rows.appraised_areas == frozenset()  # no results given


def test_the_mapping_reads_three_queries(
    library: dict[str, ProcessModel], service: Service
) -> None:
    with CaptureQueriesContext(connection) as queries:
        service_mapping(service)
    assert len(queries.captured_queries) == 3


def test_the_units_ratings_sit_beside_the_areas_mapped_to(
    library: dict[str, ProcessModel], service: Service, unit: Any
) -> None:
    rated(
        unit,
        library["svc"],
        name="Managed Services SCAMPI B 2025",
        end=dt.date(2025, 4, 30),
        result=RESULT,
    )
    results = unit_appraisal_results(unit)
    rows = service_mapping(service, results=results)
    incident = next(row for row in rows if row.abbreviation == "INCM")
    [target] = incident.targets
    assert (target.abbreviation, target.appraised_as) == ("IRM", "IRP")  # v1.3's counterpart
    assert target.appraised is not None
    assert (target.appraised.rating, target.appraised.rating_label) == (
        "unsatisfied",
        "Unsatisfied",
    )
    level = next(row for row in rows if row.abbreviation == "SLM")
    assert [(t.appraised_as, t.appraised.rating) for t in level.targets] == [  # type: ignore[union-attr]
        ("REQM", "satisfied")
    ]
    release = next(row for row in rows if row.abbreviation == "RELM")
    assert [(t.abbreviation, t.appraised) for t in release.targets] == [
        ("ST", None)
    ]  # SST not rated
    assert rows.appraised_areas == frozenset({"IRP", "REQM"})
    assert DRAFT_COUNTERPARTS["PRM"] == "IRP"


def test_ratings_of_another_constellation_are_not_put_beside_the_areas(
    library: dict[str, ProcessModel], service: Service, unit: Any
) -> None:
    dev = library_import_file(path=LIBRARY / "cmmi-dev-1.3.yaml")
    rated(unit, dev, name="Dev appraisal", end=dt.date(2025, 4, 30), result=RESULT)
    rows = service_mapping(service, results=unit_appraisal_results(unit))
    assert all(t.appraised is None for row in rows for t in row.targets)


# -- the unit's appraisal results ------------------------------------------------------------------


def test_the_latest_rated_appraisal_of_the_unit_with_its_area_ratings(
    library: dict[str, ProcessModel], unit: Any
) -> None:
    svc = library["svc"]
    rated(unit, svc, name="Older", end=dt.date(2024, 3, 1), result={"process_areas": {}})
    latest = rated(
        unit, svc, name="Managed Services SCAMPI B 2025", end=dt.date(2025, 4, 30), result=RESULT
    )
    rated(unit, svc, name="Planned, not rated", end=dt.date(2026, 6, 1))
    rated(
        OrganizationalUnitFactory(),
        svc,
        name="Another unit",
        end=dt.date(2026, 1, 1),
        result=RESULT,
    )
    with CaptureQueriesContext(connection) as queries:
        results = unit_appraisal_results(unit)
    assert len(queries.captured_queries) == 2
    assert results is not None
    assert (results.appraisal_id, results.name, results.method) == (
        latest.pk,
        "Managed Services SCAMPI B 2025",
        "SCAMPI B",
    )
    assert (results.model_reference, results.unit_name, results.held_on) == (
        "CMMI-SVC@1.3",
        "Managed Services",
        dt.date(2025, 4, 30),
    )
    assert (results.maturity_level, results.target_maturity_level) == (None, 3)
    assert results.url == reverse("appraisals:appraisal_detail", args=[latest.pk])
    # In the model's order; OPF (outside the scope) left out of the table.
    assert [(a.abbreviation, a.name, a.rating) for a in results.areas] == [
        ("CAM", "Capacity and Availability Management", "satisfied"),
        ("IRP", "Incident Resolution and Prevention", "unsatisfied"),
        ("REQM", "Requirements Management", "satisfied"),
    ]
    incident = results.area("IRP")
    assert incident is not None
    assert (incident.goals_satisfied, incident.goals_total) == (1, 3)
    assert results.area("OPF").rating == "not_rated"  # type: ignore[union-attr]
    assert results.satisfied_count == 2
    assert [a.abbreviation for a in results.unsatisfied] == ["IRP"]


def test_a_unit_without_a_rated_appraisal_has_no_results(
    library: dict[str, ProcessModel], unit: Any
) -> None:
    assert unit_appraisal_results(unit) is None
    rated(unit, library["svc"], name="Planned", end=None)
    assert unit_appraisal_results(unit) is None
    assert unit_appraisal_results(None) is None


def test_a_reader_sees_only_the_appraisals_they_may_see(
    library: dict[str, ProcessModel], unit: Any, outsider: User, practitioner: User
) -> None:
    appraisal = rated(unit, library["svc"], name="B", end=dt.date(2025, 4, 30), result=RESULT)
    assert unit_appraisal_results(unit, user=outsider) is None
    assert unit_appraisal_results(unit, user=practitioner) is not None
    TeamMember.objects.create(appraisal=appraisal, user=outsider)
    assert unit_appraisal_results(unit, user=outsider) is not None


# -- the panel -------------------------------------------------------------------------------------


def panel(service: Service, *, results: Any = None, mapping: bool = True) -> str:
    rows = (
        service_mapping(service, results=results)
        if mapping
        else MappingRows(reason="No mapping here.")
    )
    context = {"service": service, "mapping_rows": rows, "appraisal_results": results}
    return render_to_string("partials/service_portfolio/mapping.html", context)


def test_the_panel_shows_the_services_processes_and_the_units_ratings(
    library: dict[str, ProcessModel], service: Service, unit: Any
) -> None:
    rated(
        unit,
        library["svc"],
        name="Managed Services SCAMPI B 2025",
        end=dt.date(2025, 4, 30),
        result=RESULT,
    )
    text = panel(service, results=unit_appraisal_results(unit))
    assert "Incident Management</a>" in text
    assert (
        'appraised as <span class="ident">IRP</span>, '
        '<span class="badge badge--danger">Unsatisfied</span>' in text
    )
    assert "ITSM model: XYZ. Correct the service" in text
    assert "The other 11 ITSM processes" in text
    assert "Not covered by CMMI for Services" in text
    assert "Managed Services SCAMPI B 2025</a>: SCAMPI B against CMMI-SVC@1.3" in text
    assert "Maturity level not reached (target 3)." in text
    assert "2 of 3 process areas satisfied." in text
    assert "1 of 3" in text  # IRP's goals


def test_the_panel_says_what_to_do_when_something_is_missing(
    library: dict[str, ProcessModel], unit: Any
) -> None:
    bare = ServiceFactory(slug="bare", name="Bare", unit=unit, itsm_processes=[])
    text = panel(bare)
    assert "This service names no ITSM processes it exercises." in text
    assert "The whole mapping (13 ITSM processes)" in text
    assert "No rated appraisal of Managed Services yet." in text
    assert "No mapping here." in panel(bare, mapping=False)


def test_the_service_page_shows_the_panel(
    client_for: Any,
    practitioner: User,
    library: dict[str, ProcessModel],
    service: Service,
    unit: Any,
) -> None:
    rated(
        unit,
        library["svc"],
        name="Managed Services SCAMPI B 2025",
        end=dt.date(2025, 4, 30),
        result=RESULT,
    )
    response = client_for(practitioner).get(
        reverse("service_portfolio:service_detail", args=["service-desk"])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "ITSM processes and CMMI for Services" in page
    assert "Latest appraisal of Managed Services" in page
    assert 'appraised as <span class="ident">IRP</span>' in page
