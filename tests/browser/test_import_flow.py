"""Issue 4 in a real browser: observations imported from a file, in the background.

A process group member (the demo's ``process.group``) uploads a small CSV whose header
uses other names (``Metric``, ``Project``, ``Date``), sees the first rows and the guessed
mapping, imports, lands on the job's page and reads the outcome there; the list of
imports then shows the import. A file with a bad row ends on the job's page with the
problem's line and column listed, and nothing is written.

The tests' task backend is the immediate one: the job runs when the request that records
it commits, so the job's page already shows the final state when it loads (the
``<progress>`` bar full, the status region with the counts). The data: the demo
organization (its sign-ins and work activities) and two measures made here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.pages import sign_in
from uplift.apps.measurements.choices import Direction, Scale
from uplift.apps.measurements.models import Measure, Observation, ObservationImport
from uplift.apps.organization.demo import demo_load

pytestmark = pytest.mark.browser

HEADER = "Metric,Project,Date,Value,Source\n"
GOOD = (
    HEADER + "review-hours,anchor-claims-engine,2026-01-05,12.5,jira\n"
    "review-hours,anchor-claims-engine,2026-01-12,11,jira\n"
    "escaped-defects,berth-planner,2026-01-31,3,\n"
)
BAD = (
    HEADER + "review-hours,anchor-claims-engine,2026-01-05,12.5,jira\n"
    "review-hours,nowhere,2026-01-12,11,jira\n"  # line 3: no such work activity
    "escaped-defects,berth-planner,2026-01-31,3,\n"
)
JOB_URL = re.compile(r"/measurements/imports/jobs/\d+/$")


@pytest.fixture
def measures(transactional_db: None) -> None:
    """The demo organization and two measures to import observations of."""
    list(demo_load())
    for slug, name, unit in (
        ("review-hours", "Review hours", "hours"),
        ("escaped-defects", "Escaped defects", "defects"),
    ):
        Measure.objects.create(
            slug=slug,
            name=name,
            unit=unit,
            operational_definition=f"{name} as recorded by the tracker.",
            scale=Scale.CONTINUOUS,
            direction=Direction.LOWER,
        )


def _preview(page: Any, text: str) -> None:
    """Upload ``text`` as q1.csv and wait for its preview, with the guessed mapping."""
    sign_in(page, "process.group", "/measurements/imports/new/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import")
    page.get_by_label("Observation file").set_input_files(
        {"name": "q1.csv", "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="q1.csv: the first rows")).to_be_visible()
    rows = page.locator("#preview-rows tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("anchor-claims-engine")
    # The header's names are guessed: Metric, Project and Date by their synonyms.
    guessed = {
        "Metric": "measure",
        "Project": "work_activity",
        "Date": "observed_at",
        "Value": "value",
        "Source": "source",
    }
    for column, ours in guessed.items():
        expect(page.get_by_role("combobox", name=column, exact=True)).to_have_value(ours)


def test_a_file_is_previewed_imported_in_the_background_and_listed(page, measures):
    _preview(page, GOOD)

    page.get_by_role("button", name="Import", exact=True).click()

    expect(page).to_have_url(JOB_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Import of q1.csv")
    job = page.locator("#import-job")
    expect(job).to_have_attribute("data-state", "succeeded")
    expect(job.locator("#import-job-heading")).to_have_text("Succeeded")
    progress = job.locator("progress#import-progress")
    expect(progress).to_have_attribute("value", "100")
    expect(job.get_by_role("status")).to_have_text(
        "“q1.csv” is imported: 3 new, 0 already stored, 0 replaced."
    )
    expect(job.locator("#import-inserted")).to_have_text("3")
    expect(job.locator("#import-skipped")).to_have_text("0")
    expect(job.locator("#import-replaced")).to_have_text("0")
    expect(job).not_to_have_attribute("hx-get", re.compile(".*"))  # no more polling

    page.get_by_role("link", name="All imports").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Observation imports")
    imported = page.locator("#observation-imports tbody tr")
    expect(imported).to_have_count(1)
    expect(imported.first).to_contain_text("q1.csv")
    expect(imported.first.locator("td.num")).to_have_text("3")
    expect(imported.first).to_contain_text("Priya Castell")
    expect(page.locator("#observation-import-jobs")).to_have_count(0)  # none waits or failed
    assert Observation.objects.count() == 3


def test_a_file_with_a_bad_row_ends_with_its_line_and_column_and_writes_nothing(page, measures):
    _preview(page, BAD)

    page.get_by_role("button", name="Import", exact=True).click()

    expect(page).to_have_url(JOB_URL)
    job = page.locator("#import-job")
    expect(job).to_have_attribute("data-state", "failed")
    expect(job.locator("#import-job-heading")).to_have_text("Failed")
    expect(job.locator("#import-result")).to_have_text(
        "The file was refused; nothing was imported: 1 problem."
    )
    problems = job.locator("#import-problems li")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("line 3 (column work_activity):")
    expect(problems.first).to_contain_text("nowhere")
    expect(job.get_by_role("link", name="Change the mapping")).to_be_visible()
    assert not Observation.objects.exists()
    assert not ObservationImport.objects.exists()

    page.get_by_role("link", name="All imports").click()

    failed = page.locator("#observation-import-jobs tbody tr")
    expect(failed).to_have_count(1)
    expect(failed.first).to_contain_text("Failed: The file was refused")
    expect(page.locator("#observation-imports")).to_have_count(0)
