"""Issue 3 in a real browser: a team member characterizes a practice in the matrix, the
goal rating changes on the page without a reload, and the report downloads as a PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.apps.appraisals.conftest import CMMI_DEV, GG2_GPS, REQM_SPS, as_yaml, reqm_ml2
from tests.browser.pages import sign_in
from tests.factories.accounts import TEST_PASSWORD
from uplift.apps.appraisals.choices import TeamRole
from uplift.apps.appraisals.models import AppraisalUnit, TeamMember
from uplift.apps.appraisals.services import appraisal_import
from uplift.apps.library.selectors import model_rating_index
from uplift.apps.library.services import library_import_file

pytestmark = pytest.mark.browser


@pytest.fixture
def reqm_at_alpha(transactional_db: None) -> Any:
    """REQM, staged ML 2, one basic unit (alpha), every practice FI: REQM SG 1 satisfied."""
    library_import_file(path=CMMI_DEV)  # as tests/apps/appraisals/conftest.py's cmmi_dev
    cells = {ref: {"alpha": "FI"} for ref in (*REQM_SPS, *(f"REQM {gp}" for gp in GG2_GPS))}
    data = reqm_ml2(basic_units=["alpha"], characterizations=cells)
    return appraisal_import(data=as_yaml(data), filename="reqm-alpha.yaml")


def test_a_team_member_characterizes_a_practice_and_downloads_the_report(
    page: Any, make_user: Any, reqm_at_alpha: Any, tmp_path: Path
) -> None:
    appraisal = reqm_at_alpha
    user = make_user(username="tess", first_name="Tess", last_name="Nguyen")
    TeamMember.objects.create(appraisal=appraisal, user=user, role=TeamRole.TEAM_MEMBER)
    index = model_rating_index(appraisal.model)
    practice_id, area_id = index.practices["REQM SP 1.1"]
    goal_id = index.goals["REQM SG 1"][0]
    unit_id = AppraisalUnit.objects.get(appraisal=appraisal, name="alpha").pk
    matrix_url = reverse("appraisals:appraisal_matrix", args=[appraisal.pk])

    sign_in(page, "tess", matrix_url, password=TEST_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Characterization matrix")
    goal_badge = page.locator(f"#g{area_id}-{goal_id} .badge")
    expect(goal_badge).to_have_text("satisfied")
    page.evaluate("window.notReloaded = true")

    cell = page.locator(f"#c{area_id}-{practice_id}-{unit_id}")
    cell.get_by_role("button", name="FI").click()
    editor = cell.get_by_role("group")
    expect(editor.get_by_label("Characterization")).to_be_focused()
    editor.get_by_label("Characterization").select_option("NI")
    editor.get_by_label("Weaknesses").fill("requirements are not reviewed with the providers")
    editor.get_by_role("button", name="Save").click()

    expect(goal_badge).to_have_text("unsatisfied")
    expect(page.get_by_role("status").filter(has_text="REQM SP 1.1")).to_have_text(
        "REQM SP 1.1 at alpha: NI; REQM SG 1 now unsatisfied"
    )
    expect(cell.get_by_role("button")).to_be_focused()
    expect(cell.get_by_role("button")).to_contain_text("NI")
    expect(page.locator(f"#o{area_id}-{practice_id}")).to_have_text("NI")
    expect(page.locator("#matrix-summary")).to_contain_text("Maturity level")
    assert page.evaluate("window.notReloaded") is True

    page.goto(reverse("appraisals:appraisal_report", args=[appraisal.pk]))
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("link", name="Download PDF").click()
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
