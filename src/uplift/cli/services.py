"""``uplift services …``: the IT service portfolio, its scorecards and reviews (issue 7).

Each command starts Django, then calls one service or selector. Reads (``list``,
``show``, ``scorecard``, ``continuity``) need no user: the operator of the command line
sees everything. Writes act as a named user, ``--as USERNAME``, with the same
permission checks as the pages and the API.

``SLUG`` is a service's slug, ``POLICY`` a policy's slug, ``REVIEW`` a review's id and
``DECISION`` the decision's number in its review (1, 2, … as the review's page shows).
``--json`` prints one JSON object: ``scorecard SLUG --json`` is exactly the body of
``GET /api/services/{slug}/scorecard/``, ``scorecard --all --json`` that of
``GET /api/services/scorecards/`` and ``continuity --json`` that of
``GET /api/services/continuity/``. Exit status:

- 0: done;
- 1: not found (no such service, policy, review or decision): one line on stderr;
- 2: a bad argument or a value the rules refuse (a rejected file lists every problem,
  one per line): on stderr, nothing written;
- 3: a permission refusal: one line on stderr saying who may not do what, nothing
  written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from uplift.cli.bootstrap import setup_django
from uplift.cli.output import print_json, print_table, username

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from uplift.apps.service_portfolio.models import Decision, Policy, Review, Service

__all__ = ["BAD_INPUT", "NOT_FOUND", "REFUSED", "app"]

NOT_FOUND = 1  # no such service, policy, review or decision
BAD_INPUT = 2  # a bad argument, as for Click's usage errors
REFUSED = 3  # a permission refusal

app = typer.Typer(
    help=(
        "The IT service portfolio: services, scorecards, continuity, compliance, reviews.\n\n"
        "SLUG is a service's slug; writes act as a user: --as USERNAME, with the "
        "permissions of the pages. Exit status 1: not found; 2: a bad argument or a value "
        "the rules refuse; 3: the user may not do it. Then nothing is written."
    ),
    no_args_is_help=True,
)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object instead of a summary.")
]
AsOption = Annotated[
    str, typer.Option("--as", metavar="USERNAME", help="The user the write is made as.")
]
SlugArgument = Annotated[str, typer.Argument(metavar="SLUG", help="The service's slug.")]

# A refused value names the option or argument at fault.
OPTION_NAMES = {
    "service": "SLUG",
    "policy": "POLICY",
    "result": "RESULT",
    "reason": "--reason",
    "checked_on": "--on",
    "title": "--title",
    "kind": "--kind",
    "held_on": "--held-on",
    "chair": "--chair",
    "notes": "--notes",
    "services": "--service",
    "problem_statement": "--problem",
    "proposal": "DECISION",
}

OUTCOME_COLUMNS = (
    ("valuable_and_compelling", "VALUABLE"),
    ("predictable", "PREDICTABLE"),
    ("reliable", "RELIABLE"),
    ("compliant", "COMPLIANT"),
    ("cost_effective", "COST"),
    ("able_to_adapt", "ADAPT"),
)


# --- failures ----------------------------------------------------------------------------------


def _line(message: str) -> str:
    return " ".join(str(message).split())


def _fail(message: str) -> typer.Exit:
    typer.echo(_line(message), err=True)
    return typer.Exit(code=BAD_INPUT)


def _missing(message: str) -> typer.Exit:
    typer.echo(_line(message), err=True)
    return typer.Exit(code=NOT_FOUND)


def _denied(user: Any, doing: str, error: Exception | None = None) -> typer.Exit:
    """One line: who may not do what (and the service's reason when it gave one)."""
    name = user.get_username()
    reason = _line(str(error)) if error is not None else ""
    if reason.startswith("You may not"):
        line = f"{name} may not{reason[len('You may not') :]}"
    else:
        line = f"{name} may not {doing}"
        if reason and reason.lower().rstrip(".") != "permission denied":
            line += f": {reason[0].lower()}{reason[1:]}"
    typer.echo(line.rstrip(".") + ".", err=True)
    return typer.Exit(code=REFUSED)


def _refused(error: Any, **names: str) -> typer.Exit:
    """A ServicePortfolioError (or a conflict) as one line naming the option at fault
    (``names``: this command's own names of fields)."""
    message = str(getattr(error, "message", error))
    field = str(getattr(error, "field", "") or "")
    option = names.get(field) or OPTION_NAMES.get(field, field)
    return _fail(f"{option}: {message}" if option else message)


def _rejected(file: Path, error: Any) -> typer.Exit:
    """A rejected file: every problem on its own line, then what happened."""
    for problem in error.problems:
        typer.echo(str(problem), err=True)
    count = len(error.problems)
    plural = "s" if count != 1 else ""
    typer.echo(f"{file}: rejected ({count} problem{plural}); nothing was written", err=True)
    return typer.Exit(code=BAD_INPUT)


# --- parsing -----------------------------------------------------------------------------------


def _service(slug: str) -> Service:
    from uplift.apps.service_portfolio.selectors import service_list

    found = service_list().filter(slug=slug.strip()).first()
    if found is None:
        raise _missing(f"SLUG: there is no service {slug!r}")
    return found


def _policy(slug: str) -> Policy:
    from uplift.apps.service_portfolio.models import Policy

    found = Policy.objects.filter(slug=slug.strip()).first()
    if found is None:
        raise _missing(f"POLICY: there is no policy {slug!r}")
    return found


def _review(text: str) -> Review:
    from uplift.apps.service_portfolio.models import Review

    raw = text.strip()
    if not raw.isdigit():
        raise _fail(f"REVIEW: {text!r} is not a review (its number, e.g. 3)")
    found = Review.objects.select_related("chair").filter(pk=int(raw)).first()
    if found is None:
        raise _missing(f"REVIEW: there is no review {int(raw)}")
    return found


def _decision(review: Review, number: int) -> Decision:
    decisions = list(review.decisions.select_related("service", "proposal").order_by("pk"))
    if not 1 <= number <= len(decisions):
        known = f"it has 1 to {len(decisions)}" if decisions else "it has none"
        raise _missing(f"DECISION: review {review.pk} has no decision {number} ({known})")
    return decisions[number - 1]


def _user(name: str | None, option: str = "--as") -> User:
    from django.contrib.auth import get_user_model

    if not name:
        raise _fail(f"{option}: name the user the write is made as")
    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        raise _fail(f"{option}: no user has the username {name!r}")
    if not user.is_active:
        raise _fail(f"{option}: the user {name!r} is not active")
    return user


def _day(option: str, text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise _fail(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


def _choice(option: str, value: str, choices: list[str]) -> str:
    if value not in choices:
        raise _fail(f"{option}: {value!r} is not one of {', '.join(choices)}")
    return value


# --- output ------------------------------------------------------------------------------------


def _words(value: str) -> str:
    return value.replace("_", " ")


def _service_row(service: Any, card: Any) -> dict[str, Any]:
    return {
        "id": service.pk,
        "slug": service.slug,
        "name": service.name,
        "state": service.state,
        "owner": username(service.owner),
        "customers": list(service.customers or []),
        "unit": service.unit.slug,
        "outcomes": card.statuses,
        "shortfalls": [score.outcome.value for score in card.shortfalls],
        "slo_missed_periods": card.slo_missed_periods,
        "version": service.version,
    }


def scorecard_lines(data: Mapping[str, Any]) -> list[str]:
    """A readable summary of ``ServiceScorecard.as_json()``."""
    lines = [f"{data['service']}: {data['window_start']} to {data['window_end']}"]
    for score in data["scores"]:
        lines.append(f"  {score['title']}: {_words(score['status'])} - {score['reason']}")
    for objective in data["objectives"]:
        lines.append(
            f"  Objective {objective['name']}: met in {objective['met']}, missed in "
            f"{objective['missed']}, no data in {objective['no_data']} period(s)"
        )
    lines += [f"  Note: {note}" for note in data["notes"]]
    return lines


# --- the portfolio -----------------------------------------------------------------------------


@app.command("list")
def services_list(
    state: Annotated[
        str | None, typer.Option("--state", help="proposed, catalog or retired.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the portfolio: each service's state, owner and six outcome statuses."""
    setup_django()
    from uplift.apps.service_portfolio.choices import ServiceState
    from uplift.apps.service_portfolio.selectors import service_list
    from uplift.apps.service_portfolio.selectors_scorecard import portfolio_scorecards

    services = service_list()
    if state is not None:
        services = services.filter(state=_choice("--state", state, ServiceState.values))
    chosen = list(services)
    cards = portfolio_scorecards(chosen)
    rows = [_service_row(service, cards[service.pk]) for service in chosen]
    if as_json:
        print_json({"count": len(rows), "services": rows})
        return
    if not rows:
        typer.echo("No services." if state is None else f"No services {_words(state)}.")
        return
    print_table(
        ("SERVICE", "STATE", "OWNER", *(title for _, title in OUTCOME_COLUMNS)),
        [
            (
                row["slug"],
                row["state"],
                row["owner"] or "",
                *(_words(row["outcomes"][outcome]) for outcome, _ in OUTCOME_COLUMNS),
            )
            for row in rows
        ],
    )


@app.command("show")
def services_show(slug: SlugArgument, as_json: JsonOption = False) -> None:
    """One service: its scorecard at a glance, objectives, continuity plans and checks."""
    setup_django()
    from uplift.apps.service_portfolio.selectors_continuity import continuity_rows
    from uplift.apps.service_portfolio.selectors_policies import latest_checks
    from uplift.apps.service_portfolio.selectors_scorecard import service_scorecard

    service = _service(slug)
    card = service_scorecard(service)
    data = {
        **_service_row(service, card),
        "description": service.description,
        "unit_name": service.unit.name,
        "work_activities": list(
            service.work_activities.order_by("slug").values_list("slug", flat=True)
        ),
        "itsm_processes": list(service.itsm_processes or []),
        "capacity": service.capacity,
        "demand_unit": service.demand_unit,
        "currency": service.currency,
        "window_start": card.window_start,
        "window_end": card.window_end,
        "objectives": [row.as_json() for row in card.slos],
        "continuity": [row.as_json() for row in continuity_rows(service)],
        "compliance": [
            {
                "policy": check.policy.slug,
                "result": check.result,
                "reason": check.reason,
                "checked_on": check.checked_on,
                "checked_by": username(check.checked_by),
            }
            for check in latest_checks(service)
        ],
    }
    if as_json:
        print_json(data)
        return
    typer.echo(f"{service.name} ({service.slug}): {_words(service.state)}")
    typer.echo(f"Owner: {data['owner']}; unit: {data['unit_name']}")
    if data["customers"]:
        typer.echo(f"Customers: {', '.join(data['customers'])}")
    shortfalls = ", ".join(_words(name) for name in data["shortfalls"]) or "none"
    typer.echo(
        f"Scorecard {data['window_start']} to {data['window_end']}; shortfalls: {shortfalls}"
    )
    for outcome, title in OUTCOME_COLUMNS:
        typer.echo(f"  {title.capitalize()}: {_words(data['outcomes'][outcome])}")
    for objective in data["objectives"]:
        typer.echo(
            f"Objective {objective['name']}: target {objective['target']}, missed in "
            f"{objective['missed']} period(s)"
        )
    for plan in data["continuity"]:
        typer.echo(f"Continuity plan {plan['name']}: {plan['status']['detail']}")
    for check in data["compliance"]:
        typer.echo(f"Policy {check['policy']}: {check['result']} on {check['checked_on']}")


@app.command("scorecard")
def scorecard(
    slug: Annotated[
        str | None, typer.Argument(metavar="[SLUG]", help="The service (or --all).")
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every service, by name.")] = False,
    as_json: JsonOption = False,
) -> None:
    """A service's scorecard (or every service's): each outcome with its reason."""
    setup_django()
    from uplift.apps.service_portfolio.selectors import service_list
    from uplift.apps.service_portfolio.selectors_scorecard import (
        portfolio_scorecards,
        service_scorecard,
    )

    if every == (slug is not None):
        raise _fail("SLUG: name one service, or give --all (not both)")
    if slug is not None:
        data = service_scorecard(_service(slug)).as_json()
        if as_json:
            print_json(data)
            return
        for line in scorecard_lines(data):
            typer.echo(line)
        return
    services = list(service_list())
    cards = portfolio_scorecards(services)
    found = [cards[service.pk].as_json() for service in services]
    if as_json:
        print_json({"count": len(found), "scorecards": found})
        return
    if not found:
        typer.echo("No services.")
    for data in found:
        for line in scorecard_lines(data):
            typer.echo(line)


@app.command("continuity")
def continuity(
    overdue: Annotated[
        bool,
        typer.Option(
            "--overdue", help="Only the plans that need a test: never tested, failed or overdue."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Every continuity plan and its testing, the ones needing attention first."""
    setup_django()
    from django.utils import timezone

    from uplift.apps.service_portfolio.selectors_continuity import continuity_overview

    today = timezone.localdate()
    rows = continuity_overview(today=today)
    if overdue:
        rows = [row for row in rows if row.needs_attention]
    if as_json:
        print_json({"today": today, "count": len(rows), "plans": [r.as_json() for r in rows]})
        return
    if not rows:
        typer.echo("No continuity plans need a test." if overdue else "No continuity plans.")
        return
    print_table(
        ("SERVICE", "PLAN", "STATE", "DETAIL"),
        [(row.service.slug, row.plan.name, _words(row.state), row.status.detail) for row in rows],
    )


# --- writes ------------------------------------------------------------------------------------


@app.command("periods-import")
def periods_import(
    slug: SlugArgument,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="CSV with the columns period (YYYY-MM), cost and optionally demand.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    as_user: AsOption,
    as_json: JsonOption = False,
) -> None:
    """Import a service's cost and demand per month from a CSV file: all rows or none."""
    setup_django()
    from django.core.exceptions import PermissionDenied

    from uplift.apps.service_portfolio.errors import ServicePortfolioError
    from uplift.apps.service_portfolio.permissions import service_row_can
    from uplift.apps.service_portfolio.services.portfolio import periods_import as run
    from uplift.domain.errors import InvalidDocument

    service = _service(slug)
    user = _user(as_user)
    doing = f"record the cost and demand of {service.slug}"
    if not all(service_row_can(user, service, act, "serviceperiod") for act in ("add", "change")):
        raise _denied(user, doing)
    try:
        count = run(actor=user, service=service, data=file.read_bytes(), filename=file.name)
    except PermissionDenied as error:
        raise _denied(user, doing, error) from None
    except InvalidDocument as error:
        raise _rejected(file, error) from None
    except ServicePortfolioError as error:
        raise _refused(error) from None
    total = service.periods.count()
    if as_json:
        print_json({"service": service.slug, "imported": count, "periods": total})
        return
    typer.echo(f"{service.slug}: {count} month(s) imported from {file.name}; {total} kept.")


@app.command("compliance")
def compliance(
    slug: SlugArgument,
    policy: Annotated[str, typer.Argument(metavar="POLICY", help="The policy's slug.")],
    result: Annotated[str, typer.Argument(metavar="RESULT", help="passed, failed or waived.")],
    as_user: AsOption,
    reason: Annotated[
        str, typer.Option("--reason", help="The finding (failed) or why (waived).")
    ] = "",
    on: Annotated[
        str | None,
        typer.Option("--on", metavar="YYYY-MM-DD", help="The day it was checked (default: today)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a compliance check of a service against a policy that governs it.

    A failure states the finding; a waiver its reason and needs the waiver permission
    (process group, sponsor, steering committee).
    """
    setup_django()
    from django.core.exceptions import PermissionDenied

    from uplift.apps.service_portfolio.choices import ComplianceResult
    from uplift.apps.service_portfolio.errors import ServicePortfolioError
    from uplift.apps.service_portfolio.permissions import (
        compliance_can_record,
        compliance_can_waive,
    )
    from uplift.apps.service_portfolio.services.policies import compliance_record

    service = _service(slug)
    found = _policy(policy)
    chosen = _choice("RESULT", result, ComplianceResult.values)
    day = _day("--on", on)
    user = _user(as_user)
    doing = f"record compliance checks of {service.slug}"
    if not compliance_can_record(user, service):
        raise _denied(user, doing)
    if chosen == ComplianceResult.WAIVED and not compliance_can_waive(user):
        raise _denied(user, f"waive {found.slug} for {service.slug}")
    try:
        check = compliance_record(
            actor=user, policy=found, service=service, result=chosen, reason=reason, checked_on=day
        )
    except PermissionDenied as error:
        raise _denied(user, doing, error) from None
    except ServicePortfolioError as error:
        raise _refused(error) from None
    data = {
        "id": check.pk,
        "service": service.slug,
        "policy": found.slug,
        "result": check.result,
        "reason": check.reason,
        "checked_on": check.checked_on,
        "checked_by": username(user),
    }
    if as_json:
        print_json({"check": data})
        return
    typer.echo(f"{service.slug} against {found.slug}: {check.result} on {check.checked_on}.")


@app.command("review-open")
def review_open(
    title: Annotated[str, typer.Argument(metavar="TITLE", help="The review's title.")],
    as_user: AsOption,
    kind: Annotated[
        str, typer.Option("--kind", help="portfolio or service_alignment.")
    ] = "portfolio",
    held_on: Annotated[
        str | None,
        typer.Option("--held-on", metavar="YYYY-MM-DD", help="The day (default: today)."),
    ] = None,
    services: Annotated[
        list[str] | None,
        typer.Option(
            "--service", metavar="SLUG", help="A service to review (repeat; default: the catalog)."
        ),
    ] = None,
    chair: Annotated[
        str | None, typer.Option("--chair", metavar="USERNAME", help="Default: --as.")
    ] = None,
    notes: Annotated[str, typer.Option("--notes")] = "",
    as_json: JsonOption = False,
) -> None:
    """Open a management review; its services' scorecards are kept as they are now."""
    setup_django()
    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    from uplift.apps.service_portfolio.choices import ReviewKind
    from uplift.apps.service_portfolio.errors import ServicePortfolioError
    from uplift.apps.service_portfolio.permissions import review_can_open
    from uplift.apps.service_portfolio.selectors_reviews import review_detail
    from uplift.apps.service_portfolio.services.reviews import review_open as open_review

    chosen_kind = _choice("--kind", kind, ReviewKind.values)
    day = _day("--held-on", held_on) or timezone.localdate()
    chosen = [_service(slug) for slug in services or []]
    chair_user = _user(chair, "--chair") if chair is not None else None
    user = _user(as_user)
    if not review_can_open(user):
        raise _denied(user, "open reviews")
    try:
        review = open_review(
            actor=user,
            title=title,
            kind=chosen_kind,
            held_on=day,
            services=chosen,
            chair=chair_user,
            notes=notes,
        )
    except PermissionDenied as error:
        raise _denied(user, "open reviews", error) from None
    except ServicePortfolioError as error:
        raise _refused(error, title="TITLE") from None
    detail = review_detail(review)
    shortfalls = [
        {"service": row.slug, "outcome": score.outcome, "status": score.status}
        for row, score in detail.shortfalls
    ]
    data: dict[str, Any] = {
        "id": review.pk,
        "title": review.title,
        "kind": review.kind,
        "held_on": review.held_on,
        "chair": username(review.chair),
        "services": [row.slug for row in detail.services],
        "shortfalls": shortfalls,
    }
    if as_json:
        print_json({"review": data})
        return
    typer.echo(
        f"Review {review.pk} {review.title} opened for {len(data['services'])} service(s); "
        f"{len(shortfalls)} shortfall(s)."
    )
    for item in shortfalls:
        typer.echo(f"  {item['service']}: {_words(item['outcome'])} {_words(item['status'])}")


@app.command("propose")
def propose(
    review: Annotated[str, typer.Argument(metavar="REVIEW", help="The review's id.")],
    decision: Annotated[
        int, typer.Argument(metavar="DECISION", help="The decision's number in the review.")
    ],
    as_user: AsOption,
    title: Annotated[
        str | None, typer.Option("--title", help="Default: built from the decision.")
    ] = None,
    problem: Annotated[
        str | None,
        typer.Option("--problem", help="The problem statement (default: the shortfall)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Turn a review's decision into an improvement proposal (once per decision)."""
    setup_django()
    from django.core.exceptions import PermissionDenied

    from uplift.apps.service_portfolio.errors import ServicePortfolioError
    from uplift.apps.service_portfolio.models import Decision
    from uplift.apps.service_portfolio.permissions import decision_can_propose
    from uplift.apps.service_portfolio.services.reviews import decision_propose

    found_review = _review(review)
    found = _decision(found_review, decision)
    user = _user(as_user)
    doing = "turn decisions into improvement proposals"
    # Whether the user may at all; a decision proposed already is a rule (exit 2).
    unproposed = found if found.proposal_id is None else Decision(review_id=found.review_id)
    if not decision_can_propose(user, unproposed):
        raise _denied(user, doing)
    try:
        proposal = decision_propose(
            actor=user, decision=found, title=title, problem_statement=problem
        )
    except PermissionDenied as error:
        raise _denied(user, doing, error) from None
    except ServicePortfolioError as error:
        raise _refused(error) from None
    data = {
        "review": found_review.pk,
        "decision": decision,
        "proposal": {
            "id": proposal.pk,
            "reference": proposal.reference,
            "title": proposal.title,
            "state": proposal.state,
            "source_reference": proposal.source_reference,
        },
    }
    if as_json:
        print_json(data)
        return
    typer.echo(
        f"Review {found_review.pk} decision {decision} became {proposal.reference} "
        f"“{proposal.title}”."
    )
