"""Writes of the model library: importing model versions.

An import writes one model version in one transaction with a handful of bulk inserts
(one per table and nesting depth), so even large catalogs load in a fraction of a
second. Everything that can be checked before writing is checked first; an import that
raises ``LibraryImportError`` has written nothing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import ProtectedError

from uplift.apps.library.choices import GoalKind, LevelKind
from uplift.apps.library.errors import LibraryImportError, Problem
from uplift.apps.library.importers import parse_file
from uplift.apps.library.importers.document import (
    GoalDoc,
    LevelDoc,
    MappingDoc,
    ModelDocument,
    PracticeDoc,
)
from uplift.apps.library.models import (
    Category,
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

__all__ = [
    "library_import",
    "library_import_file",
    "library_load_shipped",
    "version_key",
]

_VERSION_PART = re.compile(r"\d+|[A-Za-z]+")


def version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key of a version label: numbers compare as numbers ("1.10" > "1.9").

    A letter part sorts before a number part, so "2.0" > "2.0rc1" is not claimed; only
    the common numeric cases are ordered naturally.
    """
    return tuple(
        (1, int(part), "") if part.isdigit() else (0, 0, part.lower())
        for part in _VERSION_PART.findall(version)
    )


@transaction.atomic
def library_import(
    *, document: ModelDocument, user: User | None = None, replace: bool = False
) -> ProcessModel:
    """Write one model version from a parsed document, in one transaction.

    A version already in the library is refused unless ``replace`` is true; then it is
    deleted and written anew (refused too if another model's mapping points at it, or
    if other records protect it, so that nothing is lost silently). Importing a new
    version keeps the older ones; ``is_latest`` marks the highest version of the id.

    Raises ``LibraryImportError`` (nothing written) when the version exists, when a
    mapping's target model or target areas are not in the library, or when the version
    to replace is in use.
    """
    existing = ProcessModel.objects.filter(
        identifier=document.identifier, version=document.version
    ).first()
    if existing is not None:
        if not replace:
            raise LibraryImportError(
                [
                    Problem(
                        f"{document.label} is already in the library; import it with "
                        "--replace (replace=True) to overwrite it, or give it another version",
                        file=document.filename,
                    )
                ]
            )
        _delete_for_replace(existing, document)

    targets = _resolve_mapping_targets(document)
    model = ProcessModel.objects.create(
        identifier=document.identifier,
        version=document.version,
        name=document.name,
        description=document.description,
        source=document.source,
        representations=list(document.representations),
        format=document.format,
        is_latest=False,
        imported_by=user,
    )
    _Writer(model, document, targets).write()
    _mark_latest(document.identifier)
    model.refresh_from_db(fields=["is_latest"])
    return model


def library_import_file(
    *,
    path: str | Path | None = None,
    data: bytes | None = None,
    filename: str | None = None,
    format: str | None = None,
    identifier: str | None = None,
    user: User | None = None,
    replace: bool = False,
) -> ProcessModel:
    """Parse a file (``path``, or ``data`` with ``filename``) and import it.

    ``format`` is ``uplift``, ``oscal`` or ``csv`` (guessed when None); ``identifier``
    replaces the model id of the file. Raises ``LibraryImportError`` with every located
    problem; nothing is written then.
    """
    if (path is None) == (data is None):
        raise ValueError("give exactly one of path and data")
    source: str | Path | bytes = data if data is not None else path  # type: ignore[assignment]
    document = parse_file(source, filename, format, identifier=identifier)
    return library_import(document=document, user=user, replace=replace)


def library_load_shipped(*, directory: Path | None = None) -> Iterator[str]:
    """Import every shipped model file (``data/library/*.yaml``) not loaded yet.

    Idempotent: a version already present is reported and left alone. Files are parsed
    first (any problem in any file raises ``LibraryImportError`` before anything is
    written), then imported in dependency order: a model whose mapping targets a model
    of another file comes after that file. Each model is its own transaction. Yields
    one human-readable line per model.
    """
    folder = Path(directory or settings.UPLIFT_LIBRARY_DIR)  # type: ignore[misc]  # our own setting
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    documents: list[ModelDocument] = []
    problems: list[Problem] = []
    for file in files:
        try:
            documents.append(parse_file(file, f"data/library/{file.name}"))
        except LibraryImportError as error:
            problems.extend(error.problems)
    if problems:
        raise LibraryImportError(problems)
    for document in _dependency_order(documents):
        if ProcessModel.objects.filter(
            identifier=document.identifier, version=document.version
        ).exists():
            yield f"{document.label} is already loaded"
            continue
        library_import(document=document)
        yield (
            f"Loaded {document.label}: {len(document.process_areas)} process areas, "
            f"{document.specific_practice_count()} practices"
        )


# -- checks before writing -----------------------------------------------------------------


def _delete_for_replace(existing: ProcessModel, document: ModelDocument) -> None:
    incoming = list(
        Mapping.objects.filter(target_model=existing)
        .exclude(model=existing)
        .select_related("model")
    )
    if incoming:
        users = ", ".join(f"{m.model.reference} ({m.identifier})" for m in incoming)
        raise LibraryImportError(
            [
                Problem(
                    f"{document.label} cannot be replaced: mappings of other models point at "
                    f"it: {users}",
                    file=document.filename,
                )
            ]
        )
    try:
        existing.delete()
    except ProtectedError as error:
        raise LibraryImportError(
            [
                Problem(
                    f"{document.label} cannot be replaced: {len(error.protected_objects)} "
                    "records use it (e.g. appraisals); import it as a new version instead",
                    file=document.filename,
                )
            ]
        ) from error


def _resolve_mapping_targets(document: ModelDocument) -> dict[str, ProcessModel | None]:
    """Target model per mapping id (None: the document's own model); all problems at once."""
    problems: list[Problem] = []
    targets: dict[str, ProcessModel | None] = {}
    for mapping in document.mappings:
        if _targets_itself(mapping, document):
            targets[mapping.identifier] = None
            areas = {area.abbreviation for area in document.process_areas}
        else:
            target = _find_model(mapping.target_identifier, mapping.target_version)
            if target is None:
                problems.append(
                    Problem(
                        f"the target model {mapping.target_model!r} is not in the library; "
                        "import it first",
                        file=document.filename,
                        line=mapping.place.line,
                        path=mapping.place.path,
                    )
                )
                continue
            targets[mapping.identifier] = target
            areas = set(
                ProcessArea.objects.filter(model=target).values_list("abbreviation", flat=True)
            )
        for entry in mapping.entries:
            for abbreviation in entry.target_areas:
                if abbreviation not in areas:
                    problems.append(
                        Problem(
                            f"process area {abbreviation!r} is not in {mapping.target_model}",
                            file=document.filename,
                            line=entry.place.line,
                            path=entry.place.path,
                        )
                    )
    if problems:
        raise LibraryImportError(problems)
    return targets


def _targets_itself(mapping: MappingDoc, document: ModelDocument) -> bool:
    return mapping.target_identifier == document.identifier and mapping.target_version in (
        None,
        document.version,
    )


def _find_model(identifier: str, version: str | None) -> ProcessModel | None:
    models = ProcessModel.objects.filter(identifier=identifier)
    if version is not None:
        return models.filter(version=version).first()
    return models.filter(is_latest=True).first() or max(
        models, key=lambda m: version_key(m.version), default=None
    )


def _mark_latest(identifier: str) -> None:
    versions = list(ProcessModel.objects.filter(identifier=identifier).values_list("pk", "version"))
    latest_pk = max(versions, key=lambda item: version_key(item[1]))[0]
    ProcessModel.objects.filter(identifier=identifier, is_latest=True).exclude(pk=latest_pk).update(
        is_latest=False
    )
    ProcessModel.objects.filter(pk=latest_pk, is_latest=False).update(is_latest=True)


def _dependency_order(documents: list[ModelDocument]) -> list[ModelDocument]:
    """Documents ordered so that mapping targets come first; raises on a cycle."""
    by_identifier: dict[str, list[ModelDocument]] = defaultdict(list)
    for document in documents:
        by_identifier[document.identifier].append(document)
    ordered: list[ModelDocument] = []
    state: dict[int, str] = {}  # id(document) → "visiting" | "done"

    def visit(document: ModelDocument, chain: list[ModelDocument]) -> None:
        key = id(document)
        if state.get(key) == "done":
            return
        if state.get(key) == "visiting":
            names = " → ".join(d.label for d in [*chain, document])
            raise LibraryImportError(
                [Problem(f"the mappings form a cycle: {names}", file=document.filename)]
            )
        state[key] = "visiting"
        for mapping in document.mappings:
            for target in by_identifier.get(mapping.target_identifier, []):
                if target is not document and mapping.target_version in (None, target.version):
                    visit(target, [*chain, document])
        state[key] = "done"
        ordered.append(document)

    for document in documents:
        visit(document, [])
    return ordered


# -- writing ---------------------------------------------------------------------------------


class _Writer:
    """Bulk-inserts a document's rows under a freshly created ``ProcessModel``."""

    def __init__(
        self,
        model: ProcessModel,
        document: ModelDocument,
        targets: dict[str, ProcessModel | None],
    ) -> None:
        self.model = model
        self.document = document
        self.targets = targets
        self.areas: dict[str, ProcessArea] = {}
        self.goal_order = 0
        self.practice_order = 0

    def write(self) -> None:
        document, model = self.document, self.model
        categories = Category.objects.bulk_create(
            Category(model=model, name=c.name, order=i) for i, c in enumerate(document.categories)
        )
        by_name = {category.name: category for category in categories}
        Level.objects.bulk_create(
            [
                *self._levels(LevelKind.MATURITY, document.maturity_levels),
                *self._levels(LevelKind.CAPABILITY, document.capability_levels),
            ]
        )
        areas = ProcessArea.objects.bulk_create(
            ProcessArea(
                model=model,
                abbreviation=a.abbreviation,
                name=a.name,
                category=by_name.get(a.category) if a.category else None,
                maturity_level=a.maturity_level,
                purpose=a.purpose,
                optional=a.optional,
                notes=a.notes,
                order=i,
            )
            for i, a in enumerate(document.process_areas)
        )
        self.areas = {area.abbreviation: area for area in areas}

        goal_rows: list[Goal] = []
        goal_docs: list[GoalDoc] = []
        for area_doc, area in zip(document.process_areas, areas, strict=True):
            for goal_doc in area_doc.goals:
                goal_rows.append(self._goal(goal_doc, area))
                goal_docs.append(goal_doc)
        for goal_doc in document.generic_goals:
            goal_rows.append(self._goal(goal_doc, None))
            goal_docs.append(goal_doc)
        Goal.objects.bulk_create(goal_rows)
        self._write_practices(zip(goal_docs, goal_rows, strict=True))
        self._write_variants()
        Outcome.objects.bulk_create(
            Outcome(
                model=model,
                identifier=o.identifier,
                title=o.title,
                description=o.description,
                order=i,
            )
            for i, o in enumerate(document.outcomes)
        )
        self._write_mappings()

    def _levels(self, kind: str, levels: Iterable[LevelDoc]) -> list[Level]:
        return [
            Level(
                model=self.model,
                kind=kind,
                number=lv.number,
                name=lv.name,
                description=lv.description,
            )
            for lv in levels
        ]

    def _goal(self, goal: GoalDoc, area: ProcessArea | None) -> Goal:
        self.goal_order += 1
        return Goal(
            model=self.model,
            process_area=area,
            kind=GoalKind.SPECIFIC if area is not None else GoalKind.GENERIC,
            identifier=goal.identifier,
            title=goal.title,
            summary=goal.summary,
            capability_level=goal.capability_level,
            order=self.goal_order,
        )

    def _write_practices(self, goals: Iterable[tuple[GoalDoc, Goal]]) -> None:
        """One bulk insert per nesting depth: children need their parent's id."""
        level: list[tuple[PracticeDoc, Goal, Practice | None]] = [
            (practice, goal, None) for goal_doc, goal in goals for practice in goal_doc.practices
        ]
        # ``order`` follows the document depth first, so ordering by it reads as written.
        orders = self._depth_first_orders(level)
        while level:
            rows = [
                Practice(
                    model=self.model,
                    process_area_id=goal.process_area_id,
                    goal=goal,
                    parent=parent,
                    identifier=doc.identifier,
                    title=doc.title,
                    summary=doc.summary,
                    description=doc.description,
                    example_work_products=list(doc.example_work_products),
                    subpractices=[
                        {"text": s.text, "notes": s.notes, "examples": list(s.examples)}
                        for s in doc.subpractices
                    ],
                    references=list(doc.references),
                    order=orders[id(doc)],
                )
                for doc, goal, parent in level
            ]
            Practice.objects.bulk_create(rows)
            level = [
                (child, goal, row)
                for (doc, goal, _), row in zip(level, rows, strict=True)
                for child in doc.practices
            ]

    @staticmethod
    def _depth_first_orders(top: list[tuple[PracticeDoc, Goal, Practice | None]]) -> dict[int, int]:
        orders: dict[int, int] = {}
        for practice, _, _ in top:
            for doc in practice.walk():
                orders[id(doc)] = len(orders) + 1
        return orders

    def _write_variants(self) -> None:
        variants = Variant.objects.bulk_create(
            Variant(model=self.model, identifier=v.identifier, name=v.name, order=i)
            for i, v in enumerate(self.document.variants)
        )
        through = Variant.process_areas.through
        through.objects.bulk_create(
            through(variant_id=variant.pk, processarea_id=self.areas[abbreviation].pk)
            for variant, doc in zip(variants, self.document.variants, strict=True)
            for abbreviation in dict.fromkeys(doc.process_areas)
        )

    def _write_mappings(self) -> None:
        if not self.document.mappings:
            return
        mappings = Mapping.objects.bulk_create(
            Mapping(
                model=self.model,
                identifier=m.identifier,
                name=m.name,
                target_model=self.targets[m.identifier] or self.model,
                source=m.source,
                notes=m.notes,
            )
            for m in self.document.mappings
        )
        entries: list[MappingEntry] = []
        targets: list[list[str]] = []
        target_areas: dict[int, dict[str, int]] = {}
        for mapping, doc in zip(mappings, self.document.mappings, strict=True):
            target = self.targets[doc.identifier]
            if target is None:
                area_ids = {abbreviation: area.pk for abbreviation, area in self.areas.items()}
            else:
                area_ids = dict(
                    ProcessArea.objects.filter(model=target).values_list("abbreviation", "pk")
                )
            for i, entry in enumerate(doc.entries):
                entries.append(
                    MappingEntry(
                        mapping=mapping,
                        source_area=self.areas[entry.source_area],
                        note=entry.note,
                        order=i,
                    )
                )
                targets.append(list(dict.fromkeys(entry.target_areas)))
                target_areas[len(entries) - 1] = area_ids
        MappingEntry.objects.bulk_create(entries)
        through = MappingEntry.target_areas.through
        through.objects.bulk_create(
            through(mappingentry_id=entry.pk, processarea_id=target_areas[i][abbreviation])
            for i, (entry, abbreviations) in enumerate(zip(entries, targets, strict=True))
            for abbreviation in abbreviations
        )
