"""The in-memory shape every importer produces and ``services.library_import`` writes.

A ``ModelDocument`` is plain data: frozen dataclasses and tuples, no Django. Every
importer (our YAML/JSON format, OSCAL catalogs, flat CSV) parses its file into one,
and the exports build one from the database, so a model goes through exactly one
shape on its way in and out.

Elements that can only be checked against the database at write time (a mapping's
target model and its areas) keep their ``Place`` in the file so that the problem
reported then still points at the line or JSON path that caused it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Place:
    """Where an element came from: a line (YAML, CSV) and/or a JSON path."""

    line: int | None = None
    path: str = ""


@dataclass(frozen=True)
class CategoryDoc:
    name: str
    description: str = ""


@dataclass(frozen=True)
class LevelDoc:
    number: int
    name: str
    description: str = ""


@dataclass(frozen=True)
class SubpracticeDoc:
    text: str
    notes: str = ""
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class PracticeDoc:
    """A practice; ``practices`` are nested ones (e.g. OSCAL control enhancements)."""

    identifier: str
    title: str
    summary: str = ""
    description: str = ""
    example_work_products: tuple[str, ...] = ()
    subpractices: tuple[SubpracticeDoc, ...] = ()
    references: tuple[str, ...] = ()
    practices: tuple[PracticeDoc, ...] = ()

    def walk(self) -> Iterator[PracticeDoc]:
        """This practice and every nested one, depth first."""
        yield self
        for child in self.practices:
            yield from child.walk()


@dataclass(frozen=True)
class GoalDoc:
    """A specific goal (inside a process area) or a generic goal (capability_level set)."""

    identifier: str
    title: str
    summary: str = ""
    capability_level: int | None = None
    practices: tuple[PracticeDoc, ...] = ()

    def all_practices(self) -> Iterator[PracticeDoc]:
        """Every practice of the goal, nested ones included, depth first."""
        for practice in self.practices:
            yield from practice.walk()


@dataclass(frozen=True)
class ProcessAreaDoc:
    abbreviation: str
    name: str
    category: str = ""
    maturity_level: int | None = None
    purpose: str = ""
    optional: bool = False
    notes: str = ""
    goals: tuple[GoalDoc, ...] = ()


@dataclass(frozen=True)
class VariantDoc:
    identifier: str
    name: str = ""
    process_areas: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutcomeDoc:
    identifier: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class MappingEntryDoc:
    source_area: str
    target_areas: tuple[str, ...] = ()
    note: str = ""
    place: Place = field(default=Place(), compare=False)


@dataclass(frozen=True)
class MappingDoc:
    """A mapping to another model; ``target_model`` is ``ID`` (latest) or ``ID@VERSION``."""

    identifier: str
    name: str
    target_model: str
    entries: tuple[MappingEntryDoc, ...] = ()
    source: dict[str, Any] = field(default_factory=dict)
    notes: str = ""
    place: Place = field(default=Place(), compare=False)

    @property
    def target_identifier(self) -> str:
        return self.target_model.partition("@")[0]

    @property
    def target_version(self) -> str | None:
        _, at, version = self.target_model.partition("@")
        return version if at else None


@dataclass(frozen=True)
class ModelDocument:
    """One version of a process model, as parsed from a file (see docs/model-format.md)."""

    identifier: str
    version: str
    name: str
    format: str  # a ModelFormat value: where the document came from
    description: str = ""
    source: dict[str, Any] = field(default_factory=dict)
    representations: tuple[str, ...] = ()
    categories: tuple[CategoryDoc, ...] = ()
    maturity_levels: tuple[LevelDoc, ...] = ()
    capability_levels: tuple[LevelDoc, ...] = ()
    process_areas: tuple[ProcessAreaDoc, ...] = ()
    generic_goals: tuple[GoalDoc, ...] = ()
    variants: tuple[VariantDoc, ...] = ()
    outcomes: tuple[OutcomeDoc, ...] = ()
    mappings: tuple[MappingDoc, ...] = ()
    filename: str = field(default="", compare=False)

    @property
    def reference(self) -> str:
        """The pinned reference: ``CMMI-DEV@1.3``."""
        return f"{self.identifier}@{self.version}"

    @property
    def label(self) -> str:
        """How messages name the model: ``CMMI-DEV 1.3``."""
        return f"{self.identifier} {self.version}"

    def specific_practice_count(self) -> int:
        """Practices of process areas, nested ones included (as ``model_list`` counts them)."""
        return sum(
            1 for area in self.process_areas for goal in area.goals for _ in goal.all_practices()
        )

    def generic_practice_count(self) -> int:
        return sum(1 for goal in self.generic_goals for _ in goal.all_practices())
