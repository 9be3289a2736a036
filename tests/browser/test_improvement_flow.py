"""Issue 5 in a real browser: from a demo appraisal weakness to a re-approved process
action plan.

The process group proposes an improvement from a weakness of the Managed Services
SCAMPI B (IRP SG 3), analyzes, scores and selects it, pilots it at the service desk
and network teams, decides "proceed to deployment" on the pilot's results, selects it
for deployment, writes a process action plan and asks the sponsor and the process
owner to approve it; both approve; the process group revises the plan and sees the
re-approval requested from both and the two revisions compared. A practitioner can
neither see nor use an approve button.

The data is the demo's, loaded as ``tests/apps/improvements/test_demo.py`` does but only
what the flow needs: the library's CMMI-SVC (the SCAMPI A of CMMI-DEV is then skipped by
``appraisal_demo_load``, saying so), the demo organization (its sign-ins), the demo
appraisals and the demo measurements, whole: loading all of them takes about two
seconds on SQLite, so the pilot reads the real two years of data rather than a few
hand-made observations. The improvements demo is not loaded: the test makes its own
proposal, which is then the only one in the selection. The five default criteria are
created as ``uplift setup`` creates them on a new site.

The pilot runs where the demo plants the incident triage runbook's effect (incident
resolution time 20 % lower from 2026-03-01 at the services of the service desk and
network teams, docs/demo-data.md): Service Desk, Network and Remote Access from
2026-03-01 to 2026-06-30, without a comparison group, so its results compare the same
services over the 122 days before; they fall by about a fifth, which meets the expected
benefit of -10 % and is significant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.pages import sign_in
from tests.paths import REPO_ROOT
from uplift.apps.appraisals.demo import appraisal_demo_load
from uplift.apps.improvements.choices import PlanState, ReviewDecision
from uplift.apps.improvements.models import ActionPlan, ReviewRequest
from uplift.apps.improvements.services.selection import criteria_defaults_ensure
from uplift.apps.library.services import library_import_file
from uplift.apps.measurements.demo import measurement_demo_load
from uplift.apps.organization.demo import demo_load

pytestmark = pytest.mark.browser

APPRAISAL = "Managed Services SCAMPI B 2025"
WEAKNESS = "Selected incidents are not analysed for their causes"
TITLE = "Incident triage runbook for the service teams"
SPONSOR, OWNER = "Helen Ashdown", "Grace Okafor"  # the demo's sponsor and process.owner

PLAN_ITEMS = {
    "Process improvement infrastructure": "The steering committee oversees; the process "
    "group facilitates; a process action team of two service desk leads writes the runbook.",
    "Process improvement objectives": "Incident resolution time 10 % lower at every service "
    "by the end of 2027, towards the 8-hour QPPO of Managed Services.",
    "Process improvements to be addressed": "The triage runbook of the proposal, answering "
    "the IRP SG 3 weakness of the SCAMPI B.",
    "Procedures for planning and tracking process actions": "An action list reviewed every "
    "two weeks by the process group; late actions go to the steering committee.",
    "Strategies for piloting and implementing process actions": "Piloted at the service "
    "desk and network teams; then rolled out to the other seven teams, two at a time.",
    "Responsibility and authority for implementing process actions": "The process owner "
    "answers for the runbook; each team lead for its roll-out.",
    "Resources, schedules and assignments for implementing process actions": "Two days of "
    "training per team, 120 hours of the process action team, from January to June 2027.",
    "Methods for determining the effectiveness of process actions": "Incident resolution "
    "time before and after each team's roll-out, with the measurements' evaluation.",
    "Risks associated with the process action plan": "Teams may skip the runbook under load.",
}
REVISED_RISK = "Teams may skip the runbook under load; the team leads check ten incidents a week."


@pytest.fixture
def demo_site(transactional_db: None) -> None:
    """The demo's model, organization, appraisals and measurements, and the criteria."""
    library_import_file(path=REPO_ROOT / "data" / "library" / "cmmi-svc-1.3.yaml")
    list(demo_load())
    list(appraisal_demo_load())
    list(measurement_demo_load())
    criteria_defaults_ensure()


def _named(label: str) -> re.Pattern[str]:
    """A field's label exactly, with or without the asterisk of a required field."""
    return re.compile(rf"^{re.escape(label)}( \*)?$")


@contextmanager
def _signed_in(page: Any, username: str, next_url: str) -> Iterator[Any]:
    """A page of a second browser context (its own cookies) signed in as ``username``."""
    origin = urlsplit(page.url)
    context = page.context.browser.new_context(base_url=f"{origin.scheme}://{origin.netloc}")
    try:
        other = context.new_page()
        other.set_default_timeout(15_000)
        sign_in(other, username, next_url)
        yield other
    finally:
        context.close()


def _message(page: Any, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def _state(page: Any) -> Any:
    """The state badge of the page's proposal or plan (the first on the page)."""
    return page.locator(".badge").filter(has_text="State:").first


def _move(page: Any, label: str, reason: str) -> None:
    """On a proposal's page: make the transition ``label`` with ``reason``."""
    page.get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{label}:")
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name=label, exact=True).click()


def _propose_from_the_weakness(page: Any) -> str:
    """Step 1: from the findings of the SCAMPI B, propose an improvement; its URL."""
    sign_in(page, "process.group", reverse("appraisals:appraisal_list"))
    page.get_by_role("link", name=APPRAISAL).click()
    tabs = page.get_by_role("navigation", name=f"Appraisal {APPRAISAL}")
    tabs.get_by_role("link", name="Findings", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Findings")
    irp = page.get_by_role("region", name=re.compile(r"^IRP "))
    weakness = irp.get_by_role("listitem").filter(has_text=WEAKNESS)
    weakness.get_by_role("link", name="Propose an improvement for the weakness").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("New improvement proposal")
    expect(
        page.get_by_role("heading", name=f"From a weakness of IRP in {APPRAISAL}")
    ).to_be_visible()
    expect(page.get_by_label(_named("Source"))).to_have_value("appraisal_weakness")
    expect(page.get_by_label("Appraisal finding")).to_contain_text(WEAKNESS)
    expect(page.get_by_label(_named("Title"))).to_have_value(re.compile(rf"^IRP: {WEAKNESS}"))
    expect(page.get_by_label("Problem statement")).to_have_value(re.compile(rf"^{WEAKNESS}"))
    expect(page.get_by_label("Process areas")).to_have_value("IRP")
    expect(page.get_by_label("Practices")).to_have_value("IRP SP 3.1, IRP SP 3.2, IRP SP 3.3")

    page.get_by_label(_named("Title")).fill(TITLE)
    page.get_by_label("Proposed change").fill(
        "A triage runbook: how to classify, route and escalate an incident in its first "
        "15 minutes, with the workarounds known for recurring incidents."
    )
    page.get_by_label("Category").select_option(label="Innovative")
    page.get_by_label(_named("Size")).select_option(label="Major")
    expect(page.get_by_label("Proven in a comparable environment")).not_to_be_checked()
    page.get_by_label("Validation method").select_option(label="Pilot")
    page.get_by_label("Estimated cost").fill("12000")
    page.get_by_label("Estimated effort").fill("160")
    page.get_by_label("Weeks until the benefit shows").fill("12")
    page.get_by_label(_named("Risks")).fill("Teams may skip the runbook under load.")
    page.get_by_label("Barriers to deployment").fill("Training time in the peak months.")
    page.get_by_label("Quantitative success criteria").fill(
        "Incident resolution time at least 10 % lower at the piloted services."
    )
    page.get_by_role("button", name="Submit the proposal").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    _message(page, "is submitted")
    expect(_state(page)).to_contain_text("Submitted")
    pilot = page.get_by_role("region", name="Pilot required")
    expect(pilot).to_contain_text("it is an innovative change")
    expect(pilot).to_contain_text("it is a major change")
    source = page.get_by_role("region", name="Source and scope")
    expect(source).to_contain_text("Appraisal weakness")
    expect(source).to_contain_text(f"Weakness of IRP in {APPRAISAL}")
    expect(source.get_by_role("link", name=APPRAISAL)).to_be_visible()
    expect(source).to_contain_text("IRP SP 3.1")

    benefit = page.get_by_role("form", name="Add an expected benefit")
    benefit.get_by_label("Measure").select_option(label="Incident resolution time (hours)")
    benefit.get_by_label("Expected change (%)").fill("-10")
    benefit.get_by_label("By when").fill("2027-06-30")
    benefit.get_by_role("button", name="Add the benefit").click()
    benefits = page.get_by_role("region", name="Expected benefits")
    expect(benefits.get_by_role("row").filter(has_text="Incident resolution time")).to_contain_text(
        "-10%"
    )
    return str(page.url).split("#")[0]


def _analyze_score_and_select(page: Any, proposal_url: str) -> None:
    """Step 2: analyzed, scored on every criterion, ranked, selected for validation."""
    _move(page, "Mark analyzed", "Resolution times miss the QPPO; a runbook is the cheapest fix.")
    _message(page, "is analyzed")
    expect(_state(page)).to_contain_text("Analyzed")

    page.get_by_role("link", name="Scores against the selection criteria").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        re.compile(rf"^Scores of IP-\d+ {TITLE}")
    )
    scores = {
        "Contribution to objectives": "5",
        "Cost": "2",
        "Risk": "2",
        "Effort": "3",
        "Time to benefit": "2",
    }
    for criterion, value in scores.items():
        page.get_by_label(re.compile(rf"^{criterion} \(5 is")).select_option(value)
    page.get_by_label("Note on Contribution to objectives").fill("Aims at the missed QPPO.")
    page.get_by_role("button", name="Save the scores").click()
    _message(page, "5 scores saved.")
    expect(page.get_by_role("main")).to_contain_text("weighted total 4.20")
    expect(page.get_by_text("partial: missing")).to_have_count(0)

    page.get_by_role("link", name="Selection", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Selection of improvement proposals")
    ranking = page.get_by_role("region", name="Scores and ranking")
    row = ranking.get_by_role("row").filter(has_text=TITLE)
    expect(row.get_by_role("cell").first).to_have_text("1")
    expect(row).to_contain_text("4.20")
    expect(row).not_to_contain_text("Missing")
    row.get_by_role("link", name=re.compile(TITLE)).click()

    expect(page).to_have_url(proposal_url)
    _move(page, "Select for validation", "First in the ranking; the steering committee agreed.")
    _message(page, "is selected for validation")
    expect(_state(page)).to_contain_text("Selected for validation")


def _pilot(page: Any, proposal_url: str) -> None:
    """Step 3: a pilot at the service desk and network teams, decided "proceed"; the
    proposal validated and selected for deployment, which was refused before."""
    page.get_by_role("link", name="Plan a pilot").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("New pilot of")
    page.get_by_label(_named("Title")).fill("Triage runbook at the service desk and network")
    page.get_by_label("Work activities").select_option(
        label=["Service Desk (service-desk)", "Network (network)", "Remote Access (remote-access)"]
    )
    expect(page.get_by_label("Measures")).to_have_values([re.compile(r"\d+")])
    page.get_by_label("Start").fill("2026-03-01")
    page.get_by_label("End").fill("2026-06-30")
    expect(page.get_by_label("Success criteria")).to_have_value(re.compile("at least 10 % lower"))
    page.get_by_role("button", name="Plan the pilot").click()

    _message(page, "is planned")
    expect(page.get_by_role("main")).to_contain_text("Planned")
    page.get_by_role("button", name="Start the pilot").click()
    _message(page, "is running")
    expect(page.get_by_role("main")).to_contain_text("(validating)")

    results = page.get_by_role("region", name="Results now")
    expect(
        results.get_by_role("heading", name=re.compile("Incident resolution time"))
    ).to_contain_text("Meets the expected benefit")
    expect(results).to_contain_text("statistically significant")

    # Not before the pilot's decision: neither offered nor accepted.
    page.get_by_role("link", name=re.compile(TITLE)).click()
    expect(_state(page)).to_contain_text("Validating")
    expect(page.get_by_role("link", name="Select for deployment")).to_have_count(0)
    page.goto(f"{proposal_url}transition/?name=select_for_deployment")
    expect(page.get_by_role("alert")).to_contain_text("it cannot be moved that way")
    page.goto(proposal_url)
    expect(_state(page)).to_contain_text("Validating")

    page.get_by_role("link", name="Triage runbook at the service desk and network").click()
    page.get_by_role("link", name="Decide").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Decide on")
    page.get_by_label("Proceed to deployment").check()
    page.get_by_label("Rationale").fill(
        "Resolution time fell by about a fifth at the three services, above the 10 % sought."
    )
    page.get_by_role("button", name="Record the decision").click()
    _message(page, "proceed to deployment")
    decision = page.get_by_role("region", name="Decision: proceed to deployment")
    expect(decision).to_contain_text("Meets the expected benefit")

    page.get_by_role("link", name=re.compile(TITLE)).click()
    expect(_state(page)).to_contain_text("Validated")
    expect(page.get_by_role("region", name="Pilot required")).to_contain_text(
        "decided “proceed to deployment”"
    )
    _move(page, "Select for deployment", "Validated by the pilot; deploy to the other teams.")
    _message(page, "is selected for deployment")
    expect(_state(page)).to_contain_text("Selected for deployment")


def _write_plan_and_ask_for_review(page: Any) -> str:
    """Step 4: the plan's nine items; review asked of the sponsor and the process owner."""
    page.get_by_role("link", name="Write a process action plan for it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New process action plan")
    expect(page.get_by_role("checkbox", name=re.compile(TITLE))).to_be_checked()
    for label, text in PLAN_ITEMS.items():
        page.get_by_label(label).fill(text)
    page.get_by_role("button", name="Write the plan").click()

    _message(page, "is written (draft)")
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(_state(page)).to_contain_text("Draft")
    content = page.get_by_role("region", name="The plan")
    for label, text in PLAN_ITEMS.items():
        expect(content.get_by_role("listitem").filter(has_text=label)).to_contain_text(text)
    expect(content.get_by_text("Not written yet.")).to_have_count(0)

    page.get_by_role("link", name="Ask for review").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ask for review of")
    page.get_by_label(SPONSOR).select_option("required")
    page.get_by_label(OWNER).select_option("required")
    page.get_by_role("button", name="Ask for review").click()

    _message(page, "Review of revision 1 requested from")
    expect(_state(page)).to_contain_text("In review")
    approval = page.get_by_role("region", name="Approval of revision 1")
    expect(approval).to_contain_text("Revision 1 is not approved yet: waiting for")
    for name in (SPONSOR, OWNER):
        expect(approval.get_by_role("listitem").filter(has_text=name)).to_contain_text("required")
    expect(page.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)
    return str(page.url)


def _approve(page: Any, username: str, plan_url: str, comment: str, said: str) -> None:
    """Step 5: ``username`` approves revision 1 on the plan's page, in their own browser,
    and is told ``said``."""
    with _signed_in(page, username, plan_url) as theirs:
        approval = theirs.get_by_role("region", name="Approval of revision 1")
        expect(approval.get_by_role("heading", name="Your review of revision 1")).to_be_visible()
        approval.get_by_label("Comment").fill(comment)
        approval.get_by_role("button", name="Approve revision 1").click()
        _message(theirs, said)
        expect(theirs.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)


def _practitioner_cannot_approve(page: Any, plan_url: str) -> None:
    """A practitioner sees no approve button, and a POST of the decision form is refused."""
    with _signed_in(page, "practitioner", plan_url) as theirs:
        expect(
            theirs.get_by_role("region", name=re.compile("^Approval of revision"))
        ).to_be_visible()
        expect(theirs.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)
        expect(theirs.get_by_role("link", name="Edit")).to_have_count(0)

    plan = ActionPlan.objects.get(title__contains=TITLE)
    review = ReviewRequest.objects.get(
        plan=plan, revision=plan.revision, reviewer__username="sponsor"
    )
    client = Client()
    client.force_login(get_user_model().objects.get(username="practitioner"))
    url = reverse("improvements:plan_review_decide", args=[plan.pk, review.pk])
    response = client.post(url, {"decision": "approved", "comment": "Looks fine to me."})
    assert response.status_code == 403
    review.refresh_from_db()
    plan.refresh_from_db()
    assert (review.decision, plan.state) == (ReviewDecision.PENDING, PlanState.IN_REVIEW)


def _revise(page: Any) -> None:
    """Step 6: a change to the approved plan makes revision 2, sent to both again."""
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("note")).to_contain_text(
        "Saving a change makes revision 2, keeps revision 1 as it is"
    )
    page.get_by_label("Risks associated with the process action plan").fill(REVISED_RISK)
    page.get_by_label("Reason for the change").fill("The sponsor asked how skipping is caught.")
    page.get_by_role("button", name="Save", exact=True).click()

    _message(page, "A new revision 2 was made; approval has been requested again from")
    expect(page.get_by_text("Revision 2", exact=True)).to_be_visible()
    expect(_state(page)).to_contain_text("In review")
    notice = page.get_by_role("note").filter(has_text="Re-approval requested")
    expect(notice).to_contain_text(
        "revision 2 changes Risks associated with the process action plan from revision 1"
    )
    for name in (SPONSOR, OWNER):
        expect(notice).to_contain_text(name)
    approval = page.get_by_role("region", name="Approval of revision 2")
    expect(approval).to_contain_text("Revision 2 is not approved yet: waiting for")
    for name in (SPONSOR, OWNER):
        expect(approval.get_by_role("listitem").filter(has_text=name)).to_contain_text("Pending")

    page.get_by_role("link", name="Revisions", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revisions of")
    revisions = page.get_by_role("region", name="Every revision")
    expect(revisions.get_by_role("row").filter(has_text="The sponsor asked")).to_contain_text(
        "current"
    )
    expect(revisions.get_by_role("row").filter(has_text="First version")).to_contain_text(
        "approved"
    )
    page.get_by_label("Older revision").select_option(label="Revision 1")
    page.get_by_label("Newer revision").select_option(label="Revision 2")
    page.get_by_role("button", name="Compare").click()

    diff = page.get_by_role("region", name="Revision 1 compared with revision 2")
    expect(diff).to_contain_text("1 field changed")
    changed = diff.get_by_role("row").filter(
        has_text="Risks associated with the process action plan"
    )
    expect(changed).to_contain_text("changed")
    expect(changed.get_by_role("deletion").first).to_contain_text(
        PLAN_ITEMS["Risks associated with the process action plan"]
    )
    expect(changed.get_by_role("insertion").first).to_contain_text(REVISED_RISK)
    unchanged = diff.get_by_role("row").filter(has_text="Process improvement objectives")
    expect(unchanged).to_contain_text("Unchanged")


def test_a_weakness_becomes_a_piloted_proposal_and_an_approved_then_revised_plan(
    demo_site: None, page: Any
) -> None:
    proposal_url = _propose_from_the_weakness(page)
    _analyze_score_and_select(page, proposal_url)
    _pilot(page, proposal_url)
    plan_url = _write_plan_and_ask_for_review(page)
    _practitioner_cannot_approve(page, plan_url)

    _approve(
        page,
        "sponsor",
        plan_url,
        "Agreed; the training dates suit the teams.",
        "You approved revision 1.",
    )
    page.reload()
    approval = page.get_by_role("region", name="Approval of revision 1")
    expect(approval).to_contain_text(f"Revision 1 is not approved yet: waiting for {OWNER}.")
    sponsor = approval.get_by_role("listitem").filter(has_text=SPONSOR)
    expect(sponsor).to_contain_text("Approved")
    expect(sponsor).to_contain_text("Agreed; the training dates suit the teams.")

    _approve(
        page,
        "process.owner",
        plan_url,
        "The runbook fits the incident process.",
        "Every required reviewer has approved it: the plan is approved.",
    )
    page.reload()
    expect(_state(page)).to_contain_text("Approved")
    expect(approval).to_contain_text("Revision 1 is approved by")
    for name in (SPONSOR, OWNER):
        expect(approval.get_by_role("listitem").filter(has_text=name)).to_contain_text("Approved")
    assert ActionPlan.objects.get(title__contains=TITLE).state == PlanState.APPROVED

    _revise(page)
