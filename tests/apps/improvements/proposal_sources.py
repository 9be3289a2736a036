"""What proposals start from, made with the owning contexts' services.

Fixtures (import them into a test module by name, as ``fixtures_h`` is used):

- ``cmmi_dev``: CMMI-DEV 1.3 as shipped in data/library;
- ``appraisal``: a REQM appraisal of it (tests/apps/appraisals' ``reqm_ml2``);
- ``weakness`` and ``strength``: findings of REQM SG 1 in it
  (``appraisals.services.findings.finding_create``);
- ``cycle_time``: a measure where lower is better; ``shortfall``: a QPPO on it that the
  stored baseline (mean 12 days) misses (target 9 days); ``met``: one it meets.

Builders: ``submit(actor, **fields)`` submits a suggestion through ``proposal_create``;
``walk(proposal, names, actor)`` makes transitions one after the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from tests.apps.appraisals.conftest import CMMI_DEV, as_yaml, reqm_ml2
from tests.apps.measurements.fixtures_h import add_series, make_measure, make_qppo
from tests.factories.organization import WorkActivityFactory
from uplift.apps.appraisals.services import appraisal_import
from uplift.apps.appraisals.services.findings import finding_create
from uplift.apps.improvements.models import Proposal
from uplift.apps.improvements.services.proposals import proposal_create, proposal_transition
from uplift.apps.library.services import library_import_file
from uplift.apps.measurements.services.baselines import baseline_compute

WEAKNESS_TEXT = "Changes to requirements are not traced to the project plans."


@pytest.fixture
def cmmi_dev(db: None) -> Any:
    return library_import_file(path=CMMI_DEV)


@pytest.fixture
def appraisal(cmmi_dev: Any) -> Any:
    return appraisal_import(data=as_yaml(reqm_ml2()), filename="reqm.yaml")


@pytest.fixture
def weakness(appraisal: Any) -> Any:
    return finding_create(
        appraisal=appraisal,
        kind="weakness",
        process_area="REQM",
        goal="REQM SG 1",
        text=WEAKNESS_TEXT,
        practices=["REQM SP 1.3", "REQM SP 1.5"],
    )


@pytest.fixture
def strength(appraisal: Any) -> Any:
    return finding_create(
        appraisal=appraisal,
        kind="strength",
        process_area="REQM",
        goal="REQM SG 1",
        text="Requirements are reviewed with the providers.",
        practices=["REQM SP 1.1"],
    )


@pytest.fixture
def cycle_time(db: None) -> Any:
    measure = make_measure("cycle-time", direction="lower", name="Cycle time")
    add_series(measure, WorkActivityFactory(slug="alpha"), [10, 12, 14])
    baseline_compute(measure=measure, store=True)  # mean 12 days
    return measure


@pytest.fixture
def shortfall(cycle_time: Any) -> Any:
    return make_qppo(cycle_time, target=9, name="Cycle time at most 9 days")


@pytest.fixture
def met(cycle_time: Any) -> Any:
    return make_qppo(cycle_time, target=15, name="Cycle time at most 15 days")


def submit(actor: Any, **fields: Any) -> Proposal:
    """A suggestion submitted by ``actor`` (fields override the defaults)."""
    values: dict[str, Any] = {
        "title": "Review requirement changes",
        "source_kind": "suggestion",
        "problem_statement": "Requirement changes reach the code unreviewed.",
        "proposed_change": "Review each change with the providers before it is planned.",
    }
    values.update(fields)
    return proposal_create(actor=actor, **values)


def walk(proposal: Proposal, names: Iterable[str], actor: Any) -> Proposal:
    """Make the transitions in order (with a reason each), as ``actor``."""
    for name in names:
        proposal = proposal_transition(
            proposal=proposal, name=name, actor=actor, reason=f"Because of {name}."
        )
    return proposal
