"""What a service page shows beside its scorecard: the ITSM ↔ CMMI-SVC mapping of the
processes the service exercises, and the latest appraisal results of the service's
organizational unit.

- :func:`service_mapping`: the library's BS 15000 ITSM → CMMI for Services mapping
  (``data/library/bs15000-itsm.yaml``, loaded by ``uplift setup``), one row per ITSM
  process, the service's ``itsm_processes`` marked as exercised. When the library lacks
  the mapping the rows are empty and ``reason`` says what to do.
- :func:`unit_appraisal_results`: the unit's latest appraisal with a stored rating
  (e.g. the SCAMPI B of Managed Services against CMMI-SVC): per process area its
  rating and goal satisfaction, the date, the method and a link.

Given the results, the mapping's CMMI-SVC areas carry the unit's rating of the same
area, so a service exercising Incident Management shows how the unit's incident
resolution was rated. The mapping targets the 2007 draft overview of CMMI-SVC while
units are appraised against CMMI-SVC v1.3: an area keeps its abbreviation, except the
draft areas whose v1.3 counterpart the library's notes on the draft name
(``data/library/cmmi-svc-overview-2007.yaml``): IRM and PRM became IRP, ST became SST,
OSM became STSM (:data:`DRAFT_COUNTERPARTS`).

Reads only, in a fixed number of queries: three for the mapping, two for the results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from uplift.apps.appraisals.selectors import appraisal_latest_rated
from uplift.apps.library.selectors import mapping_from_model, model_area_names
from uplift.apps.service_portfolio.models import Service

__all__ = [
    "AREA_RATING_LABELS",
    "DRAFT_COUNTERPARTS",
    "ITSM_MODEL",
    "AreaResult",
    "MappingRow",
    "MappingRows",
    "MappingTarget",
    "UnitAppraisalResults",
    "service_mapping",
    "unit_appraisal_results",
]

ITSM_MODEL = "BS15000-ITSM"
"""The library model whose mapping the panel shows (its first mapping by identifier)."""

DRAFT_COUNTERPARTS: dict[str, str] = {"IRM": "IRP", "PRM": "IRP", "ST": "SST", "OSM": "STSM"}
"""CMMI-SVC 2007 draft area → its v1.3 counterpart, as the library's notes on the draft
say; every other area keeps its abbreviation."""

AREA_RATING_LABELS: dict[str, str] = {
    "satisfied": "Satisfied",
    "unsatisfied": "Unsatisfied",
    "pending": "Pending a team judgment",
    "not_applicable": "Not applicable",
    "not_rated": "Not rated",
}


# -- the unit's appraisal results ----------------------------------------------------------


@dataclass(frozen=True)
class AreaResult:
    """One process area as the appraisal rated it."""

    abbreviation: str
    name: str
    rating: str  # a value of AREA_RATING_LABELS
    capability_level: int | None
    goals_satisfied: int
    goals_total: int
    goals: tuple[tuple[str, str], ...]  # (goal reference, rating), e.g. ("CAM SG 1", "satisfied")

    @property
    def rating_label(self) -> str:
        return AREA_RATING_LABELS.get(self.rating, self.rating)

    @property
    def satisfied(self) -> bool:
        return self.rating == "satisfied"


@dataclass(frozen=True)
class UnitAppraisalResults:
    """The latest rated appraisal of an organizational unit, as stored at its rating."""

    appraisal_id: int
    name: str
    method: str  # "SCAMPI B", or "Appraisal" when the class is not known
    model_identifier: str
    model_reference: str  # "CMMI-SVC@1.3"
    unit_name: str
    held_on: dt.date | None  # the end date, else the start date
    rated_at: dt.datetime
    representation: str
    maturity_level: int | None
    target_maturity_level: int | None
    url: str
    areas: tuple[AreaResult, ...]  # every area rated (not the ones outside the scope)
    by_abbreviation: dict[str, AreaResult] = field(repr=False, compare=False)

    def area(self, abbreviation: str) -> AreaResult | None:
        return self.by_abbreviation.get(abbreviation)

    @property
    def satisfied_count(self) -> int:
        return sum(area.satisfied for area in self.areas)

    @property
    def unsatisfied(self) -> tuple[AreaResult, ...]:
        return tuple(area for area in self.areas if area.rating == "unsatisfied")


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _area_results(result: dict[str, Any], names: dict[str, str]) -> dict[str, AreaResult]:
    goals: dict[str, list[tuple[str, str]]] = {}
    raw_goals = result.get("goals")
    for ref, rating in (raw_goals if isinstance(raw_goals, dict) else {}).items():
        abbreviation = str(ref).split(" ", 1)[0]
        goals.setdefault(abbreviation, []).append((str(ref), str(rating)))
    raw_areas = result.get("process_areas")
    raw_areas = raw_areas if isinstance(raw_areas, dict) else {}
    order = {abbreviation: n for n, abbreviation in enumerate(names)}
    areas: dict[str, AreaResult] = {}
    for abbreviation in sorted(raw_areas, key=lambda a: (order.get(a, len(order)), a)):
        value = raw_areas[abbreviation]
        value = value if isinstance(value, dict) else {}
        area_goals = tuple(goals.get(abbreviation, ()))
        areas[abbreviation] = AreaResult(
            abbreviation=abbreviation,
            name=names.get(abbreviation, abbreviation),
            rating=str(value.get("rating") or "not_rated"),
            capability_level=_int(value.get("capability_level")),
            goals_satisfied=sum(rating == "satisfied" for _, rating in area_goals),
            goals_total=len(area_goals),
            goals=area_goals,
        )
    return areas


def unit_appraisal_results(unit: Any, *, user: Any = None) -> UnitAppraisalResults | None:
    """The latest appraisal of ``unit`` (an organizational unit) that has a stored rating,
    or None. ``user`` given: only an appraisal that user may see. Two queries."""
    if unit is None:
        return None
    appraisal = appraisal_latest_rated(organizational_unit_id=unit.pk, user=user)
    if appraisal is None:
        return None
    snapshot = appraisal.rating
    result = snapshot.result if isinstance(snapshot.result, dict) else {}
    by_abbreviation = _area_results(result, model_area_names(model_id=appraisal.model_id))
    klass = appraisal.appraisal_class
    return UnitAppraisalResults(
        appraisal_id=appraisal.pk,
        name=appraisal.name,
        method=f"SCAMPI {klass}" if klass else "Appraisal",
        model_identifier=appraisal.model.identifier,
        model_reference=appraisal.model.reference,
        unit_name=(
            appraisal.organizational_unit.name
            if appraisal.organizational_unit is not None
            else appraisal.organizational_unit_name
        ),
        held_on=appraisal.end_date or appraisal.start_date,
        rated_at=snapshot.computed_at,
        representation=appraisal.get_representation_display(),
        maturity_level=snapshot.maturity_level,
        target_maturity_level=appraisal.target_maturity_level,
        url=reverse("appraisals:appraisal_detail", args=[appraisal.pk]),
        areas=tuple(area for area in by_abbreviation.values() if area.rating != "not_rated"),
        by_abbreviation=by_abbreviation,
    )


# -- the ITSM ↔ CMMI-SVC mapping -----------------------------------------------------------


@dataclass(frozen=True)
class MappingTarget:
    """A CMMI-SVC process area an ITSM process maps to, and the unit's rating of it
    (``appraised_as`` is the area's abbreviation in the appraised model)."""

    abbreviation: str
    name: str
    url: str
    appraised_as: str = ""
    appraised: AreaResult | None = None


@dataclass(frozen=True)
class MappingRow:
    """One ITSM process of the library's mapping; ``exercised`` by the service or not.
    No targets means CMMI-SVC does not cover the process."""

    abbreviation: str
    name: str
    category: str
    purpose: str
    url: str
    exercised: bool
    targets: tuple[MappingTarget, ...]
    note: str

    @property
    def covered(self) -> bool:
        return bool(self.targets)


class MappingRows(list[MappingRow]):
    """The mapping's rows in the library's order, with what they come from.

    ``reason`` says why there are no rows (the library lacks the mapping); ``unknown``
    lists the service's ITSM processes the mapping does not know (a typo, or another
    model's identifiers).
    """

    def __init__(
        self,
        rows: Iterable[MappingRow] = (),
        *,
        reason: str = "",
        name: str = "",
        notes: str = "",
        source_reference: str = "",
        target_reference: str = "",
        unknown: tuple[str, ...] = (),
        appraisal: UnitAppraisalResults | None = None,
    ) -> None:
        super().__init__(rows)
        self.reason = reason
        self.name = name
        self.notes = notes
        self.source_reference = source_reference
        self.target_reference = target_reference
        self.unknown = unknown
        self.appraisal = appraisal

    @property
    def exercised(self) -> list[MappingRow]:
        return [row for row in self if row.exercised]

    @property
    def others(self) -> list[MappingRow]:
        return [row for row in self if not row.exercised]

    @property
    def appraised_areas(self) -> frozenset[str]:
        """The appraised areas the service's exercised processes map to (``IRP``…)."""
        return frozenset(
            target.appraised_as
            for row in self
            if row.exercised
            for target in row.targets
            if target.appraised_as
        )


NO_MAPPING_REASON = (
    "The model library has no BS 15000 ITSM model with a mapping to CMMI for Services. "
    "Run “uplift setup” to load the shipped models (data/library/bs15000-itsm.yaml)."
)


def _appraised(
    abbreviation: str, results: UnitAppraisalResults | None
) -> tuple[str, AreaResult | None]:
    if results is None or not results.model_identifier.startswith("CMMI-SVC"):
        return "", None
    for candidate in (abbreviation, DRAFT_COUNTERPARTS.get(abbreviation, "")):
        area = results.area(candidate) if candidate else None
        if area is not None:
            return candidate, area
    return "", None


def _area_url(model: Any, abbreviation: str) -> str:
    return reverse(
        "library:process_area_detail", args=[model.identifier, model.version, abbreviation]
    )


def service_mapping(
    service: Service, *, results: UnitAppraisalResults | None = None
) -> MappingRows:
    """The ITSM processes of the library's BS 15000 mapping, the service's own marked
    ``exercised``, each with the CMMI-SVC areas it maps to. With ``results`` (the unit's
    :func:`unit_appraisal_results`) each target area carries the unit's rating of it.
    Empty with a ``reason`` when the library lacks the mapping. Three queries."""
    mapping = mapping_from_model(identifier=ITSM_MODEL)
    if mapping is None:
        return MappingRows(reason=NO_MAPPING_REASON, appraisal=results)
    exercised = {str(p).strip().upper() for p in service.itsm_processes or () if str(p).strip()}
    source, target = mapping.model, mapping.target_model
    rows: list[MappingRow] = []
    for entry in mapping.entries.all():
        area = entry.source_area
        targets = []
        for target_area in entry.target_areas.all():
            appraised_as, appraised = _appraised(target_area.abbreviation, results)
            targets.append(
                MappingTarget(
                    abbreviation=target_area.abbreviation,
                    name=target_area.name,
                    url=_area_url(target, target_area.abbreviation),
                    appraised_as=appraised_as,
                    appraised=appraised,
                )
            )
        rows.append(
            MappingRow(
                abbreviation=area.abbreviation,
                name=area.name,
                category=area.category.name if area.category is not None else "",
                purpose=area.purpose,
                url=_area_url(source, area.abbreviation),
                exercised=area.abbreviation.upper() in exercised,
                targets=tuple(targets),
                note=entry.note,
            )
        )
    known = {row.abbreviation.upper() for row in rows}
    return MappingRows(
        rows,
        name=mapping.name,
        notes=mapping.notes,
        source_reference=source.reference,
        target_reference=target.reference,
        unknown=tuple(sorted(exercised - known)),
        appraisal=results,
    )
