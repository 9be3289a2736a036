"""Side-by-side comparison of two process models' structure.

Two models (typically two constellations or two versions of one) are compared by
process-area abbreviation, and for each process area present in both, by practice
identifier:

- a practice is *shared* when both sides have the same identifier and title;
- *changed* when the identifier matches and the title differs;
- *only left* / *only right* when the identifier exists on one side.

Titles are compared after collapsing runs of whitespace, so a re-wrapped title is not
a change; case and punctuation count. Results keep the order of the left model (the
right model's order for ``only_right``), so a rendering reads like the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

__all__ = [
    "AreaComparison",
    "AreaOutline",
    "ChangedPractice",
    "ModelComparison",
    "ModelOutline",
    "PracticeOutline",
    "compare_models",
]


@dataclass(frozen=True)
class PracticeOutline:
    """A practice as far as comparison cares: its identifier (``SP 1.1``) and title."""

    identifier: str
    title: str


@dataclass(frozen=True)
class AreaOutline:
    """A process area with its practices, in model order."""

    abbreviation: str
    name: str
    practices: tuple[PracticeOutline, ...] = ()


@dataclass(frozen=True)
class ModelOutline:
    """A model version (``CMMI-DEV@1.3``) with its process areas, in model order."""

    reference: str
    areas: tuple[AreaOutline, ...] = ()


@dataclass(frozen=True)
class ChangedPractice:
    """A practice identifier present on both sides under different titles."""

    identifier: str
    left_title: str
    right_title: str


@dataclass(frozen=True)
class AreaComparison:
    """The practice-level comparison of one process area present in both models."""

    abbreviation: str
    left_name: str
    right_name: str
    shared: tuple[PracticeOutline, ...]
    changed: tuple[ChangedPractice, ...]
    only_left: tuple[PracticeOutline, ...]
    only_right: tuple[PracticeOutline, ...]

    @property
    def identical(self) -> bool:
        """True when every practice is shared and the names agree."""
        return not (self.changed or self.only_left or self.only_right) and _normalize(
            self.left_name
        ) == _normalize(self.right_name)


@dataclass(frozen=True)
class ModelComparison:
    """The comparison of two models: areas in both, and areas in one only."""

    left: str
    right: str
    shared_areas: tuple[AreaComparison, ...]
    only_left: tuple[AreaOutline, ...]
    only_right: tuple[AreaOutline, ...]


_T = TypeVar("_T")


def _normalize(text: str) -> str:
    return " ".join(text.split())


def _index(items: Iterable[_T], key_of: Callable[[_T], str], what: str) -> dict[str, _T]:
    """Map items by a key, refusing duplicates (they make a comparison ambiguous)."""
    index: dict[str, _T] = {}
    for item in items:
        key = key_of(item)
        if key in index:
            raise ValueError(f"Duplicate {what} {key!r}.")
        index[key] = item
    return index


def _practice_key(practice: PracticeOutline) -> str:
    return practice.identifier


def _area_key(area: AreaOutline) -> str:
    return area.abbreviation


def _compare_area(left: AreaOutline, right: AreaOutline) -> AreaComparison:
    right_practices = _index(right.practices, _practice_key, f"practice in {right.abbreviation}")
    left_ids = _index(left.practices, _practice_key, f"practice in {left.abbreviation}").keys()
    shared: list[PracticeOutline] = []
    changed: list[ChangedPractice] = []
    only_left: list[PracticeOutline] = []
    for practice in left.practices:
        other = right_practices.get(practice.identifier)
        if other is None:
            only_left.append(practice)
        elif _normalize(other.title) == _normalize(practice.title):
            shared.append(practice)
        else:
            changed.append(ChangedPractice(practice.identifier, practice.title, other.title))
    only_right = tuple(p for p in right.practices if p.identifier not in left_ids)
    return AreaComparison(
        abbreviation=left.abbreviation,
        left_name=left.name,
        right_name=right.name,
        shared=tuple(shared),
        changed=tuple(changed),
        only_left=tuple(only_left),
        only_right=only_right,
    )


def compare_models(left: ModelOutline, right: ModelOutline) -> ModelComparison:
    """Compare two models' process areas and, for shared areas, their practices.

    Raises ``ValueError`` when a model repeats a process-area abbreviation, or an area
    repeats a practice identifier: such input has no unambiguous comparison.
    """
    right_areas = _index(right.areas, _area_key, f"process area in {right.reference}")
    left_abbreviations = _index(left.areas, _area_key, f"process area in {left.reference}").keys()
    shared: list[AreaComparison] = []
    only_left: list[AreaOutline] = []
    for area in left.areas:
        other = right_areas.get(area.abbreviation)
        if other is None:
            only_left.append(area)
        else:
            shared.append(_compare_area(area, other))
    return ModelComparison(
        left=left.reference,
        right=right.reference,
        shared_areas=tuple(shared),
        only_left=tuple(only_left),
        only_right=tuple(a for a in right.areas if a.abbreviation not in left_abbreviations),
    )
