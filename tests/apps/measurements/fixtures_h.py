"""Measures, objectives and observations for the stored-data tests (helper H's files).

Builders (plain functions, usable in any test) and fixtures over them:

- ``make_measure(slug, direction=…, scale=…)`` defines a measure through the service;
- ``add_series(measure, activity, values, start=…, step=…)`` stores one observation
  per value, a week apart by default, in one bulk insert;
- fixtures ``unit`` and ``activities`` (three work activities of one unit, the first
  two large), ``cycle_time`` (lower is better) and ``csat`` (higher is better).

It is also a URL configuration (``urlpatterns``): the project's own, plus the
measurement pages under /measurements/ and the measurement API under /api/ when the
project does not mount them yet, so the page and API tests run before and after the
lead's wiring (``@pytest.mark.urls("tests.apps.measurements.fixtures_h")``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from tests.factories.organization import OrganizationalUnitFactory, WorkActivityFactory
from uplift.apps.measurements.models import Measure, Objective, Observation
from uplift.apps.measurements.services.measures import measure_create
from uplift.apps.measurements.services.objectives import objective_create

URLCONF = "tests.apps.measurements.fixtures_h"
START = dt.datetime(2024, 1, 1, 9, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)


def make_measure(
    slug: str = "cycle-time",
    *,
    direction: str = "lower",
    scale: str = "continuous",
    name: str | None = None,
    unit: str = "days",
) -> Measure:
    return measure_create(
        slug=slug,
        name=name or slug.replace("-", " ").capitalize(),
        unit=unit,
        operational_definition=f"How {slug} is counted.",
        direction=direction,
        scale=scale,
    )


def add_series(
    measure: Measure,
    activity: Any,
    values: Sequence[float],
    *,
    start: dt.datetime = START,
    step: dt.timedelta = WEEK,
) -> list[Observation]:
    """One observation per value, ``step`` apart from ``start``."""
    return Observation.objects.bulk_create(
        Observation(
            measure=measure,
            work_activity=activity,
            observed_at=start + index * step,
            value=float(value),
            source="test",
        )
        for index, value in enumerate(values)
    )


def make_qppo(
    measure: Measure,
    *,
    target: float,
    statistic: str = "mean",
    segment: dict[str, Any] | None = None,
    name: str = "Faster delivery",
    parent: Objective | None = None,
) -> Objective:
    parent = parent or objective_create(kind="business", name=f"Business goal for {name}")
    return objective_create(
        kind="qppo",
        name=name,
        parent=parent,
        measure=measure,
        statistic=statistic,
        target=target,
        segment=segment,
    )


@pytest.fixture
def unit(db: None) -> Any:
    return OrganizationalUnitFactory(slug="web", name="Web")


@pytest.fixture
def activities(unit: Any) -> list[Any]:
    """alpha and beta (large), gamma (small), all in the unit ``web``."""
    return [
        WorkActivityFactory(slug="alpha", name="Alpha", unit=unit, size="large"),
        WorkActivityFactory(slug="beta", name="Beta", unit=unit, size="large"),
        WorkActivityFactory(slug="gamma", name="Gamma", unit=unit, size="small"),
    ]


@pytest.fixture
def cycle_time(db: None) -> Measure:
    return make_measure("cycle-time", direction="lower")


@pytest.fixture
def csat(db: None) -> Measure:
    return make_measure("csat", direction="higher", name="Customer satisfaction", unit="points")


# -- URL configuration ------------------------------------------------------------------


def _mounted(patterns: Sequence[Any], namespace: str) -> bool:
    return any(getattr(entry, "namespace", None) == namespace for entry in patterns)


def _api_patterns() -> list[URLPattern | URLResolver]:
    """The API's URLs, with the measurement viewsets if the router lacks them."""
    from uplift.api import measurements as api
    from uplift.api import urls as api_urls
    from uplift.api.router import router as api_router

    prefixes = {prefix for prefix, *_ in api_router.registry}
    extra = SimpleRouter()
    for prefix, viewset, basename in api.ROUTES:
        if prefix not in prefixes:
            extra.register(prefix, viewset, basename=basename)
    return [*extra.urls, *api_urls.urlpatterns]


def _urlpatterns() -> list[URLPattern | URLResolver]:
    from uplift.config import urls as root_urls

    patterns: list[URLPattern | URLResolver] = []
    for entry in root_urls.urlpatterns:
        if isinstance(entry, URLResolver) and entry.namespace == "api":
            patterns.append(path("api/", include((_api_patterns(), "api"))))
        else:
            patterns.append(entry)
    if not _mounted(root_urls.urlpatterns, "measurements"):
        patterns.insert(0, path("measurements/", include("uplift.apps.measurements.urls")))
    return patterns


def __getattr__(name: str) -> Any:
    """``urlpatterns``, built when Django first resolves with this URL configuration
    (not on import: the service tests import the builders above only)."""
    if name == "urlpatterns":
        patterns = _urlpatterns()
        globals()["urlpatterns"] = patterns
        return patterns
    raise AttributeError(name)


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of this URL configuration, as drf-spectacular builds it."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator(urlconf=URLCONF).get_schema(request=None, public=True)
