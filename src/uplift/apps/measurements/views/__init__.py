"""Pages of the measurements context, one module per topic (measures, objectives,
evaluations); ``urls.py`` maps them."""

from uplift.apps.measurements.views.evaluations import EvaluationView
from uplift.apps.measurements.views.measures import (
    BaselineStoreView,
    MeasureCreateView,
    MeasureDetailView,
    MeasureListView,
    MeasureUpdateView,
)
from uplift.apps.measurements.views.objectives import (
    ObjectiveCreateView,
    ObjectiveDetailView,
    ObjectiveListView,
    ObjectiveUpdateView,
)

__all__ = [
    "BaselineStoreView",
    "EvaluationView",
    "MeasureCreateView",
    "MeasureDetailView",
    "MeasureListView",
    "MeasureUpdateView",
    "ObjectiveCreateView",
    "ObjectiveDetailView",
    "ObjectiveListView",
    "ObjectiveUpdateView",
]
