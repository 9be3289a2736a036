"""Writes of the appraisals context.

Each function is one transaction and records who made the change in the history
(django-simple-history). ``appraisal_import`` checks the whole file first (shape,
model, scope and the rating rules, see ``files.appraisal_file_check``) and then
writes it with one bulk insert per table: a file that breaks any rule writes
nothing.

Cell and judgment writes touch a fixed number of rows and never re-rate the
appraisal: their cost does not grow with the number of cells (issue 3). The rating
is computed when asked (``selectors.appraisal_rating``) and stored by
``appraisal_rate``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from uplift.apps.appraisals.choices import (
    AppraisalStatus,
    AreaScope,
    GoalJudgmentValue,
    PracticeValue,
    UnitKind,
)
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.files import DEFAULT_SETTINGS, CheckedFile, appraisal_file_check
from uplift.apps.appraisals.models import (
    Affirmation,
    Appraisal,
    AppraisalArea,
    AppraisalUnit,
    Artifact,
    Characterization,
    EvidenceLink,
    Finding,
    GoalJudgment,
    PracticeJudgment,
    RatingSnapshot,
    TeamMember,
)
from uplift.apps.appraisals.selectors import appraisal_rating
from uplift.apps.library.selectors import RatingIndex, goal_locate, practice_locate
from uplift.domain.appraisal_format import AppraisalDocument, Supports, supported_cells
from uplift.domain.ratings import (
    AppraisalResult,
    RatingSettings,
    aggregate_practice,
    normalize_goal_ref,
    normalize_practice_ref,
)
from uplift.domain.ratings import PracticeValue as EngineValue

__all__ = [
    "appraisal_characterize",
    "appraisal_import",
    "appraisal_judge_goal",
    "appraisal_judge_practice",
    "appraisal_rate",
]

User = Any  # auth.User; typed loosely so that anonymous callers (CLI) pass None


def _record_actor(instance: models.Model, actor: User | None) -> None:
    """Tell simple-history who made the change (its documented ``_history_user``)."""
    if actor is not None:
        setattr(instance, "_history_user", actor)  # noqa: B010  (a private hook, not a field)


def _snapshot(
    appraisal: Appraisal, result: AppraisalResult, user: User | None, now: datetime
) -> RatingSnapshot:
    values = {
        "result": result.as_json(),
        "maturity_level": result.maturity_level,
        "equivalent_maturity_level": result.equivalent_maturity_level,
        "open_judgment_count": len(result.open_judgments),
        "computed_at": now,
        "computed_by": user,
    }
    snapshot = RatingSnapshot.objects.filter(appraisal=appraisal).first()
    if snapshot is None:
        snapshot = RatingSnapshot(appraisal=appraisal, **values)
        _record_actor(snapshot, user)
        snapshot.save(force_insert=True)
        return snapshot
    for name, value in values.items():
        setattr(snapshot, name, value)
    _record_actor(snapshot, user)
    snapshot.save(update_fields=list(values))
    return snapshot


# -- import -------------------------------------------------------------------------------


@transaction.atomic
def appraisal_import(
    *,
    path: str | Path | None = None,
    data: bytes | None = None,
    filename: str | None = None,
    user: User | None = None,
    organizational_unit: models.Model | None = None,
) -> Appraisal:
    """Store an appraisal file (YAML or JSON) as a new appraisal, rated, in one transaction.

    Give ``path``, or ``data`` with ``filename``. The file is checked whole before
    anything is written (``files.appraisal_file_check``); it names its model (the
    latest version, or ``@version`` pinned) and the appraisal keeps that version.
    ``organizational_unit`` (an ``organization.OrganizationalUnit``) links the
    appraisal to a unit of the organization; the file's own text is kept too.
    Besides the plan, cells and judgments, the file's team, evidence (artifacts,
    affirmations and the practices at units they support) and findings are stored,
    one bulk insert per table, each row in the history with ``user``.

    Raises ``InvalidDocument`` listing every located problem; nothing is written then.
    """
    checked = appraisal_file_check(path=path, data=data, filename=filename)
    return _write(checked, user, organizational_unit)


def _write(checked: CheckedFile, user: User | None, unit: models.Model | None) -> Appraisal:
    document, index, inputs = checked.document, checked.index, checked.inputs
    now = timezone.now()
    appraisal = Appraisal(
        name=document.name or Path(checked.filename).stem,
        appraisal_class=document.appraisal_class.upper(),
        model=checked.model,
        representation=document.representation,
        target_maturity_level=document.target_maturity_level,
        organizational_unit_id=unit.pk if unit is not None else None,
        organizational_unit_name=document.organizational_unit,
        notes=checked.notes,
        status=document.status
        or (AppraisalStatus.IN_PROGRESS if document.characterizations else AppraisalStatus.PLANNED),
        start_date=document.start_date,
        end_date=document.end_date,
        created_by=user,
    )
    _record_actor(appraisal, user)
    appraisal.save(force_insert=True)

    not_applicable = set(document.not_applicable)
    areas = [
        AppraisalArea(appraisal=appraisal, process_area_id=area_id, scope=AreaScope.IN_SCOPE)
        for abbr, area_id in index.areas.items()
        if abbr in inputs.scope.in_scope and abbr not in not_applicable
    ] + [
        AppraisalArea(
            appraisal=appraisal,
            process_area_id=index.areas[abbr],
            scope=AreaScope.NOT_APPLICABLE,
        )
        for abbr in document.not_applicable
    ]
    units = [
        AppraisalUnit(appraisal=appraisal, name=name, kind=kind, order=order)
        for order, (name, kind) in enumerate(
            [(name, UnitKind.BASIC_UNIT) for name in document.basic_units]
            + [(name, UnitKind.SUPPORT_FUNCTION) for name in document.support_functions]
        )
    ]
    history = {"default_user": user, "default_date": now}
    bulk_create_with_history(areas, AppraisalArea, **history)
    unit_ids = {u.name: u.pk for u in bulk_create_with_history(units, AppraisalUnit, **history)}

    cells = []
    for ref, by_unit in document.characterizations.items():
        practice_id, area_id = index.practices[ref]
        for unit_name, cell in by_unit.items():
            cells.append(
                Characterization(
                    appraisal=appraisal,
                    process_area_id=area_id,
                    practice_id=practice_id,
                    unit_id=unit_ids[unit_name],
                    value=cell.value.value,
                    notes=cell.notes,
                    weaknesses=list(cell.weaknesses),
                    strengths=list(cell.strengths),
                    updated_by=user,
                )
            )
    bulk_create_with_history(cells, Characterization, batch_size=2000, **history)
    practice_judgments = [
        PracticeJudgment(
            appraisal=appraisal,
            process_area_id=index.practices[ref][1],
            practice_id=index.practices[ref][0],
            value=judgment.value,
            rationale=judgment.rationale,
            decided_by=user,
            decided_at=now,
        )
        for ref, judgment in document.practice_judgments.items()
    ]
    goal_judgments = [
        GoalJudgment(
            appraisal=appraisal,
            process_area_id=index.goals[ref][1],
            goal_id=index.goals[ref][0],
            value=judgment.value,
            rationale=judgment.rationale,
            decided_by=user,
            decided_at=now,
        )
        for ref, judgment in document.goal_judgments.items()
    ]
    bulk_create_with_history(practice_judgments, PracticeJudgment, **history)
    bulk_create_with_history(goal_judgments, GoalJudgment, **history)
    team = [
        TeamMember(
            appraisal=appraisal, user_id=checked.team_user_ids[entry.username], role=entry.role
        )
        for entry in document.team
    ]
    bulk_create_with_history(team, TeamMember, **history)
    _write_record(appraisal, document, index, unit_ids, user, history)
    _snapshot(appraisal, checked.result, user, now)
    return appraisal


def _links(
    appraisal: Appraisal,
    groups: tuple[Supports, ...],
    index: RatingIndex,
    unit_ids: dict[str, int],
    **source: Any,
) -> list[EvidenceLink]:
    links = []
    for ref, unit_name in supported_cells(groups):
        practice_id, area_id = index.practices[ref]
        links.append(
            EvidenceLink(
                appraisal=appraisal,
                process_area_id=area_id,
                practice_id=practice_id,
                unit_id=unit_ids[unit_name],
                **source,
            )
        )
    return links


def _write_record(
    appraisal: Appraisal,
    document: AppraisalDocument,
    index: RatingIndex,
    unit_ids: dict[str, int],
    user: User | None,
    history: dict[str, Any],
) -> None:
    """The file's evidence and findings: a fixed number of bulk inserts."""
    artifacts = bulk_create_with_history(
        [
            Artifact(
                appraisal=appraisal,
                name=item.name,
                link=item.link,
                date=item.date,
                description=item.description,
                created_by=user,
            )
            for item in document.artifacts
        ],
        Artifact,
        **history,
    )
    affirmations = bulk_create_with_history(
        [
            Affirmation(
                appraisal=appraisal,
                kind=item.kind,
                date=item.date,
                session=item.session,
                role_group=item.role_group,
                summary=item.summary,
                created_by=user,
            )
            for item in document.affirmations
        ],
        Affirmation,
        **history,
    )
    links: list[EvidenceLink] = []
    for artifact, item in zip(artifacts, document.artifacts, strict=True):
        links += _links(appraisal, item.supports, index, unit_ids, artifact=artifact)
    for affirmation, entry in zip(affirmations, document.affirmations, strict=True):
        links += _links(appraisal, entry.supports, index, unit_ids, affirmation=affirmation)
    EvidenceLink.objects.bulk_create(links, batch_size=2000)  # no history: see the model

    findings = bulk_create_with_history(
        [
            Finding(
                appraisal=appraisal,
                kind=item.kind,
                process_area_id=index.areas[item.process_area],
                goal_id=index.goals[item.goal][0] if item.goal else None,
                text=item.text,
                order=order,
                created_by=user,
            )
            for order, item in enumerate(document.findings)
        ],
        Finding,
        **history,
    )
    through = Finding.practices.through
    rows = [
        through(finding_id=finding.pk, practice_id=index.practices[ref][0])
        for finding, item in zip(findings, document.findings, strict=True)
        for ref in item.practices
    ]
    through.objects.bulk_create(rows)
    _finding_practices_history(findings, rows)


def _finding_practices_history(findings: list[Finding], rows: list[Any]) -> None:
    """The practices of new findings in their first history rows.

    ``bulk_create_with_history`` writes the findings' history but not that of their
    many-to-many practices (django-simple-history records those on ``save()`` and on
    ``m2m_changed``); these rows make the first version show its practices.
    """
    if not rows:
        return
    first = dict(
        Finding.history.filter(id__in=[f.pk for f in findings])
        .order_by("history_id")
        .values_list("id", "history_id")
    )
    model = Finding.history.model.practices.model
    model.objects.bulk_create(
        model(
            id=row.pk,  # the through row's id, as simple-history copies it
            history_id=first[row.finding_id],
            finding_id=row.finding_id,
            practice_id=row.practice_id,
        )
        for row in rows
    )


# -- the team's work, one cell or decision at a time ---------------------------------------


def _check_open(appraisal: Appraisal) -> None:
    if appraisal.status == AppraisalStatus.CLOSED:
        raise AppraisalError("the appraisal is closed; reopen it to change it")


def _practice(appraisal: Appraisal, practice: str) -> tuple[str, int, int]:
    """(normalized ref, practice id, process area id); two queries."""
    ref = normalize_practice_ref(practice)
    if ref is None:
        raise AppraisalError(
            f"{practice!r} is not a practice reference like 'REQM SP 1.1'", "practice"
        )
    found = practice_locate(model_id=appraisal.model_id, reference=ref)
    if found is None:
        raise AppraisalError(f"{ref} is not a practice of {appraisal.model}", "practice")
    practice_id, area_id = found
    if not AppraisalArea.objects.filter(
        appraisal=appraisal, process_area_id=area_id, scope=AreaScope.IN_SCOPE
    ).exists():
        raise AppraisalError(f"{ref.split()[0]} is not in the appraisal's scope", "practice")
    return ref, practice_id, area_id


def _texts(values: Iterable[str] | None, field: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        raise AppraisalError("must be a list of texts", field)
    texts = [str(value).strip() for value in values]
    return [text for text in texts if text]


@transaction.atomic
def appraisal_characterize(
    *,
    appraisal: Appraisal,
    practice: str,
    unit: AppraisalUnit | str,
    value: str,
    notes: str | None = None,
    weaknesses: Iterable[str] | None = None,
    strengths: Iterable[str] | None = None,
    user: User | None = None,
) -> Characterization:
    """Set one cell: a practice (``REQM SP 1.1``, ``REQM.GP2.1``…) at one unit.

    Creates the cell or changes it; ``notes``, ``weaknesses`` and ``strengths`` left
    as None keep their stored values. Saves only the changed fields and nothing when
    nothing changed. A fixed number of queries whatever the size of the appraisal:
    the rating is not recomputed here.

    Raises ``AppraisalError`` for a closed appraisal, a value other than FI, LI, PI,
    NI or NY, a practice the model lacks or whose area is not in scope, or a unit
    that is not the appraisal's.
    """
    _check_open(appraisal)
    if value not in PracticeValue.values:
        raise AppraisalError(f"{value!r} is not one of FI, LI, PI, NI, NY", "value")
    _, practice_id, area_id = _practice(appraisal, practice)
    if isinstance(unit, str):
        found = AppraisalUnit.objects.filter(appraisal=appraisal, name=unit).first()
        if found is None:
            raise AppraisalError(f"{unit!r} is not a unit of this appraisal", "unit")
        unit = found
    elif unit.appraisal_id != appraisal.pk:
        raise AppraisalError(f"{unit.name!r} is not a unit of this appraisal", "unit")
    wanted: dict[str, Any] = {"value": value}
    if notes is not None:
        wanted["notes"] = notes
    if weaknesses is not None:
        wanted["weaknesses"] = _texts(weaknesses, "weaknesses")
    if strengths is not None:
        wanted["strengths"] = _texts(strengths, "strengths")
    cell = (
        Characterization.objects.select_for_update()
        .filter(unit=unit, process_area_id=area_id, practice_id=practice_id)
        .first()
    )
    if cell is None:
        cell = Characterization(
            appraisal=appraisal,
            process_area_id=area_id,
            practice_id=practice_id,
            unit=unit,
            updated_by=user,
            **wanted,
        )
        _record_actor(cell, user)
        cell.save(force_insert=True)
        return cell
    changed = [name for name, new in wanted.items() if getattr(cell, name) != new]
    if not changed:
        return cell
    for name in changed:
        setattr(cell, name, wanted[name])
    cell.updated_by = user
    _record_actor(cell, user)
    cell.save(update_fields=[*changed, "updated_by", "updated_at"])
    return cell


def _rationale(rationale: str) -> str:
    text = (rationale or "").strip()
    if not text:
        raise AppraisalError("a judgment needs a rationale: every judgment says why", "rationale")
    return text


@transaction.atomic
def appraisal_judge_practice(
    *, appraisal: Appraisal, practice: str, value: str, rationale: str, user: User | None = None
) -> PracticeJudgment:
    """Record the team's value for a practice whose instances call for a judgment.

    Raises ``AppraisalError`` when the practice's current cells call for no judgment,
    when ``value`` is not one of the candidates (LI or PI for mixed instances), or
    without a rationale.
    """
    _check_open(appraisal)
    text = _rationale(rationale)
    ref, practice_id, area_id = _practice(appraisal, practice)
    values = Characterization.objects.filter(
        appraisal=appraisal, process_area_id=area_id, practice_id=practice_id
    ).values_list("value", flat=True)
    aggregate = aggregate_practice(EngineValue(v) for v in values)
    if not aggregate.needs_judgment:
        raise AppraisalError(f"{ref}: no judgment is called for", "practice")
    candidates = [c.value for c in aggregate.candidates]
    if value not in candidates:
        raise AppraisalError(
            f"{ref}: the judgment must be {' or '.join(candidates)}, not {value!r}", "value"
        )
    return _judgment(
        PracticeJudgment,
        {"appraisal": appraisal, "process_area_id": area_id, "practice_id": practice_id},
        value,
        text,
        user,
    )


@transaction.atomic
def appraisal_judge_goal(
    *, appraisal: Appraisal, goal: str, value: str, rationale: str, user: User | None = None
) -> GoalJudgment:
    """Record whether the weaknesses of a goal significantly hurt it (satisfied or not).

    The engine uses it only where the rules call for a judgment (a goal whose
    practices are all LI or FI, some LI) and says so in its warnings otherwise.
    Raises ``AppraisalError`` for an unknown goal, a value other than satisfied or
    unsatisfied, or without a rationale.
    """
    _check_open(appraisal)
    text = _rationale(rationale)
    if value not in GoalJudgmentValue.values:
        raise AppraisalError(f"{value!r}: a goal judgment is satisfied or unsatisfied", "value")
    ref = normalize_goal_ref(goal)
    if ref is None:
        raise AppraisalError(f"{goal!r} is not a goal reference like 'REQM SG 1'", "goal")
    found = goal_locate(model_id=appraisal.model_id, reference=ref)
    if found is None:
        raise AppraisalError(f"{ref} is not a goal of {appraisal.model}", "goal")
    goal_id, area_id = found
    return _judgment(
        GoalJudgment,
        {"appraisal": appraisal, "process_area_id": area_id, "goal_id": goal_id},
        value,
        text,
        user,
    )


def _judgment(
    model: type[PracticeJudgment] | type[GoalJudgment],
    key: dict[str, Any],
    value: str,
    rationale: str,
    user: User | None,
) -> Any:
    judgment = model.objects.select_for_update().filter(**key).first()  # type: ignore[attr-defined]
    now = timezone.now()
    if judgment is None:
        judgment = model(**key, value=value, rationale=rationale, decided_by=user, decided_at=now)
        _record_actor(judgment, user)
        judgment.save(force_insert=True)
        return judgment
    if (judgment.value, judgment.rationale) == (value, rationale):
        return judgment
    judgment.value, judgment.rationale = value, rationale
    judgment.decided_by, judgment.decided_at = user, now
    _record_actor(judgment, user)
    judgment.save(update_fields=["value", "rationale", "decided_by", "decided_at"])
    return judgment


@transaction.atomic
def appraisal_rate(
    *, appraisal: Appraisal, user: User | None = None, settings: RatingSettings = DEFAULT_SETTINGS
) -> AppraisalResult:
    """Rate the appraisal from its stored rows and store the result as its snapshot.

    A fixed number of queries: the rows are read one query per table
    (``selectors.appraisal_rows``). Returns the engine's result. Raises
    ``AppraisalError`` for a closed appraisal (its rating is final).
    """
    _check_open(appraisal)
    result = appraisal_rating(appraisal, settings=settings)
    _snapshot(appraisal, result, user, timezone.now())
    return result
