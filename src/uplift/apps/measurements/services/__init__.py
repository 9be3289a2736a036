"""Writes of the measurements context, one module per topic.

Every public function is keyword-only and one transaction (``@transaction.atomic``),
and raises ``InvalidDocument`` for a rejected file (or the topic's own error), having
written nothing. Topics: ``observations`` (importing a file of observations, CSV or
XLSX), ``measures``, ``objectives``, ``baselines``, ``evaluations``.

The names below are re-exported (``services.observation_import``); the other topics
are imported from their modules until the lead adds them here.
"""

from uplift.apps.measurements.services.observations import (
    ObservationImportResult,
    observation_import,
)

__all__ = ["ObservationImportResult", "observation_import"]
