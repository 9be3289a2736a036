"""Where the tests find the project's shared reference inputs.

``shared/`` stands beside the repository on every developer machine and in CI (see the
README); UPLIFT_SHARED_DIR overrides it.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("UPLIFT_SHARED_DIR", REPO_ROOT.parent / "shared"))
NIST_LOW_CATALOG = (
    SHARED_DIR / "data" / "oscal" / "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json"
)
