"""The shipped CMMI-DEV 1.3 and appraisal files built on it."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.paths import REPO_ROOT
from uplift.apps.library.services import library_import_file

CMMI_DEV = REPO_ROOT / "data" / "library" / "cmmi-dev-1.3.yaml"

# The example of issue 3, as written there.
ISSUE_EXAMPLE = """\
uplift: appraisal/1
model: CMMI-DEV            # a model id in the library; "CMMI-DEV@1.3" pins a version
representation: staged     # or: continuous
target_maturity_level: 3   # staged: scope = every process area at ML 2..3
process_areas: [REQM, PP]  # continuous (or narrows a staged scope)
not_applicable: [SAM]
basic_units: [alpha, beta, gamma]
characterizations:         # practice reference -> basic unit -> value
  REQM SP 1.1: {alpha: FI, beta: LI, gamma: NY}
  REQM GP 2.1: {alpha: FI, beta: FI, gamma: FI}
judgments:                 # team decisions where the rules call for judgment
  practices:
    PP SP 2.3: {value: LI, rationale: "..."}
  goals:
    REQM SG 1: {value: unsatisfied, rationale: "..."}
"""

REQM_SPS = ("REQM SP 1.1", "REQM SP 1.2", "REQM SP 1.3", "REQM SP 1.4", "REQM SP 1.5")
GG2_GPS = tuple(f"GP 2.{n}" for n in range(1, 11))


@pytest.fixture
def cmmi_dev(db: None) -> Any:
    """CMMI-DEV 1.3 as shipped in data/library."""
    return library_import_file(path=CMMI_DEV)


def reqm_ml2(**overrides: Any) -> dict[str, Any]:
    """A staged ML 2 appraisal narrowed to REQM, fully characterized FI at two units."""
    cells = {ref: {"alpha": "FI", "beta": "FI"} for ref in REQM_SPS}
    cells |= {f"REQM {gp}": {"alpha": "FI", "beta": "FI"} for gp in GG2_GPS}
    data: dict[str, Any] = {
        "uplift": "appraisal/1",
        "model": "CMMI-DEV@1.3",
        "name": "REQM check",
        "class": "C",
        "representation": "staged",
        "target_maturity_level": 2,
        "process_areas": ["REQM"],
        "basic_units": ["alpha", "beta"],
        "characterizations": cells,
    }
    data.update(overrides)
    return data


def as_yaml(data: dict[str, Any]) -> bytes:
    return yaml.safe_dump(data, sort_keys=False).encode()
