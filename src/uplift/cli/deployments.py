"""``uplift deployments …``: plans, targets, waves and their gates, and results.

Each command starts Django, then calls one service or selector. Reads (``plans``,
``status``, ``targets``, ``gate`` and ``results`` without ``--evaluate``) need no
user: the operator of the command line sees everything. Writes act as a named user,
``--as USERNAME``, with the same permission checks as the pages and the API.

``PLAN`` is the plan's id (``3``) or reference (``DEP-3``). ``--json`` prints one
JSON object; ``status --json`` prints exactly ``plan_status(plan).as_json()``, the
body of ``GET /api/deployments/plans/{id}/status/``. Exit status:

- 0: done;
- 2: a bad argument (an unknown plan, wave, work activity, status or user; a value the
  rules refuse; a version conflict): one line on stderr, nothing written;
- 3: a permission refusal: one line on stderr saying who may not do what, nothing
  written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from uplift.cli.bootstrap import setup_django
from uplift.cli.output import print_json, print_table, username

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from uplift.apps.deployments.models import DeploymentPlan, Target, Wave

__all__ = ["BAD_INPUT", "REFUSED", "app"]

BAD_INPUT = 2  # a bad argument, as for Click's usage errors
REFUSED = 3  # a permission refusal

app = typer.Typer(
    help=(
        "Deployments: plans, targets, waves and their gates, and results.\n\n"
        "PLAN is an id (3) or a reference (DEP-3). Writes act as a user: --as USERNAME, "
        "with the permissions of the pages. Exit status 2: a bad argument or a value the "
        "rules refuse; 3: the user may not do it. Either way one line goes to stderr and "
        "nothing is written."
    ),
    no_args_is_help=True,
)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object instead of a summary.")
]
AsOption = Annotated[
    str, typer.Option("--as", metavar="USERNAME", help="The user the write is made as.")
]
OptionalAsOption = Annotated[
    str | None,
    typer.Option("--as", metavar="USERNAME", help="The user the write is made as."),
]
PlanArgument = Annotated[str, typer.Argument(metavar="PLAN", help="The plan's id (3 or DEP-3).")]
WaveArgument = Annotated[
    int,
    typer.Argument(metavar="WAVE_NUMBER", help="The wave's number in its plan (1, 2, …)."),
]
OnOption = Annotated[
    str | None,
    typer.Option("--on", metavar="YYYY-MM-DD", help="The day it happened (default: today)."),
]

# A refused value names the option or argument at fault.
OPTION_NAMES = {
    "status": "STATUS",
    "reason": "--reason",
    "on": "--on",
    "work_activity": "WORK_ACTIVITY",
    "wave": "WAVE_NUMBER",
    "plan": "PLAN",
    "version": "PLAN",
}


# --- failures ----------------------------------------------------------------------------------


def _fail(message: str) -> typer.Exit:
    typer.echo(" ".join(message.split()), err=True)
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


def _refused(error: Any) -> typer.Exit:
    """A DeploymentError (or a conflict) as one line naming the option at fault."""
    message = str(getattr(error, "message", error))
    field = str(getattr(error, "field", "") or "")
    option = OPTION_NAMES.get(field, field)
    return _fail(f"{option}: {message}" if option else message)


# --- parsing -----------------------------------------------------------------------------------


def _plan(text: str) -> DeploymentPlan:
    from uplift.apps.deployments.models import DeploymentPlan

    raw = text.strip()
    if raw.upper().startswith("DEP-"):
        raw = raw[4:]
    if not raw.isdigit():
        raise _fail(f"PLAN: {text!r} is not a plan (a number, or DEP-<number>)")
    found = DeploymentPlan.objects.select_related("owner").filter(pk=int(raw)).first()
    if found is None:
        raise _fail(f"PLAN: there is no deployment plan DEP-{int(raw)}")
    return found


def _wave(plan: DeploymentPlan, number: int) -> Wave:
    found = plan.waves.filter(number=number).first()
    if found is None:
        numbers = ", ".join(str(n) for n in plan.waves.values_list("number", flat=True))
        known = f"it has {numbers}" if numbers else "it has none"
        raise _fail(f"WAVE_NUMBER: {plan.reference} has no wave {number} ({known})")
    return found


def _target(plan: DeploymentPlan, slug: str) -> Target:
    found = plan.targets.select_related("plan", "work_activity__manager", "wave").filter(
        work_activity__slug=slug
    )
    target = found.first()
    if target is None:
        raise _fail(f"WORK_ACTIVITY: {slug!r} is not a target of {plan.reference}")
    return target


def _user(username: str | None, option: str = "--as") -> User:
    from django.contrib.auth import get_user_model

    if not username:
        raise _fail(f"{option}: name the user the write is made as")
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise _fail(f"{option}: no user has the username {username!r}")
    if not user.is_active:
        raise _fail(f"{option}: the user {username!r} is not active")
    return user


def _status(option: str, value: str | None) -> str | None:
    from uplift.apps.deployments.choices import TargetStatus

    if value is None:
        return None
    if value not in TargetStatus.values:
        raise _fail(f"{option}: {value!r} is not one of {', '.join(TargetStatus.values)}")
    return value


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise _fail(f"--on: {text!r} is not a date (YYYY-MM-DD)") from None


# --- output ------------------------------------------------------------------------------------


def _number(value: float | None, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value:.2f}{suffix}"


def _words(value: str) -> str:
    return value.replace("_", " ")


# --- plans -------------------------------------------------------------------------------------


def _plan_row(plan: Any) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "reference": plan.reference,
        "title": plan.title,
        "state": plan.state,
        "owner": username(plan.owner),
        "revision": plan.revision,
        "version": plan.version,
        "planned_start": plan.planned_start,
        "planned_end": plan.planned_end,
        "proposals": [p.reference for p in plan.proposals.all()],
        "targets": plan.target_total,
        "confirmed": plan.target_confirmed,
        "waves": plan.wave_total,
    }


@app.command("plans")
def plans_list(
    state: Annotated[
        str | None,
        typer.Option("--state", help="draft, in_review, agreed, deploying, complete, cancelled."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List deployment plans: state, revision, targets confirmed, waves, owner."""
    setup_django()
    from django.db.models import Count, Prefetch, Q

    from uplift.apps.deployments.choices import PlanState, TargetStatus
    from uplift.apps.deployments.models import DeploymentPlan
    from uplift.apps.improvements.models import Proposal

    if state is not None and state not in PlanState.values:
        raise _fail(f"--state: {state!r} is not one of {', '.join(PlanState.values)}")
    queryset = (
        DeploymentPlan.objects.select_related("owner")
        .prefetch_related(Prefetch("proposals", queryset=Proposal.objects.order_by("pk")))
        .annotate(
            target_total=Count("targets", filter=Q(targets__excluded=False), distinct=True),
            target_confirmed=Count(
                "targets",
                filter=Q(targets__excluded=False, targets__status=TargetStatus.CONFIRMED),
                distinct=True,
            ),
            wave_total=Count("waves", distinct=True),
        )
        .order_by("pk")
    )
    if state is not None:
        queryset = queryset.filter(state=state)
    rows = [_plan_row(plan) for plan in queryset]
    if as_json:
        print_json({"count": len(rows), "plans": rows})
        return
    if not rows:
        typer.echo("No deployment plans.")
        return
    print_table(
        ("PLAN", "STATE", "REV", "CONFIRMED", "WAVES", "OWNER", "TITLE"),
        [
            (
                row["reference"],
                _words(row["state"]),
                str(row["revision"]),
                f"{row['confirmed']}/{row['targets']}",
                str(row["waves"]),
                row["owner"] or "",
                row["title"],
            )
            for row in rows
        ],
    )


def status_lines(data: Mapping[str, Any]) -> list[str]:
    """A readable summary of ``plan_status(plan).as_json()``."""
    agreed = "agreed" if data["agreed"] else "not agreed"
    lines = [
        f"{data['plan']} {data['title']}",
        f"State: {_words(data['state'])}, revision {data['revision']} ({agreed})",
    ]
    targets = {name: count for name, count in data["targets"].items() if name != "excluded"}
    counts = ", ".join(f"{count} {_words(name)}" for name, count in targets.items() if count)
    excluded = data["targets"].get("excluded", 0)
    lines.append(
        f"Targets: {sum(targets.values())}"
        + (f" ({counts})" if counts else "")
        + (f"; {excluded} excluded" if excluded else "")
    )
    for wave in data["waves"]:
        gate = wave.get("gate") or {}
        if gate.get("overridden"):
            verdict = "overridden"
        elif gate.get("passed") is None:
            verdict = "not evaluated"
        else:
            verdict = "passed" if gate["passed"] else "not passed"
        lines.append(
            f"Wave {wave['number']} {wave['name']}: {_words(str(wave['state']))}, planned "
            f"{wave['planned_start']} to {wave['planned_end']}; gate {verdict}"
        )
    missing = data["missing_for_confirmation"]
    if missing:
        lines.append(f"Missing for confirmation: {len(missing)}")
        lines += [f"  {item}" for item in missing]
    met = {True: "target met", False: "target not met", None: "no target"}
    for result in data["results"]:
        lines.append(
            f"Result {result['measure']}: {_number(result['mean_before'])} -> "
            f"{_number(result['mean_after'])} ({_number(result['percent_change'], ' %')}), "
            f"{met[result['target_met']]} (evaluated {str(result['evaluated_at'])[:10]})"
        )
    return lines


@app.command("status")
def plan_status(plan: PlanArgument, as_json: JsonOption = False) -> None:
    """Where a deployment stands: agreement, targets, waves and gates, what is missing."""
    setup_django()
    from uplift.apps.deployments.selectors import plan_status as status_of

    data = status_of(_plan(plan)).as_json()
    if as_json:
        print_json(data)
        return
    for line in status_lines(data):
        typer.echo(line)


# --- targets -----------------------------------------------------------------------------------


@app.command("refresh")
def refresh(
    as_user: AsOption,
    plan: Annotated[
        str | None,
        typer.Argument(metavar="[PLAN]", help="One plan (default: every open plan)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Re-evaluate target rules against the organization and apply the drift (recorded).

    New matches are added; rule targets that no longer match are removed (not started)
    or marked. On a plan sent for sign-off this makes a new revision.
    """
    setup_django()
    from django.core.exceptions import PermissionDenied

    from uplift.apps.deployments.errors import ConflictError, DeploymentError
    from uplift.apps.deployments.permissions import plan_can_edit
    from uplift.apps.deployments.services.targeting import (
        targets_refresh,
        targets_refresh_all,
    )

    found = _plan(plan) if plan is not None else None
    user = _user(as_user)
    try:
        if found is not None:
            doing = f"refresh the targets of {found.reference}"
            if not plan_can_edit(user, found):
                raise _denied(user, doing)
            drifts = {found: targets_refresh(plan=found, actor=user)}
        else:
            doing = "refresh the targets of every plan"
            drifts = targets_refresh_all(actor=user)
    except PermissionDenied as error:
        raise _denied(user, doing, error) from None
    except (DeploymentError, ConflictError) as error:
        raise _refused(error) from None
    rows = [
        {"plan": item.reference, "summary": drift.summary(), **drift.as_json()}
        for item, drift in drifts.items()
    ]
    if as_json:
        print_json({"plans": rows})
        return
    if not rows:
        typer.echo("No open deployment plans.")
    for row in rows:
        typer.echo(f"{row['plan']}: {row['summary']}.")


def _target_row(target: Any) -> dict[str, Any]:
    return {
        "id": target.pk,
        "work_activity": target.work_activity.slug,
        "name": target.work_activity.name,
        "source": target.source,
        "reason": target.reason,
        "excluded": target.excluded,
        "matches_rule": target.matches_rule,
        "wave": target.wave.number if target.wave is not None else None,
        "status": target.status,
        "status_reason": target.status_reason,
        "planned_on": target.planned_on,
        "deployed_on": target.deployed_on,
        "confirmed_on": target.confirmed_on,
        "training_percent": target.training_percent,
        "process_version": str(target.process_version) if target.process_version else None,
        "version": target.version,
    }


@app.command("targets")
def targets_list(
    plan: PlanArgument,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="not_started, preparing, deployed, confirmed, opted_out or rolled_back.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Who is in and why: each target's source and reason, wave and status."""
    setup_django()
    found = _plan(plan)
    chosen = _status("--status", status)
    queryset = found.targets.select_related("work_activity", "wave", "process_version__asset")
    if chosen is not None:
        queryset = queryset.filter(status=chosen)
    rows = [
        _target_row(target)
        for target in queryset.order_by("wave__number", "work_activity__name", "pk")
    ]
    if as_json:
        print_json({"plan": found.reference, "count": len(rows), "targets": rows})
        return
    if not rows:
        typer.echo(f"{found.reference} has no targets" + (f" {_words(chosen)}." if chosen else "."))
        return
    print_table(
        ("WORK ACTIVITY", "WAVE", "STATUS", "SOURCE", "REASON"),
        [
            (
                row["work_activity"],
                "" if row["wave"] is None else str(row["wave"]),
                "excluded" if row["excluded"] else _words(row["status"]),
                row["source"],
                " ".join(str(row["reason"]).split()),
            )
            for row in rows
        ],
    )


@app.command("target-status")
def target_status(
    plan: PlanArgument,
    work_activity: Annotated[
        str,
        typer.Argument(metavar="WORK_ACTIVITY", help="The target work activity's slug."),
    ],
    status: Annotated[
        str,
        typer.Argument(
            metavar="STATUS",
            help="not_started, preparing, deployed, confirmed, opted_out or rolled_back.",
        ),
    ],
    as_user: AsOption,
    reason: Annotated[
        str, typer.Option("--reason", help="Why (needed to opt out or roll back).")
    ] = "",
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set a target's status (deployed and confirmed stamp the day: --on, or today)."""
    setup_django()
    from django.core.exceptions import PermissionDenied

    from uplift.apps.deployments.errors import ConflictError, DeploymentError
    from uplift.apps.deployments.permissions import target_can_update
    from uplift.apps.deployments.services.targets import target_status_set

    found = _plan(plan)
    target = _target(found, work_activity)
    chosen = _status("STATUS", status) or status
    day = _day(on)
    user = _user(as_user)
    doing = f"update the target {work_activity} of {found.reference}"
    if not target_can_update(user, target):
        raise _denied(user, doing)
    try:
        saved = target_status_set(target=target, actor=user, status=chosen, reason=reason, on=day)
    except PermissionDenied as error:
        raise _denied(user, doing, error) from None
    except (DeploymentError, ConflictError) as error:
        raise _refused(error) from None
    saved.refresh_from_db()
    if as_json:
        print_json({"plan": found.reference, "target": _target_row(saved)})
        return
    typer.echo(f"{found.reference}: {work_activity} is {_words(saved.status)}.")


# --- waves -------------------------------------------------------------------------------------


def _gate_json(plan: Any, number: int) -> dict[str, Any]:
    """The wave as ``status`` shows it (dates, state, gate) with who evaluated the gate
    last and the override, if any."""
    from uplift.apps.deployments.selectors import plan_wave_summaries

    summary = next(s for s in plan_wave_summaries(plan) if s.wave.number == number)
    wave, evaluation = summary.wave, summary.evaluation
    return {
        "plan": plan.reference,
        **summary.as_json(),
        "evaluated_by": None if evaluation is None else username(evaluation.evaluated_by),
        "override": None
        if not wave.override_at
        else {
            "by": username(wave.override_by),
            "at": wave.override_at,
            "reason": wave.override_reason,
        },
    }


def gate_lines(data: Mapping[str, Any]) -> list[str]:
    """A readable summary of the gate JSON."""
    gate = data["gate"]
    if gate["overridden"]:
        verdict = f"overridden by {data['override']['by']}: {data['override']['reason']}"
    elif gate["passed"] is None:
        verdict = "not evaluated yet"
    else:
        verdict = "passed" if gate["passed"] else "not passed"
    lines = [f"{data['plan']} wave {data['number']} {data['name']} gate: {verdict}"]
    if not gate["criteria"]:
        lines.append("  No criteria: the gate passes.")
    for item in gate["criteria"]:
        mark = {True: "[passed] ", False: "[not passed] ", None: ""}[item["passed"]]
        detail = f" - {item['detail']}" if item.get("detail") else ""
        lines.append(f"  {mark}{item['description']}{detail}")
    return lines


@app.command("gate")
def gate(
    plan: PlanArgument,
    wave: WaveArgument,
    evaluate: Annotated[
        bool,
        typer.Option("--evaluate", help="Evaluate the gate now (kept); needs --as."),
    ] = False,
    as_user: OptionalAsOption = None,
    as_json: JsonOption = False,
) -> None:
    """A wave's entry gate and its latest evaluation (--evaluate: a new one, kept)."""
    setup_django()
    from django.core.exceptions import PermissionDenied

    from uplift.apps.deployments.errors import ConflictError, DeploymentError
    from uplift.apps.deployments.permissions import gate_can_override, plan_can_edit
    from uplift.apps.deployments.services.waves import gate_evaluate

    found = _plan(plan)
    chosen = _wave(found, wave)
    if evaluate:
        user = _user(as_user)
        doing = f"evaluate the gates of {found.reference}"
        if not (plan_can_edit(user, found) or gate_can_override(user)):
            raise _denied(user, doing)
        try:
            gate_evaluate(wave=chosen, actor=user)
        except PermissionDenied as error:
            raise _denied(user, doing, error) from None
        except (DeploymentError, ConflictError) as error:
            raise _refused(error) from None
        chosen.refresh_from_db()
    data = _gate_json(found, chosen.number)
    if as_json:
        print_json(data)
        return
    for line in gate_lines(data):
        typer.echo(line)


@app.command("wave-start")
def wave_start(
    plan: PlanArgument,
    wave: WaveArgument,
    as_user: AsOption,
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a wave (its gate is evaluated afresh; it must pass or be overridden).

    The plan must be agreed, the previous wave started and the proposals selected for
    deployment.
    """
    setup_django()
    from django.core.exceptions import PermissionDenied

    from uplift.apps.deployments.errors import ConflictError, DeploymentError
    from uplift.apps.deployments.permissions import plan_can_edit
    from uplift.apps.deployments.services.waves import wave_start as start

    found = _plan(plan)
    chosen = _wave(found, wave)
    day = _day(on)
    user = _user(as_user)
    doing = f"start the waves of {found.reference}"
    if not plan_can_edit(user, found):
        raise _denied(user, doing)
    try:
        started = start(wave=chosen, actor=user, on=day)
    except PermissionDenied as error:
        raise _denied(user, doing, error) from None
    except (DeploymentError, ConflictError) as error:
        raise _refused(error) from None
    chosen.refresh_from_db()
    found.refresh_from_db()
    messages = [str(message) for message in started.messages]
    if as_json:
        print_json(
            {
                "plan": found.reference,
                "plan_state": found.state,
                "wave": chosen.number,
                "name": chosen.name,
                "state": chosen.state,
                "actual_start": chosen.actual_start,
                "messages": messages,
            }
        )
        return
    typer.echo(
        f"{found.reference} wave {chosen.number} {chosen.name} started on "
        f"{chosen.actual_start}; the plan is {_words(found.state)}."
    )
    for message in messages:
        typer.echo(f"  {message}")


# --- results -----------------------------------------------------------------------------------


def _result_row(result: Any) -> dict[str, Any]:
    return {
        "id": result.pk,
        "plan_measure": result.plan_measure_id,
        "measure": result.plan_measure.measure.slug,
        "evaluated_at": result.evaluated_at,
        "evaluated_by": None if result.evaluated_by_id is None else username(result.evaluated_by),
        "change_date": result.change_date,
        "mean_before": result.mean_before,
        "mean_after": result.mean_after,
        "percent_change": result.percent_change,
        "p_value": result.p_value,
        "improved": result.improved,
        "target_met": result.target_met,
        "monthly_benefit": result.monthly_benefit,
        "payback_months": result.payback_months,
        "payback_low": result.payback_low,
        "payback_high": result.payback_high,
    }


@app.command("results")
def results(
    plan: PlanArgument,
    evaluate: Annotated[
        bool,
        typer.Option("--evaluate", help="Evaluate each plan measure now (kept); needs --as."),
    ] = False,
    as_user: OptionalAsOption = None,
    as_json: JsonOption = False,
) -> None:
    """The measured value: the latest result per plan measure (--evaluate: a new one).

    The evaluation compares before and after the first wave's start over the deployed
    targets, with the payback when the measure has a value per unit.
    """
    setup_django()
    from django.core.exceptions import PermissionDenied

    from uplift.apps.deployments.errors import ConflictError, DeploymentError
    from uplift.apps.deployments.permissions import plan_can_edit
    from uplift.apps.deployments.selectors import plan_latest_results
    from uplift.apps.deployments.services.results import result_evaluate

    found = _plan(plan)
    if evaluate:
        user = _user(as_user)
        doing = f"evaluate the results of {found.reference}"
        if not plan_can_edit(user, found):
            raise _denied(user, doing)
        try:
            result_evaluate(plan=found, actor=user)
        except PermissionDenied as error:
            raise _denied(user, doing, error) from None
        except (DeploymentError, ConflictError) as error:
            raise _refused(error) from None
    rows = [_result_row(result) for result in plan_latest_results(found)]
    if as_json:
        print_json({"plan": found.reference, "evaluated": evaluate, "results": rows})
        return
    if not rows:
        typer.echo(f"{found.reference} has no results yet.")
        return
    met = {True: "target met", False: "target not met", None: "no target"}
    for row in rows:
        typer.echo(
            f"{row['measure']}: {_number(row['mean_before'])} -> {_number(row['mean_after'])} "
            f"({_number(row['percent_change'], ' %')}); {met[row['target_met']]}; payback "
            f"{_number(row['payback_months'], ' months')} "
            f"(evaluated {row['evaluated_at']:%Y-%m-%d})"
        )
