"""``uplift improvements …``: proposals, criteria and scores, the ranking, and action plans.

Each command starts Django, then calls one service or reads the improvements' tables.
Reads (``list``, ``show``, ``rank``, ``compare``) need no user: the operator of the
command line sees everything. Writes act as a named user, ``--as USERNAME``, with the
same permission checks as the pages and the API.

``--json`` prints one JSON object. Exit status:

- 0: done;
- 2: a bad argument (an unknown proposal, plan, criterion or user; a value the rules
  refuse; a version conflict): one line on stderr, nothing written;
- 3: a permission refusal (the user may not do this): one line on stderr saying who
  may not do what, nothing written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any

import typer

from uplift.cli.bootstrap import setup_django
from uplift.cli.output import json_ready, print_json, print_table, username

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from uplift.apps.improvements.models import ActionPlan, Proposal

__all__ = ["BAD_INPUT", "REFUSED", "app"]

BAD_INPUT = 2  # a bad argument, as for Click's usage errors
REFUSED = 3  # a permission refusal

app = typer.Typer(
    help=(
        "Improvement proposals, their selection (criteria, scores, ranking) and process "
        "action plans (revisions and reviews).\n\n"
        "Writes act as a user: --as USERNAME, with the permissions of the pages. Exit "
        "status 2: a bad argument or a value the rules refuse; 3: the user may not do "
        "it. Either way one line goes to stderr and nothing is written."
    ),
    no_args_is_help=True,
)
proposals_app = typer.Typer(
    help="Improvement proposals and their life cycle.", no_args_is_help=True
)
criteria_app = typer.Typer(help="The criteria of the decision analysis.", no_args_is_help=True)
scores_app = typer.Typer(help="Scores of proposals against the criteria.", no_args_is_help=True)
plans_app = typer.Typer(
    help="Process action plans: content, revisions and reviews.", no_args_is_help=True
)
app.add_typer(proposals_app, name="proposals")
app.add_typer(criteria_app, name="criteria")
app.add_typer(scores_app, name="scores")
app.add_typer(plans_app, name="plans")

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object instead of a summary.")
]
AsOption = Annotated[
    str, typer.Option("--as", metavar="USERNAME", help="The user the write is made as.")
]
ProposalArgument = Annotated[
    str, typer.Argument(metavar="PROPOSAL", help="The proposal's id (12 or IP-12).")
]
PlanArgument = Annotated[str, typer.Argument(metavar="PLAN", help="The plan's id (3 or PAP-3).")]


# --- failures ----------------------------------------------------------------------------------


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=BAD_INPUT)


def _denied(user: Any, doing: str, error: Exception | None = None) -> typer.Exit:
    """One line: who may not do what (and the service's reason when it gave one)."""
    name = user.get_username()
    reason = " ".join(str(error).split()) if error is not None else ""
    if reason.startswith("You may not"):
        line = f"{name} may not{reason[len('You may not') :]}"
    elif "may not" in reason:
        line = reason
    else:
        line = f"{name} may not {doing}"
        if reason and reason.lower().rstrip(".") != "permission denied":
            line += f": {reason[0].lower()}{reason[1:]}"
    typer.echo(line.rstrip(".") + ".", err=True)
    return typer.Exit(code=REFUSED)


OPTION_NAMES = {
    "title": "--title",
    "problem_statement": "--problem",
    "source_kind": "--source-kind",
    "finding": "--finding",
    "objective": "--objective",
    "source_reference": "--reference",
    "category": "--category",
    "size": "--size",
    "proven": "--proven",
    "estimated_cost": "--cost",
    "name": "NAME",
    "reason": "--reason",
    "value": "VALUE",
    "criterion": "CRITERION",
    "reviewers": "--reviewer",
    "comment": "--comment",
    "decision": "--decision",
    "version": "--version",
    "budget": "--budget",
    "states": "--state",
}


def _refused(error: Any) -> typer.Exit:
    """An ImprovementError (or a ValidationError) as one line naming the option at fault."""
    message = getattr(error, "message", None)
    field = getattr(error, "field", None)
    if message is None:  # django.core.exceptions.ValidationError
        messages = getattr(error, "message_dict", None)
        if messages:
            field, texts = next(iter(messages.items()))
            message = " ".join(texts)
            field = None if field == "__all__" else field
        else:
            message = " ".join(getattr(error, "messages", [str(error)]))
    option = OPTION_NAMES.get(field or "", field or "")
    return _fail(f"{option}: {message}" if option else str(message))


# --- parsing -----------------------------------------------------------------------------------


def _id(text: str, prefix: str, what: str) -> int:
    raw = text.strip()
    if raw.upper().startswith(prefix + "-"):
        raw = raw[len(prefix) + 1 :]
    if not raw.isdigit():
        raise _fail(f"{what}: {text!r} is not an id (a number, or {prefix}-<number>)")
    return int(raw)


def _proposal(text: str) -> Proposal:
    from uplift.apps.improvements.models import Proposal

    pk = _id(text, "IP", "PROPOSAL")
    found = Proposal.objects.filter(pk=pk).first()
    if found is None:
        raise _fail(f"PROPOSAL: there is no proposal IP-{pk}")
    return found


def _plan(text: str, option: str = "PLAN") -> ActionPlan:
    from uplift.apps.improvements.models import ActionPlan

    pk = _id(text, "PAP", option)
    found = ActionPlan.objects.filter(pk=pk).first()
    if found is None:
        raise _fail(f"{option}: there is no plan PAP-{pk}")
    return found


def _user(username: str, option: str = "--as") -> User:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise _fail(f"{option}: no user has the username {username!r}")
    if not user.is_active:
        raise _fail(f"{option}: the user {username!r} is not active")
    return user


def _choice(option: str, value: str | None, choices: Any) -> str | None:
    if value is None:
        return None
    if value not in choices.values:
        raise _fail(f"{option}: {value!r} is not one of {', '.join(choices.values)}")
    return value


def _states(values: Iterable[str] | None) -> list[str]:
    from uplift.apps.improvements.choices import ProposalState

    states = []
    for value in values or []:
        for item in value.split(","):
            if item.strip():
                states.append(_choice("--state", item.strip(), ProposalState) or "")
    return states


def _decimal(option: str, text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise _fail(f"{option}: {text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise _fail(f"{option}: {text!r} must be a number of zero or more")
    return value


# --- output ------------------------------------------------------------------------------------


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- proposals ---------------------------------------------------------------------------------


def _proposal_row(proposal: Proposal) -> dict[str, Any]:
    return {
        "id": proposal.pk,
        "reference": proposal.reference,
        "title": proposal.title,
        "state": proposal.state,
        "source_kind": proposal.source_kind,
        "category": proposal.category,
        "size": proposal.size,
        "proven": proposal.proven,
        "estimated_cost": proposal.estimated_cost,
        "submitted_by": username(proposal.submitted_by),
        "submitted_at": _when(proposal.submitted_at),
        "state_changed_at": _when(proposal.state_changed_at),
    }


def proposal_json(proposal: Proposal) -> dict[str, Any]:
    """Everything the detail page shows of a proposal, as one JSON-ready object."""
    from uplift.apps.improvements.services.proposals import proposal_pilot_reasons
    from uplift.domain.proposal_lifecycle import available_transitions

    finding = proposal.finding
    objective = proposal.objective
    data = _proposal_row(proposal)
    data.update(
        {
            "version": proposal.version,
            "source": {
                "kind": proposal.source_kind,
                "reference": proposal.source_reference,
                "finding": None
                if finding is None
                else {
                    "id": finding.pk,
                    "appraisal": finding.appraisal.name,
                    "kind": finding.kind,
                    "text": finding.text,
                },
                "objective": None
                if objective is None
                else {"id": objective.pk, "name": objective.name, "kind": objective.kind},
            },
            "process_areas": [
                area.abbreviation for area in proposal.process_areas.order_by("abbreviation")
            ],
            "practices": sorted(
                f"{p.process_area.abbreviation} {p.identifier}" if p.process_area else p.identifier
                for p in proposal.practices.select_related("process_area")
            ),
            "problem_statement": proposal.problem_statement,
            "proposed_change": proposal.proposed_change,
            "running_cost": proposal.running_cost,
            "estimated_effort": proposal.estimated_effort,
            "estimated_duration_weeks": proposal.estimated_duration_weeks,
            "risks": proposal.risks,
            "barriers": proposal.barriers,
            "success_criteria": proposal.success_criteria,
            "validation_method": proposal.validation_method,
            "benefits": [
                {
                    "measure": benefit.measure.slug,
                    "expected_change": benefit.expected_change,
                    "by_when": benefit.by_when,
                    "note": benefit.note,
                }
                for benefit in proposal.benefits.select_related("measure")
            ],
            "pilot_reasons": proposal_pilot_reasons(proposal),
            "transitions": [
                {
                    "name": t.name,
                    "from": t.from_state,
                    "to": t.to_state,
                    "actor": username(t.actor),
                    "at": _when(t.at),
                    "reason": t.reason,
                }
                for t in proposal.transitions.select_related("actor").order_by("at", "pk")
            ],
            "available_transitions": [
                {"name": t.name, "label": t.label, "to": t.target, "permission": t.permission}
                for t in available_transitions(proposal.state)
            ],
            "scores": [
                {
                    "criterion": score.criterion.slug,
                    "value": score.value,
                    "note": score.note,
                    "scored_by": username(score.scored_by),
                    "scored_at": _when(score.scored_at),
                }
                for score in proposal.scores.select_related("criterion", "scored_by")
            ],
            "pilots": [
                {
                    "id": pilot.pk,
                    "title": pilot.title,
                    "status": pilot.status,
                    "start": pilot.start,
                    "end": pilot.end,
                    "work_activities": sorted(a.slug for a in pilot.work_activities.all()),
                    "measures": sorted(m.slug for m in pilot.measures.all()),
                    "decision": pilot.decision,
                    "decision_rationale": pilot.decision_rationale,
                    "decided_at": _when(pilot.decided_at),
                }
                for pilot in proposal.pilots.order_by("start", "pk")
            ],
            "plans": [
                {"id": plan.pk, "reference": plan.reference, "title": plan.title}
                for plan in proposal.plans.order_by("pk")
            ],
        }
    )
    return data


def proposal_lines(data: Mapping[str, Any]) -> list[str]:
    """A readable summary of ``proposal_json``."""
    lines = [
        f"{data['reference']} {data['title']}",
        f"State: {data['state'].replace('_', ' ')} (version {data['version']})",
        f"Source: {data['source_kind'].replace('_', ' ')}"
        + (f" - {data['source']['reference']}" if data["source"]["reference"] else ""),
    ]
    finding, objective = data["source"]["finding"], data["source"]["objective"]
    if finding:
        lines.append(f"  Finding {finding['id']} of {finding['appraisal']}: {finding['text']}")
    if objective:
        lines.append(f"  Objective {objective['id']}: {objective['name']}")
    if data["process_areas"]:
        lines.append(
            f"Addresses: {', '.join(data['process_areas'])}"
            + (f" ({', '.join(data['practices'])})" if data["practices"] else "")
        )
    lines.append(
        f"{data['category'].capitalize()}, {data['size']}, "
        + ("proven" if data["proven"] else "not proven")
    )
    lines.append(f"Problem: {data['problem_statement']}")
    if data["proposed_change"]:
        lines.append(f"Change: {data['proposed_change']}")
    reasons = data["pilot_reasons"]
    lines.append("Must pass a pilot: " + "; ".join(reasons) if reasons else "No pilot required.")
    if data["benefits"]:
        lines.append("Expected benefits:")
        lines += [
            f"  {b['measure']} {float(b['expected_change']):+g}%"
            + (f" by {b['by_when']}" if b["by_when"] else "")
            for b in data["benefits"]
        ]
    if data["scores"]:
        lines.append(
            "Scores: " + ", ".join(f"{s['criterion']} {s['value']}" for s in data["scores"])
        )
    if data["pilots"]:
        lines.append("Pilots:")
        for pilot in data["pilots"]:
            decided = f", decided {pilot['decision']}" if pilot["decision"] else ""
            lines.append(
                f"  {pilot['id']} {pilot['title']} ({pilot['status']}, {pilot['start']} to "
                f"{pilot['end']}{decided})"
            )
    lines.append("Transitions:")
    for t in data["transitions"]:
        when = (t["at"] or "")[:10]
        reason = f": {t['reason']}" if t["reason"] else ""
        lines.append(f"  {when} {t['name']} -> {t['to']} by {t['actor'] or '?'}{reason}")
    if data["available_transitions"]:
        lines.append("Next: " + ", ".join(t["name"] for t in data["available_transitions"]))
    return lines


@proposals_app.command("list")
def proposals_list(
    state: Annotated[
        list[str] | None,
        typer.Option("--state", metavar="STATE", help="Only proposals in this state (repeat)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List proposals, newest first: id, state, source, title."""
    setup_django()
    from uplift.apps.improvements.models import Proposal

    states = _states(state)

    queryset = Proposal.objects.select_related("submitted_by")
    if states:
        queryset = queryset.filter(state__in=states)
    rows = [_proposal_row(p) for p in queryset.order_by("-submitted_at", "-pk")]
    if as_json:
        print_json({"count": len(rows), "proposals": rows})
        return
    if not rows:
        typer.echo("No proposals.")
        return
    print_table(
        ("ID", "STATE", "SOURCE", "SUBMITTED", "TITLE"),
        [
            (
                row["reference"],
                row["state"],
                row["source_kind"],
                (row["submitted_at"] or "")[:10],
                row["title"],
            )
            for row in rows
        ],
    )


@proposals_app.command("show")
def proposals_show(proposal: ProposalArgument, as_json: JsonOption = False) -> None:
    """Show a proposal: content, source, transitions, pilot reasons, scores, pilots."""
    setup_django()
    data = proposal_json(_proposal(proposal))
    if as_json:
        print_json(data)
        return
    for line in proposal_lines(data):
        typer.echo(line)


@proposals_app.command("create")
def proposals_create(
    title: Annotated[str, typer.Option("--title", help="What to change, in a few words.")],
    problem: Annotated[str, typer.Option("--problem", help="The problem statement.")],
    source_kind: Annotated[
        str,
        typer.Option(
            "--source-kind",
            help="appraisal_weakness, appraisal_finding, suggestion, qppo_shortfall, "
            "lessons_learned, causal_analysis, technology_scan or service_review.",
        ),
    ],
    as_user: AsOption,
    finding: Annotated[
        int | None, typer.Option("--finding", metavar="ID", help="The appraisal finding's id.")
    ] = None,
    objective: Annotated[
        int | None, typer.Option("--objective", metavar="ID", help="The QPPO's id.")
    ] = None,
    reference: Annotated[
        str | None,
        typer.Option("--reference", help="Where it came from: a record, a report, a link."),
    ] = None,
    change: Annotated[str | None, typer.Option("--change", help="The proposed change.")] = None,
    category: Annotated[
        str | None, typer.Option("--category", help="incremental or innovative.")
    ] = None,
    size: Annotated[str | None, typer.Option("--size", help="minor or major.")] = None,
    proven: Annotated[
        bool | None,
        typer.Option("--proven/--unproven", help="Proven in a comparable environment."),
    ] = None,
    cost: Annotated[
        str | None, typer.Option("--cost", metavar="AMOUNT", help="Estimated one-off cost.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Submit a proposal as a user (any signed-in user may suggest one)."""
    setup_django()
    from django.core.exceptions import PermissionDenied, ValidationError

    from uplift.apps.appraisals.models import Finding
    from uplift.apps.improvements.choices import Category, Size, SourceKind
    from uplift.apps.improvements.errors import ImprovementError
    from uplift.apps.improvements.permissions import proposal_can_submit
    from uplift.apps.improvements.services.proposals import proposal_create
    from uplift.apps.measurements.models import Objective

    _choice("--source-kind", source_kind, SourceKind)
    fields: dict[str, Any] = {}
    if (value := _choice("--category", category, Category)) is not None:
        fields["category"] = value
    if (value := _choice("--size", size, Size)) is not None:
        fields["size"] = value
    if proven is not None:
        fields["proven"] = proven
    if (amount := _decimal("--cost", cost)) is not None:
        fields["estimated_cost"] = amount
    if reference is not None:
        fields["source_reference"] = reference
    if change is not None:
        fields["proposed_change"] = change
    if not title.strip():
        raise _fail("--title: give the proposal a title")
    if not problem.strip():
        raise _fail("--problem: say what the problem is")
    source_finding = None
    if finding is not None:
        source_finding = Finding.objects.filter(pk=finding).first()
        if source_finding is None:
            raise _fail(f"--finding: there is no finding {finding}")
    source_objective = None
    if objective is not None:
        source_objective = Objective.objects.filter(pk=objective).first()
        if source_objective is None:
            raise _fail(f"--objective: there is no objective {objective}")
    user = _user(as_user)
    if not proposal_can_submit(user):
        raise _denied(user, "submit proposals")
    try:
        created = proposal_create(
            actor=user,
            title=title.strip(),
            source_kind=source_kind,
            problem_statement=problem.strip(),
            finding=source_finding,
            objective=source_objective,
            **fields,
        )
    except PermissionDenied as error:
        raise _denied(user, "submit proposals", error) from None
    except (ImprovementError, ValidationError) as error:
        raise _refused(error) from None
    data = proposal_json(created)
    if as_json:
        print_json(data)
        return
    typer.echo(f"Submitted {created.reference} {created.title}.")


@proposals_app.command("transition")
def proposals_transition(
    proposal: ProposalArgument,
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="analyze, reject, select_for_validation, start_validation, terminate, "
            "rework, validate, select_for_deployment, start_deployment, "
            "complete_deployment or evaluate.",
        ),
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the transition).")],
    as_user: AsOption,
    version: Annotated[
        int | None,
        typer.Option("--version", help="Refuse if the proposal changed since this version."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Move a proposal along its life cycle, as a user with the permission it needs."""
    setup_django()
    from django.core.exceptions import PermissionDenied

    from uplift.apps.improvements.errors import ImprovementError
    from uplift.apps.improvements.services.proposals import proposal_transition
    from uplift.domain.proposal_lifecycle import TRANSITIONS

    found = _proposal(proposal)
    if name not in TRANSITIONS:
        raise _fail(f"NAME: {name!r} is not a transition; use one of {', '.join(TRANSITIONS)}")
    user = _user(as_user)
    try:
        moved = proposal_transition(
            proposal=found, name=name, actor=user, reason=reason, expected_version=version
        )
    except PermissionDenied as error:
        label = TRANSITIONS[name].label.lower()
        raise _denied(user, f"{label} {found.reference}", error) from None
    except ImprovementError as error:
        raise _refused(error) from None
    if as_json:
        print_json(proposal_json(moved))
        return
    typer.echo(f"{moved.reference} is now {moved.state.replace('_', ' ')}.")


# --- criteria, scores, ranking -----------------------------------------------------------------


@criteria_app.command("list")
def criteria_list(as_json: JsonOption = False) -> None:
    """The criteria of the decision analysis, with direction and weight."""
    setup_django()
    from uplift.apps.improvements.models import Criterion

    rows = [
        {
            "slug": c.slug,
            "name": c.name,
            "direction": c.direction,
            "weight": c.weight,
            "position": c.position,
            "active": c.active,
        }
        for c in Criterion.objects.order_by("position", "pk")
    ]
    if as_json:
        print_json({"count": len(rows), "criteria": rows})
        return
    if not rows:
        typer.echo("No criteria yet; the selection page creates the five defaults.")
        return
    print_table(
        ("SLUG", "DIRECTION", "WEIGHT", "ACTIVE", "NAME"),
        [
            (
                str(r["slug"]),
                str(r["direction"]),
                f"{r['weight']:.3f}",
                "yes" if r["active"] else "no",
                str(r["name"]),
            )
            for r in rows
        ],
    )


@scores_app.command("set")
def scores_set(
    proposal: ProposalArgument,
    criterion: Annotated[str, typer.Argument(metavar="CRITERION", help="The criterion's slug.")],
    value: Annotated[int, typer.Argument(metavar="VALUE", help="The score, 1 to 5.")],
    as_user: AsOption,
    note: Annotated[str, typer.Option("--note", help="Why this score.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Score a proposal on one criterion (1 to 5), as a user who may score."""
    setup_django()
    from django.core.exceptions import PermissionDenied, ValidationError

    from uplift.apps.improvements.errors import ImprovementError
    from uplift.apps.improvements.models import Criterion
    from uplift.apps.improvements.services.selection import score_set

    found = _proposal(proposal)
    criterion_found = Criterion.objects.filter(slug=criterion).first()
    if criterion_found is None:
        raise _fail(f"CRITERION: there is no criterion {criterion!r}")
    if not 1 <= value <= 5:
        raise _fail(f"VALUE: a score runs from 1 to 5, not {value}")
    user = _user(as_user)
    try:
        score = score_set(
            proposal=found, criterion=criterion_found, value=value, actor=user, note=note
        )
    except PermissionDenied as error:
        raise _denied(user, "score proposals", error) from None
    except (ImprovementError, ValidationError) as error:
        raise _refused(error) from None
    if as_json:
        print_json(
            {
                "proposal": found.pk,
                "criterion": criterion_found.slug,
                "value": score.value,
                "note": score.note,
                "scored_by": username(score.scored_by),
            }
        )
        return
    typer.echo(f"{found.reference} scores {score.value} on {criterion_found.name}.")


def _number(value: Any, places: int = 3) -> float | None:
    """A Fraction or Decimal as a JSON number, rounded half up to ``places``."""
    from uplift.domain.decision_analysis import as_decimal

    if value is None:
        return None
    return float(as_decimal(Fraction(value), places))


def _interval_json(interval: Any) -> dict[str, Any] | None:
    if interval is None:
        return None

    def swap(item: Any) -> dict[str, Any] | None:
        if item is None:
            return None
        return {"weight": _number(item.weight), "pairs": [list(pair) for pair in item.pairs]}

    return {
        "low": _number(interval.low),
        "high": _number(interval.high),
        "low_swap": swap(interval.low_swap),
        "high_swap": swap(interval.high_swap),
    }


def ranking_json(result: Any) -> dict[str, Any]:
    """A ``RankingResult`` as one JSON-ready object: criteria, ranking, sensitivity,
    portfolio (None without a budget). Totals and weights are rounded to 3 places."""
    from uplift.domain.decision_analysis import sensitivity_sentences

    chosen = result.portfolio
    return {
        "states": list(result.states),
        "criteria": [
            {
                "slug": c.slug,
                "name": c.name,
                "direction": c.direction,
                "weight": _number(result.weights[c.slug]),
                "normalized": _number(result.normalized[c.slug]),
            }
            for c in result.criteria
        ],
        "ranking": [
            {
                "rank": row.ranked.rank,
                "proposal": row.proposal.pk,
                "reference": row.ranked.key,
                "title": row.proposal.title,
                "state": row.proposal.state,
                "total": _number(row.ranked.total),
                "complete": row.ranked.complete,
                "missing": list(row.ranked.missing),
                "estimated_cost": row.proposal.estimated_cost,
                "contributions": [
                    {
                        "criterion": c.criterion,
                        "score": c.score,
                        "value": c.value,
                        "contribution": _number(c.contribution),
                    }
                    for c in row.ranked.contributions
                ],
            }
            for row in result.rows
        ],
        "sensitivity": [
            {
                "criterion": item.criterion,
                "name": item.name,
                "weight": _number(item.weight),
                "leaders": list(item.leaders),
                "leader": _interval_json(item.leader),
                "order": _interval_json(item.order),
                "scenarios": [
                    {
                        "change": scenario.change,
                        "weight": _number(scenario.weight),
                        "capped": scenario.capped,
                        "ranks": dict(scenario.ranks),
                    }
                    for scenario in item.scenarios
                ],
                "sentences": [text for text in sensitivity_sentences(item) if text],
            }
            for item in result.sensitivity
        ],
        "budget": result.budget,
        "portfolio": None
        if chosen is None
        else {
            "budget": _number(chosen.budget, 2),
            "selected": [c.key for c in chosen.selected],
            "total_cost": _number(chosen.total_cost, 2),
            "total_value": _number(chosen.total_value),
            "remaining": _number(chosen.remaining, 2),
            "excluded_no_cost": [c.key for c in chosen.excluded_no_cost],
            "excluded_incomplete": [c.key for c in chosen.excluded_incomplete],
        },
    }


def ranking_lines(data: Mapping[str, Any]) -> list[str]:
    """A readable summary of ``ranking_json``."""
    weights = ", ".join(f"{c['name']} {c['normalized']:g}" for c in data["criteria"])
    lines = [f"Criteria (normalized weights): {weights}"]
    if not data["ranking"]:
        states = ", ".join(data["states"])
        return [*lines, f"No proposals to rank in the states {states}."]
    lines.append("Ranking:")
    for row in data["ranking"]:
        missing = f"  (missing: {', '.join(row['missing'])})" if row["missing"] else ""
        lines.append(
            f"  {row['rank']:>2}. {row['reference']:<7} {row['total']:.3f}  {row['title']}{missing}"
        )
    lines.append("Sensitivity:")
    for item in data["sensitivity"]:
        lines += [f"  {text}" for text in item["sentences"]]
    chosen = data["portfolio"]
    if chosen is not None:
        selected = ", ".join(chosen["selected"]) or "nothing"
        lines.append(
            f"Portfolio within {chosen['budget']:,.2f}: {selected} (cost "
            f"{chosen['total_cost']:,.2f}, value {chosen['total_value']:g}, "
            f"{chosen['remaining']:,.2f} left)"
        )
        for label, key in (
            ("no cost estimate", "excluded_no_cost"),
            ("not fully scored", "excluded_incomplete"),
        ):
            if chosen[key]:
                lines.append(f"  Left out, {label}: {', '.join(chosen[key])}")
    return lines


@app.command("rank")
def rank(
    budget: Annotated[
        str | None,
        typer.Option("--budget", metavar="AMOUNT", help="Select a portfolio within this budget."),
    ] = None,
    state: Annotated[
        list[str] | None,
        typer.Option(
            "--state",
            metavar="STATE",
            help="Rank proposals in these states (repeat; default: analyzed, selected for "
            "validation, validating, validated).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The ranked proposals, the sensitivity of the ranking to the weights, the portfolio."""
    amount = _decimal("--budget", budget)
    setup_django()
    from uplift.apps.improvements.errors import ImprovementError
    from uplift.apps.improvements.services.selection import ranking_compute

    states = _states(state)
    kwargs: dict[str, Any] = {"budget": amount}
    if states:
        kwargs["states"] = tuple(states)
    try:
        result = ranking_compute(**kwargs)
    except ImprovementError as error:
        raise _refused(error) from None
    data = ranking_json(result)
    if as_json:
        print_json(data)
        return
    for line in ranking_lines(data):
        typer.echo(line)


# --- plans -------------------------------------------------------------------------------------


def _plan_row(plan: ActionPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "reference": plan.reference,
        "title": plan.title,
        "state": plan.state,
        "owner": username(plan.owner),
        "revision": plan.revision,
        "version": plan.version,
        "updated_at": _when(plan.updated_at),
    }


def _approval_json(plan: ActionPlan) -> dict[str, Any]:
    from uplift.apps.improvements.services.plans import plan_approval_status

    status = plan_approval_status(plan)
    reapproval = status.reapproval
    return {
        "revision": status.revision,
        "requested": status.requested,
        "approved": status.approved,
        "summary": status.summary,
        "reviewers": [
            {
                "review": reviewer.review_id,
                "reviewer": username(reviewer.reviewer),
                "name": reviewer.name,
                "required": reviewer.required,
                "decision": reviewer.decision,
                "comment": reviewer.comment,
                "requested_at": _when(reviewer.requested_at),
                "decided_at": _when(reviewer.decided_at),
            }
            for reviewer in status.reviewers
        ],
        "missing": [username(reviewer.reviewer) for reviewer in status.missing],
        "changes_requested": [username(reviewer.reviewer) for reviewer in status.changes_requested],
        "reapproval": None
        if reapproval is None
        else {
            "revision": reapproval.revision,
            "previous": reapproval.previous,
            "changed": list(reapproval.changed),
            "reason": reapproval.reason,
        },
    }


def plan_json(plan: ActionPlan) -> dict[str, Any]:
    """Everything the plan page shows, as one JSON-ready object."""
    from django.utils import timezone

    from uplift.apps.improvements.models import PLAN_FIELDS

    today = timezone.localdate()
    data = _plan_row(plan)
    data.update(
        {
            "created_at": _when(plan.created_at),
            "proposals": [
                {"id": p.pk, "reference": p.reference, "title": p.title, "state": p.state}
                for p in plan.proposals.order_by("pk")
            ],
            "items": [
                {"field": field, "label": label, "text": getattr(plan, field)}
                for field, label in PLAN_FIELDS
            ],
            "approval": _approval_json(plan),
            "revisions": [
                {
                    "number": rev.number,
                    "reason": rev.reason,
                    "created_by": username(rev.created_by),
                    "created_at": _when(rev.created_at),
                }
                for rev in plan.revisions.select_related("created_by").order_by("number")
            ],
            "reviews": [
                {
                    "id": r.pk,
                    "revision": r.revision,
                    "reviewer": username(r.reviewer),
                    "required": r.required,
                    "requested_by": username(r.requested_by),
                    "requested_at": _when(r.requested_at),
                    "decision": r.decision,
                    "comment": r.comment,
                    "decided_at": _when(r.decided_at),
                }
                for r in plan.reviews.select_related("reviewer", "requested_by").order_by(
                    "revision", "pk"
                )
            ],
            "members": [
                {"user": username(m.user), "role": m.role}
                for m in plan.members.select_related("user").order_by("role", "pk")
            ],
            "actions": [
                {
                    "id": a.pk,
                    "title": a.title,
                    "owner": username(a.owner),
                    "start": a.start,
                    "due": a.due,
                    "status": a.status,
                    "completed_on": a.completed_on,
                    "late": a.status not in ("done", "cancelled") and a.due < today,
                    "depends_on": sorted(d.pk for d in a.depends_on.all()),
                }
                for a in plan.actions.select_related("owner")
                .prefetch_related("depends_on")
                .order_by("due", "position", "pk")
            ],
        }
    )
    return data


def plan_lines(data: Mapping[str, Any]) -> list[str]:
    """A readable summary of ``plan_json``."""
    approval = data["approval"]
    lines = [
        f"{data['reference']} {data['title']}",
        f"State: {data['state'].replace('_', ' ')}, revision {data['revision']}; owner "
        f"{data['owner']}; version {data['version']}",
        approval["summary"],
    ]
    if approval["reapproval"]:
        again = approval["reapproval"]
        changed = ", ".join(again["changed"]) or "nothing in the content"
        lines.append(
            f"Re-approval requested: revision {again['revision']} changed {changed}"
            + (f" ({again['reason']})" if again["reason"] else "")
        )
    lines.append(
        "Addresses: "
        + ", ".join(f"{p['reference']} {p['title']} ({p['state']})" for p in data["proposals"])
    )
    for item in data["items"]:
        lines.append(f"{item['label']}:")
        lines += [f"  {text}" for text in (item["text"] or "(not written)").splitlines()]
    if data["reviews"]:
        lines.append("Reviews:")
    for review in data["reviews"]:
        optional = "" if review["required"] else " (optional)"
        lines.append(
            f"  revision {review['revision']}: {review['reviewer']}{optional} "
            f"{review['decision'].replace('_', ' ')}"
            + (f" - {review['comment']}" if review["comment"] else "")
        )
    if data["members"]:
        lines.append("Team: " + ", ".join(f"{m['user']} ({m['role']})" for m in data["members"]))
    if data["actions"]:
        lines.append("Actions:")
        for action in data["actions"]:
            late = " LATE" if action["late"] else ""
            lines.append(
                f"  {action['due']} {action['status'].replace('_', ' ')}{late}: "
                f"{action['title']} ({action['owner']})"
            )
    return lines


@plans_app.command("list")
def plans_list(
    state: Annotated[
        str | None, typer.Option("--state", help="draft, in_review or approved.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List process action plans: id, state, revision, owner, title."""
    setup_django()
    from uplift.apps.improvements.choices import PlanState
    from uplift.apps.improvements.models import ActionPlan

    chosen = _choice("--state", state, PlanState)
    queryset = ActionPlan.objects.select_related("owner")
    if chosen:
        queryset = queryset.filter(state=chosen)
    rows = [_plan_row(plan) for plan in queryset.order_by("pk")]
    if as_json:
        print_json({"count": len(rows), "plans": rows})
        return
    if not rows:
        typer.echo("No process action plans.")
        return
    print_table(
        ("ID", "STATE", "REV", "OWNER", "TITLE"),
        [
            (row["reference"], row["state"], str(row["revision"]), row["owner"] or "", row["title"])
            for row in rows
        ],
    )


@plans_app.command("show")
def plans_show(plan: PlanArgument, as_json: JsonOption = False) -> None:
    """Show a plan: its nine items, revision, approval status, team and actions."""
    setup_django()
    data = plan_json(_plan(plan))
    if as_json:
        print_json(data)
        return
    for line in plan_lines(data):
        typer.echo(line)


@plans_app.command("review-request")
def plans_review_request(
    plan: PlanArgument,
    as_user: AsOption,
    reviewer: Annotated[
        list[str] | None,
        typer.Option("--reviewer", metavar="USERNAME", help="A required reviewer (repeat)."),
    ] = None,
    optional_reviewer: Annotated[
        list[str] | None,
        typer.Option(
            "--optional-reviewer", metavar="USERNAME", help="An optional reviewer (repeat)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Ask named stakeholders to review the plan's current revision."""
    setup_django()
    from django.core.exceptions import PermissionDenied

    from uplift.apps.improvements.errors import ImprovementError
    from uplift.apps.improvements.permissions import plan_can_request_review
    from uplift.apps.improvements.services.plans import plan_request_review

    found = _plan(plan)
    if not reviewer and not optional_reviewer:
        raise _fail("--reviewer: name at least one reviewer")
    reviewers = [(_user(name, "--reviewer"), True) for name in reviewer or []]
    reviewers += [(_user(name, "--optional-reviewer"), False) for name in optional_reviewer or []]
    user = _user(as_user)
    doing = f"request reviews of {found.reference}"
    if not plan_can_request_review(user, found):
        raise _denied(user, doing)
    try:
        requests = plan_request_review(plan=found, actor=user, reviewers=reviewers)
    except PermissionDenied as error:
        raise _denied(user, doing, error) from None
    except ImprovementError as error:
        raise _refused(error) from None
    found.refresh_from_db()
    if as_json:
        print_json(plan_json(found))
        return
    names = ", ".join(username(r.reviewer) or "" for r in requests)
    typer.echo(f"Review of {found.reference} revision {found.revision} requested from {names}.")


def _decide(plan_text: str, as_user: str, decision: str, comment: str, as_json: bool) -> None:
    setup_django()
    from django.core.exceptions import PermissionDenied

    from uplift.apps.improvements.errors import ImprovementError
    from uplift.apps.improvements.services.plans import plan_review_decide

    found = _plan(plan_text)
    user = _user(as_user)
    doing = ("approve " if decision == "approved" else "ask for changes to ") + found.reference
    if decision == "changes_requested" and not comment.strip():
        raise _fail("--comment: say what should change")
    review = found.reviews.filter(revision=found.revision, reviewer=user).first()
    if review is None:
        raise _denied(
            user, doing, Exception(f"no review of revision {found.revision} was asked of them")
        )
    try:
        plan_review_decide(review=review, actor=user, decision=decision, comment=comment)
    except PermissionDenied as error:
        raise _denied(user, doing, error) from None
    except ImprovementError as error:
        raise _refused(error) from None
    found.refresh_from_db()
    if as_json:
        print_json(plan_json(found))
        return
    verb = "approved" if decision == "approved" else "asked for changes to"
    typer.echo(
        f"{user.get_username()} {verb} {found.reference} revision {found.revision}; the plan "
        f"is {found.state.replace('_', ' ')}."
    )


@plans_app.command("approve")
def plans_approve(
    plan: PlanArgument,
    as_user: AsOption,
    comment: Annotated[str, typer.Option("--comment", help="A comment for the team.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Approve the current revision (the user's own pending review of it)."""
    _decide(plan, as_user, "approved", comment, as_json)


@plans_app.command("request-changes")
def plans_request_changes(
    plan: PlanArgument,
    comment: Annotated[str, typer.Option("--comment", help="What should change.")],
    as_user: AsOption,
    as_json: JsonOption = False,
) -> None:
    """Ask for changes to the current revision (the user's own pending review of it)."""
    _decide(plan, as_user, "changes_requested", comment, as_json)


@plans_app.command("compare")
def plans_compare(
    plan: PlanArgument,
    older: Annotated[int, typer.Argument(metavar="OLDER", help="The older revision's number.")],
    newer: Annotated[int, typer.Argument(metavar="NEWER", help="The newer revision's number.")],
    as_json: JsonOption = False,
) -> None:
    """Compare two revisions of a plan field by field."""
    setup_django()
    from uplift.apps.improvements.errors import ImprovementError
    from uplift.apps.improvements.services.plans import plan_revisions_compare

    found = _plan(plan)
    numbers = set(found.revisions.values_list("number", flat=True))
    for label, number in (("OLDER", older), ("NEWER", newer)):
        if number not in numbers:
            known = ", ".join(str(n) for n in sorted(numbers))
            raise _fail(f"{label}: {found.reference} has no revision {number} (it has {known})")
    try:
        changes = plan_revisions_compare(plan=found, older=older, newer=newer)
    except ImprovementError as error:
        raise _refused(error) from None
    rows = [json_ready(change) for change in changes]
    if as_json:
        print_json({"plan": found.pk, "older": older, "newer": newer, "changes": rows})
        return
    changed = [row for row in rows if row.get("changed")]
    typer.echo(
        f"{found.reference} revision {older} against {newer}: "
        f"{len(changed)} of {len(rows)} fields changed."
    )
    for row in changed:
        typer.echo(f"{row['label']}:")
        typer.echo(f"  - {row['old']}")
        typer.echo(f"  + {row['new']}")
