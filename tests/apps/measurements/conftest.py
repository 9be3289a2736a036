"""Measures and work activities to import observations for.

``measures``: three measures by slug (cycle time, defect density, SLA attainment).
``work_activities``: three work activities by slug (``alpha`` and ``beta`` in unit
``engineering``, large and software-only with ``customer: acme``; ``gamma`` in unit
``operations``, a small service). ``observation_file`` writes CSV text to a file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.factories.organization import OrganizationalUnitFactory, WorkActivityFactory
from uplift.apps.measurements.choices import Direction, Scale
from uplift.apps.measurements.models import Measure
from uplift.apps.organization.choices import Size, WorkActivityKind, WorkActivityType

MEASURES = {
    "cycle-time": ("Cycle time", "days", Scale.CONTINUOUS, Direction.LOWER),
    "defect-density": ("Defect density", "defects/KLOC", Scale.CONTINUOUS, Direction.LOWER),
    "sla-attainment": ("SLA attainment", "%", Scale.PROPORTION, Direction.HIGHER),
}


@pytest.fixture
def measures(db: None) -> dict[str, Measure]:
    """Three measures, by slug."""
    return {
        slug: Measure.objects.create(
            slug=slug,
            name=name,
            unit=unit,
            operational_definition=f"{name} as recorded by the tracker.",
            scale=scale,
            direction=direction,
        )
        for slug, (name, unit, scale, direction) in MEASURES.items()
    }


@pytest.fixture
def work_activities(db: None) -> dict[str, Any]:
    """Three work activities, by slug: alpha and beta (engineering), gamma (operations)."""
    engineering = OrganizationalUnitFactory(slug="engineering", name="Engineering")
    operations = OrganizationalUnitFactory(slug="operations", name="Operations")
    common = {
        "unit": engineering,
        "kind": WorkActivityKind.PROJECT,
        "activity_type": WorkActivityType.SOFTWARE_ONLY,
        "size": Size.LARGE,
        "attributes": {"customer": "acme", "regulated": True},
    }
    return {
        "alpha": WorkActivityFactory(slug="alpha", name="Alpha", **common),
        "beta": WorkActivityFactory(
            slug="beta", name="Beta", **(common | {"attributes": {"customer": "globex"}})
        ),
        "gamma": WorkActivityFactory(
            slug="gamma",
            name="Gamma",
            unit=operations,
            kind=WorkActivityKind.SERVICE,
            activity_type=WorkActivityType.SERVICE_DELIVERY,
            size=Size.SMALL,
        ),
    }


@pytest.fixture
def observation_file(tmp_path: Path) -> Callable[..., Path]:
    """Write CSV text to a file: ``observation_file("measure,...\\n...")``."""

    def write(text: str, name: str = "observations.csv") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def import_job_setting(
    measures: dict[str, Any], work_activities: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    """For import jobs: the three measures and work activities, and the uploads in this
    test's own ``MEDIA_ROOT``."""
    settings.MEDIA_ROOT = tmp_path / "media"
