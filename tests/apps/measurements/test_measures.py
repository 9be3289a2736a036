"""measure_create and measure_update: the rules of a measure definition."""

from __future__ import annotations

import pytest

from tests.factories.accounts import UserFactory
from uplift.apps.measurements.models import Measure
from uplift.apps.measurements.services.measures import (
    MeasurementError,
    measure_create,
    measure_update,
)

pytestmark = pytest.mark.django_db

DEFINITION = {
    "slug": "defect-density",
    "name": "Defect density",
    "unit": "defects/KLOC",
    "operational_definition": "Defects found in system test per thousand lines changed.",
    "direction": "lower",
}


def test_measure_create_stores_the_definition_and_records_who_in_history():
    author = UserFactory()

    measure = measure_create(**DEFINITION, scale="count", collected_by="QA lead", user=author)

    stored = Measure.objects.get(slug="defect-density")
    assert (stored.name, stored.scale, stored.direction) == ("Defect density", "count", "lower")
    assert stored.frequency == "monthly"
    assert measure.history.get().history_user == author


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "Defect Density"}, "slug"),
        ({"slug": "--x"}, "slug"),
        ({"name": "  "}, "name"),
        ({"unit": ""}, "unit"),
        ({"operational_definition": ""}, "operational_definition"),
        ({"direction": "sideways"}, "direction"),
        ({"scale": "ordinal"}, "scale"),
        ({"frequency": "hourly"}, "frequency"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_measure_create_refuses_bad_input_naming_the_field_and_writes_nothing(change, field):
    with pytest.raises(MeasurementError) as refused:
        measure_create(**{**DEFINITION, **change})

    assert refused.value.field == field
    assert not Measure.objects.exists()


def test_measure_create_refuses_a_slug_another_measure_has():
    measure_create(**DEFINITION)

    with pytest.raises(MeasurementError, match="exists already") as refused:
        measure_create(**{**DEFINITION, "name": "Another"})

    assert refused.value.field == "slug"
    assert Measure.objects.count() == 1


def test_measure_update_saves_only_changed_fields_with_one_history_row():
    measure = measure_create(**DEFINITION)

    measure_update(measure=measure, name="Defect density", unit="defects/KSLOC")

    measure.refresh_from_db()
    assert measure.unit == "defects/KSLOC"
    assert measure.history.count() == 2


def test_measure_update_without_a_change_writes_no_history():
    measure = measure_create(**DEFINITION)

    measure_update(measure=measure, name="Defect density")

    assert measure.history.count() == 1


def test_measure_update_keeps_its_own_slug_but_refuses_another_measures():
    measure = measure_create(**DEFINITION)
    measure_create(**{**DEFINITION, "slug": "cycle-time", "name": "Cycle time"})

    measure_update(measure=measure, slug="defect-density")
    with pytest.raises(MeasurementError) as refused:
        measure_update(measure=measure, slug="cycle-time")

    assert refused.value.field == "slug"
    assert Measure.objects.get(pk=measure.pk).slug == "defect-density"


def test_measure_update_refuses_a_field_that_is_not_a_measures():
    measure = measure_create(**DEFINITION)

    with pytest.raises(MeasurementError) as refused:
        measure_update(measure=measure, colour="blue")

    assert refused.value.field == "colour"
