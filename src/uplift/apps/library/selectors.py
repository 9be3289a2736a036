"""Reads of the model library. Views, the API and the CLI read through these."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from uplift.apps.library.choices import GoalKind, LevelKind
from uplift.apps.library.models import (
    Goal,
    Level,
    Mapping,
    MappingEntry,
    Outcome,
    Practice,
    ProcessArea,
    ProcessModel,
    Variant,
)
from uplift.domain.appraisal_format import ModelStructure
from uplift.domain.library_compare import (
    AreaOutline,
    ModelComparison,
    ModelOutline,
    PracticeOutline,
    compare_models,
)
from uplift.domain.ratings import AreaSpec, GoalSpec, normalize_goal_ref, normalize_practice_ref


def _count(queryset: QuerySet, field: str = "model") -> Coalesce:
    """A correlated COUNT(*) per model; subqueries avoid the row explosion of joined Counts."""
    return Coalesce(
        Subquery(
            queryset.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        Value(0),
    )


def model_list() -> QuerySet[ProcessModel]:
    """Every model version with its counts.

    Annotations: ``process_area_count``; ``goal_count`` and ``practice_count`` (specific
    goals and practices, nested practices included); ``generic_goal_count`` and
    ``generic_practice_count``.
    """

    return ProcessModel.objects.annotate(
        process_area_count=_count(ProcessArea.objects.all()),
        goal_count=_count(Goal.objects.filter(kind=GoalKind.SPECIFIC)),
        practice_count=_count(Practice.objects.filter(process_area__isnull=False)),
        generic_goal_count=_count(Goal.objects.filter(kind=GoalKind.GENERIC)),
        generic_practice_count=_count(Practice.objects.filter(process_area__isnull=True)),
    ).order_by("identifier", "version")


# -- pages of the library (dashboard, detail, search, compare) -----------------------------


@dataclass(frozen=True)
class LibrarySummary:
    """What the dashboard shows: how many versions are loaded, and the latest ones."""

    version_count: int
    latest: list[ProcessModel]


def library_summary() -> LibrarySummary:
    """Count every loaded version and list the latest version of each model with counts."""
    models = list(model_list())
    return LibrarySummary(
        version_count=len(models), latest=[model for model in models if model.is_latest]
    )


def model_references() -> list[tuple[str, str]]:
    """``(reference, label)`` of every loaded version, for pickers: ``CMMI-DEV@1.3``."""
    return [
        (model.reference, f"{model.reference} — {model.name}")
        for model in ProcessModel.objects.only("identifier", "version", "name")
    ]


def _split_reference(reference: str) -> tuple[str, str]:
    identifier, _, version = reference.rpartition("@")
    return identifier, version


@dataclass(frozen=True)
class Reference:
    """A practice's reference to a process area; ``area`` is None when the model lacks it."""

    abbreviation: str
    area: ProcessArea | None


@dataclass(frozen=True)
class Subpractice:
    """A subpractice with its notes and examples, normalized from the stored JSON."""

    text: str
    notes: tuple[str, ...]
    examples: tuple[str, ...]


@dataclass(frozen=True)
class PracticeRow:
    """A practice in reading order; ``depth`` > 0 for practices nested under another."""

    practice: Practice
    depth: int
    subpractices: tuple[Subpractice, ...] = ()
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class GoalSection:
    """A goal with its practices in reading order."""

    goal: Goal
    practices: list[PracticeRow]


@dataclass(frozen=True)
class AreaGroup:
    """Process areas under one heading: a maturity level (staged) or a category."""

    title: str
    process_areas: Sequence[ProcessArea]


@dataclass(frozen=True)
class ModelDetail:
    """A model version as its page shows it, read in a bounded number of queries."""

    model: ProcessModel
    staged: list[AreaGroup]
    continuous: list[AreaGroup]
    generic_goals: list[GoalSection]
    variants: list[Variant]
    outcomes: list[Outcome]
    mappings_out: list[Mapping]
    mappings_in: list[Mapping]


@dataclass(frozen=True)
class ProcessAreaDetail:
    """A process area with its level, goals and practices (nested ones indented)."""

    process_area: ProcessArea
    level: Level | None
    goals: list[GoalSection]


def _texts(value: object) -> tuple[str, ...]:
    """Notes and examples may be stored as one string or a list of strings."""
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value if item)
    return (str(value),)


def _subpractices(value: object) -> tuple[Subpractice, ...]:
    items = value if isinstance(value, list) else []
    result = []
    for item in items:
        if isinstance(item, dict):
            result.append(
                Subpractice(
                    text=str(item.get("text", "")),
                    notes=_texts(item.get("notes")),
                    examples=_texts(item.get("examples")),
                )
            )
        elif item:
            result.append(Subpractice(text=str(item), notes=(), examples=()))
    return tuple(result)


def _goal_sections(
    goals: Iterable[Goal],
    practices: Iterable[Practice],
    areas_by_abbreviation: dict[str, ProcessArea] | None = None,
) -> list[GoalSection]:
    """Arrange practices (already ordered) under their goals, children after their parent."""
    by_goal: dict[int, list[Practice]] = defaultdict(list)
    children: dict[int, list[Practice]] = defaultdict(list)
    all_practices = list(practices)
    ids = {practice.pk for practice in all_practices}
    for practice in all_practices:
        if practice.parent_id is not None and practice.parent_id in ids:
            children[practice.parent_id].append(practice)
        else:
            by_goal[practice.goal_id].append(practice)

    def row(practice: Practice, depth: int) -> PracticeRow:
        references: tuple[Reference, ...] = ()
        if areas_by_abbreviation is not None:
            references = tuple(
                Reference(str(abbreviation), areas_by_abbreviation.get(str(abbreviation)))
                for abbreviation in _texts(practice.references)
            )
        return PracticeRow(practice, depth, _subpractices(practice.subpractices), references)

    def walk(practice: Practice, depth: int) -> Iterator[PracticeRow]:
        yield row(practice, depth)
        for child in children[practice.pk]:
            yield from walk(child, depth + 1)

    return [
        GoalSection(goal, [r for practice in by_goal[goal.pk] for r in walk(practice, 0)])
        for goal in goals
    ]


def _mappings(queryset: QuerySet[Mapping]) -> list[Mapping]:
    entries = MappingEntry.objects.select_related("source_area").prefetch_related(
        Prefetch("target_areas", queryset=ProcessArea.objects.order_by("order"))
    )
    return list(
        queryset.select_related("model", "target_model").prefetch_related(
            Prefetch("entries", queryset=entries)
        )
    )


def model_get(*, identifier: str, version: str) -> ProcessModel:
    """One model version; raises ``ProcessModel.DoesNotExist``."""
    return ProcessModel.objects.get(identifier=identifier, version=version)


def model_detail_get(*, identifier: str, version: str) -> ModelDetail:
    """A model version with its areas grouped both ways, generic goals, variants, outcomes
    and mappings in both directions, in a fixed number of queries (about 15).

    Raises ``ProcessModel.DoesNotExist``.
    """
    model = model_get(identifier=identifier, version=version)
    areas = list(
        model.process_areas.select_related("category")
        .annotate(
            goal_count=_count(Goal.objects.all(), "process_area"),
            practice_count=_count(Practice.objects.all(), "process_area"),
        )
        .order_by("order", "pk")
    )
    level_names = {
        level.number: level.name for level in model.levels.filter(kind=LevelKind.MATURITY)
    }
    staged: list[AreaGroup] = []
    for number in sorted({a.maturity_level for a in areas if a.maturity_level is not None}):
        name = level_names.get(number, "")
        staged.append(
            AreaGroup(
                f"Maturity level {number}" + (f": {name}" if name else ""),
                [a for a in areas if a.maturity_level == number],
            )
        )
    continuous = [
        AreaGroup(category.name, [a for a in areas if a.category_id == category.pk])
        for category in model.categories.order_by("order", "pk")
    ]
    continuous = [group for group in continuous if group.process_areas]
    uncategorized = [a for a in areas if a.category_id is None]
    if uncategorized:
        continuous.append(AreaGroup("Without category", uncategorized))
    generic_goals = _goal_sections(
        model.goals.filter(kind=GoalKind.GENERIC).order_by("order", "pk"),
        model.practices.filter(process_area__isnull=True).order_by("order", "pk"),
    )
    return ModelDetail(
        model=model,
        staged=staged,
        continuous=continuous,
        generic_goals=generic_goals,
        variants=list(
            model.variants.prefetch_related(
                Prefetch("process_areas", queryset=ProcessArea.objects.order_by("order"))
            ).order_by("order", "pk")
        ),
        outcomes=list(model.outcomes.order_by("order", "pk")),
        mappings_out=_mappings(Mapping.objects.filter(model=model)),
        mappings_in=_mappings(Mapping.objects.filter(target_model=model)),
    )


def process_area_detail_get(
    *, identifier: str, version: str, abbreviation: str
) -> ProcessAreaDetail:
    """A process area of a model version with goals, practices and resolved references.

    Five queries whatever the size. Raises ``ProcessArea.DoesNotExist``.
    """
    area = ProcessArea.objects.select_related("model", "category").get(
        model__identifier=identifier, model__version=version, abbreviation=abbreviation
    )
    level = None
    if area.maturity_level is not None:
        level = Level.objects.filter(
            model=area.model_id, kind=LevelKind.MATURITY, number=area.maturity_level
        ).first()
    areas_by_abbreviation = {
        other.abbreviation: other
        for other in ProcessArea.objects.filter(model=area.model_id).only(
            "abbreviation", "name", "model_id"
        )
    }
    goals = _goal_sections(
        area.goals.order_by("order", "pk"),
        area.practices.order_by("order", "pk"),
        areas_by_abbreviation,
    )
    return ProcessAreaDetail(process_area=area, level=level, goals=goals)


def practice_search(*, query: str, model_reference: str = "") -> QuerySet[Practice]:
    """Practices whose identifier, title, summary or description hold every word of ``query``.

    Case-insensitive (``icontains``, the same on SQLite and PostgreSQL); optionally within
    one model version (``CMMI-DEV@1.3``). Ordered by model, process area and practice.
    """
    practices = Practice.objects.select_related("model", "process_area", "goal")
    if model_reference:
        identifier, version = _split_reference(model_reference)
        practices = practices.filter(model__identifier=identifier, model__version=version)
    for word in query.split():
        practices = practices.filter(
            Q(identifier__icontains=word)
            | Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(description__icontains=word)
        )
    return practices.order_by(
        "model__identifier",
        "model__version",
        F("process_area__order").asc(nulls_last=True),
        "goal__order",
        "order",
        "pk",
    )


def model_outline_get(reference: str) -> ModelOutline:
    """A model version's areas and their practices as the comparison's input.

    Two queries. Raises ``ProcessModel.DoesNotExist``.
    """
    identifier, version = _split_reference(reference)
    model = model_get(identifier=identifier, version=version)
    practices: dict[int, list[PracticeOutline]] = defaultdict(list)
    for area_id, practice_identifier, title in (
        Practice.objects.filter(model=model, process_area__isnull=False)
        .order_by("goal__order", "order", "pk")
        .values_list("process_area_id", "identifier", "title")
    ):
        practices[area_id].append(PracticeOutline(practice_identifier, title))
    return ModelOutline(
        reference=model.reference,
        areas=tuple(
            AreaOutline(area.abbreviation, area.name, tuple(practices[area.pk]))
            for area in model.process_areas.order_by("order", "pk")
        ),
    )


def model_compare(*, left: str, right: str) -> ModelComparison:
    """Compare two model versions given by reference (see ``uplift.domain.library_compare``).

    Raises ``ProcessModel.DoesNotExist``, or ``ValueError`` for ambiguous data.
    """
    return compare_models(model_outline_get(left), model_outline_get(right))


def model_resolve(reference: str) -> ProcessModel:
    """The model version a reference names: ``CMMI-DEV@1.3`` exactly, ``CMMI-DEV`` the latest.

    Raises ``ProcessModel.DoesNotExist`` (with a message naming the reference) when the
    library has no such version.
    """
    identifier, at, version = reference.strip().partition("@")
    models = ProcessModel.objects.filter(identifier=identifier)
    model = models.filter(version=version).first() if at else models.filter(is_latest=True).first()
    if model is None:
        raise ProcessModel.DoesNotExist(f"{reference} is not in the model library")
    return model


# -- what the rating engine needs of a model (issue 3) -------------------------------------


@dataclass(frozen=True)
class RatingIndex:
    """A model version as the appraisals see it, read in three queries.

    ``structure`` is the rating engine's view (``uplift.domain.appraisal_format``):
    every process area with its specific goals and its generic goals of capability
    level 2 and up (``REQM GG 2`` → ``REQM GP 2.1`` …); ``REQM GP 1.1`` and the like
    are ``extra_practices``. The id maps give the rows behind each reference:
    ``practices[ref] = (practice_id, process_area_id)``, likewise ``goals``, and
    ``areas[abbreviation] = process_area_id``. A generic practice is one library row
    shared by every area, so its cells and judgments need the area's id as well.
    """

    structure: ModelStructure
    areas: dict[str, int]
    goals: dict[str, tuple[int, int]]
    practices: dict[str, tuple[int, int]]


def _ref(abbreviation: str, identifier: str, normalize: Callable[[str], str | None]) -> str:
    """``REQM`` + ``SP1.1`` → ``REQM SP 1.1``; identifiers of other shapes stay as they are."""
    text = f"{abbreviation} {identifier}"
    return normalize(text) or text


# Model versions are immutable once imported (a version already in the library is
# refused, and a version in use by an appraisal is protected), so their rating index can
# be kept per process. The key carries the import time too: a row id alone could be
# reused after a delete (SQLite) for other content.
_RATING_INDEX_CACHE: dict[tuple[object, ...], RatingIndex] = {}
_RATING_INDEX_CACHE_SIZE = 16


def model_rating_index(model: ProcessModel) -> RatingIndex:
    """The rating structure of a model version and the ids behind its references.

    Three queries (areas, goals, practices) whatever the size of the model, the first
    time a process asks for a version; none afterwards (issue 3: a cell write must not
    pay for reading the model). Treat the result as read-only.
    """
    key = (model.pk, model.identifier, model.version, model.imported_at)
    cached = _RATING_INDEX_CACHE.get(key)
    if cached is not None:
        return cached
    index = _model_rating_index(model)
    if len(_RATING_INDEX_CACHE) >= _RATING_INDEX_CACHE_SIZE:
        _RATING_INDEX_CACHE.pop(next(iter(_RATING_INDEX_CACHE)))
    _RATING_INDEX_CACHE[key] = index
    return index


def _model_rating_index(model: ProcessModel) -> RatingIndex:
    areas = list(
        ProcessArea.objects.filter(model=model)
        .order_by("order", "pk")
        .values_list("pk", "abbreviation", "maturity_level")
    )
    goals = list(
        Goal.objects.filter(model=model)
        .order_by("order", "pk")
        .values_list("pk", "process_area_id", "identifier", "capability_level")
    )
    by_goal: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for practice_id, goal_id, identifier in (
        Practice.objects.filter(model=model)
        .order_by("order", "pk")
        .values_list("pk", "goal_id", "identifier")
    ):
        by_goal[goal_id].append((practice_id, identifier))

    specific: dict[int, list[tuple[int, str]]] = defaultdict(list)
    generic: list[tuple[int, str, int]] = []  # (goal id, identifier, capability level)
    for goal_id, area_id, identifier, level in goals:
        if area_id is not None:
            specific[area_id].append((goal_id, identifier))
        elif level is not None:
            generic.append((goal_id, identifier, level))
    generic.sort(key=lambda goal: goal[2])

    specs: list[AreaSpec] = []
    extra: set[str] = set()
    area_ids: dict[str, int] = {}
    goal_ids: dict[str, tuple[int, int]] = {}
    practice_ids: dict[str, tuple[int, int]] = {}

    def goal_spec(
        area_id: int, abbreviation: str, goal_id: int, identifier: str, level: int | None
    ) -> GoalSpec:
        refs = []
        for practice_id, practice_identifier in by_goal[goal_id]:
            ref = _ref(abbreviation, practice_identifier, normalize_practice_ref)
            practice_ids[ref] = (practice_id, area_id)
            refs.append(ref)
        goal_ref = _ref(abbreviation, identifier, normalize_goal_ref)
        goal_ids[goal_ref] = (goal_id, area_id)
        return GoalSpec(goal_ref, tuple(refs), level)

    for area_id, abbreviation, maturity_level in areas:
        area_ids[abbreviation] = area_id
        specific_goals = tuple(
            goal_spec(area_id, abbreviation, goal_id, identifier, None)
            for goal_id, identifier in specific[area_id]
        )
        generic_goals = []
        for goal_id, identifier, level in generic:
            spec = goal_spec(area_id, abbreviation, goal_id, identifier, level)
            if level >= 2:
                generic_goals.append(spec)
            else:  # GG 1 is the specific goals themselves: its practices are not rated apart
                extra.update(spec.practices)
                del goal_ids[spec.ref]
        specs.append(AreaSpec(abbreviation, maturity_level, specific_goals, tuple(generic_goals)))
    structure = ModelStructure(model.identifier, model.version, tuple(specs), frozenset(extra))
    return RatingIndex(structure, area_ids, goal_ids, practice_ids)


def model_rating_structure(model: ProcessModel) -> ModelStructure:
    """What the rating engine needs of a model version; three queries.

    See :class:`RatingIndex` for the shape: specific goals per area, generic goals of
    capability level 2 and up per area, ``GP 1.x`` references as extra practices.
    """
    return model_rating_index(model).structure


def _split_ref(reference: str) -> tuple[str, str, bool]:
    """``REQM GP 2.1`` → (``REQM``, ``GP 2.1``, True: generic)."""
    abbreviation, _, identifier = reference.partition(" ")
    return abbreviation, identifier, identifier[:2].upper() in {"GP", "GG"}


def practice_locate(*, model_id: int, reference: str) -> tuple[int, int] | None:
    """``(practice_id, process_area_id)`` of a normalized practice reference, or None.

    One query whatever the size of the model: ``REQM SP 1.1`` is the area's own
    practice, ``REQM GP 2.1`` the model's generic practice in that area.
    """
    abbreviation, identifier, generic = _split_ref(reference)
    practices = Practice.objects.filter(model_id=model_id, identifier=identifier)
    practices = (
        practices.filter(process_area__isnull=True)
        if generic
        else practices.filter(process_area=OuterRef("pk"))
    )
    row = (
        ProcessArea.objects.filter(model_id=model_id, abbreviation=abbreviation)
        .annotate(practice_pk=Subquery(practices.order_by("pk").values("pk")[:1]))
        .values_list("practice_pk", "pk")
        .first()
    )
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


def goal_locate(*, model_id: int, reference: str) -> tuple[int, int] | None:
    """``(goal_id, process_area_id)`` of a normalized goal reference, or None; one query.

    Only goals the rating rates: specific goals and generic goals of level 2 and up.
    """
    abbreviation, identifier, generic = _split_ref(reference)
    goals = Goal.objects.filter(model_id=model_id, identifier=identifier)
    goals = (
        goals.filter(process_area__isnull=True, capability_level__gte=2)
        if generic
        else goals.filter(process_area=OuterRef("pk"))
    )
    row = (
        ProcessArea.objects.filter(model_id=model_id, abbreviation=abbreviation)
        .annotate(goal_pk=Subquery(goals.order_by("pk").values("pk")[:1]))
        .values_list("goal_pk", "pk")
        .first()
    )
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


# -- what other contexts show of a mapping or a model's areas (issue 7) ---------------------


def mapping_from_model(*, identifier: str) -> Mapping | None:
    """The first mapping (by identifier) of the latest loaded version of the model
    ``identifier`` (e.g. ``BS15000-ITSM``), with its source and target models and its
    entries in order, each with its source area (and category) and target areas; None
    when the library lacks the model or it has no mapping. Three queries."""
    entries = MappingEntry.objects.select_related(
        "source_area", "source_area__category"
    ).prefetch_related(Prefetch("target_areas", queryset=ProcessArea.objects.order_by("order")))
    return (
        Mapping.objects.filter(model__identifier=identifier, model__is_latest=True)
        .select_related("model", "target_model")
        .prefetch_related(Prefetch("entries", queryset=entries.order_by("order", "pk")))
        .order_by("identifier", "pk")
        .first()
    )


def model_area_names(*, model_id: int) -> dict[str, str]:
    """``{abbreviation: name}`` of a model version's process areas, in the model's order;
    one query."""
    return dict(
        ProcessArea.objects.filter(model_id=model_id)
        .order_by("order", "pk")
        .values_list("abbreviation", "name")
    )
