"""The selection of proposals and their pilots over HTTP.

- ``/api/improvements/criteria/`` list, create; ``/{id}/`` retrieve, ``PATCH``
  (``services.selection.criterion_create`` / ``criterion_update``);
- ``/api/improvements/scores/`` list (filters ``proposal``, ``criterion``); ``POST``
  sets a proposal's score on a criterion, creating or changing it (201 / 200);
- ``GET /api/improvements/ranking/?states=&budget=&w_<slug>=``: the ranked proposals
  with their contributions, the sensitivity of the ranking to each weight, and with a
  budget the portfolio (``services.selection.ranking_compute``; nothing stored;
  ``w_<slug>`` are what-if weights, not saved);
- ``/api/improvements/pilots/`` list (filters ``status``, ``decision``, ``proposal``,
  ``q``), create; ``/{id}/`` retrieve, ``PATCH`` (with ``version``);
  ``POST /{id}/start/``, ``POST /{id}/decide/``, ``GET /{id}/results/`` (live).

Permissions: reads need the model's ``view`` permission (the ranking
``view_proposal`` and ``view_score``); writes the model's ``add`` / ``change``
permission, starting a pilot ``change_pilot``, deciding ``decide_proposal`` (the
services check them again, and the life cycle's own). A rule a service refuses is a
400 naming the field; a stale ``version`` a 409.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from uplift.api.errors import LIST_ERRORS, ErrorSerializer, detail_errors
from uplift.api.measurement_shapes import ChangeEvaluationSerializer, inline_enum
from uplift.api.pagination import LimitOffsetPagination
from uplift.api.viewsets import ReadOnlyViewSet
from uplift.apps.improvements.choices import (
    CriterionDirection,
    PilotDecision,
    PilotStatus,
    ProposalState,
)
from uplift.apps.improvements.forms.pilots import PilotFilterSet
from uplift.apps.improvements.models import Criterion, Pilot, Proposal, Score
from uplift.apps.improvements.selectors_selection import (
    criterion_list,
    pilot_get,
    pilot_list,
    score_list,
)
from uplift.apps.improvements.services.pilots import (
    pilot_create,
    pilot_decide,
    pilot_results,
    pilot_start,
    pilot_update,
)
from uplift.apps.improvements.services.selection import (
    CANDIDATE_STATES,
    RankingResult,
    criterion_create,
    criterion_update,
    ranking_compute,
    score_set,
)
from uplift.apps.measurements.models import Measure
from uplift.apps.organization.selectors import work_activity_list
from uplift.domain.decision_analysis import (
    Swap,
    WeightInterval,
    as_decimal,
    sensitivity_sentences,
)

__all__ = [
    "CriterionViewSet",
    "PilotViewSet",
    "RankingViewSet",
    "ScoreViewSet",
    "register",
]

TAGS = ["improvements"]
INVALID = OpenApiResponse(ErrorSerializer, description="Invalid input; `errors` names the field.")
DENIED = OpenApiResponse(ErrorSerializer, description="Not signed in, or not allowed to do this.")
CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description="The pilot was saved by someone else after `version`: nothing was saved.",
)
WRITE_ERRORS = {400: INVALID, 403: DENIED}
PLACES = 6  # decimals of the exact weights and totals as JSON numbers


def _number(value: Fraction, places: int = PLACES) -> float:
    return float(as_decimal(value, places))


class _Needs(permissions.BasePermission):
    """Signed in with every one of ``perms``."""

    perms: tuple[str, ...] = ()
    message = "You may not do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perms(self.perms))


class CanReadRanking(_Needs):
    perms = ("improvements.view_proposal", "improvements.view_score")
    message = "You may not read the selection."


class CanStartPilots(_Needs):
    perms = ("improvements.change_pilot",)
    message = "You may not start pilots."


class CanDecidePilots(_Needs):
    perms = ("improvements.decide_proposal",)
    message = "You may not decide pilots."


class CanReadPilots(_Needs):
    perms = ("improvements.view_pilot",)
    message = "You may not read pilots."


# Criteria ---------------------------------------------------------------------------------


class SelectionCriterionSerializer(serializers.ModelSerializer):
    """A criterion of the decision analysis (read and write; the service checks)."""

    direction = inline_enum(CriterionDirection.values)
    weight = serializers.DecimalField(max_digits=6, decimal_places=3, min_value=Decimal(0))
    position = serializers.IntegerField(min_value=0, required=False)

    class Meta:
        model = Criterion
        fields = ["id", "slug", "name", "description", "direction", "weight", "position", "active"]
        read_only_fields = ["id"]
        # uniqueness is the service's rule, stated once (criterion_create)
        extra_kwargs: dict[str, dict[str, Any]] = {"slug": {"validators": []}}


@extend_schema_view(
    list=extend_schema(
        tags=TAGS, responses={200: SelectionCriterionSerializer(many=True), **LIST_ERRORS}
    ),
    retrieve=extend_schema(
        tags=TAGS,
        responses={200: SelectionCriterionSerializer, **detail_errors("No such criterion.")},
    ),
    create=extend_schema(tags=TAGS, responses={201: SelectionCriterionSerializer, **WRITE_ERRORS}),
    partial_update=extend_schema(
        tags=TAGS,
        responses={
            200: SelectionCriterionSerializer,
            **WRITE_ERRORS,
            404: detail_errors("No such criterion.")[404],
        },
    ),
)
class CriterionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Criteria in column order; writes through ``services.selection``."""

    serializer_class = SelectionCriterionSerializer
    filter_backends = ReadOnlyViewSet.filter_backends
    pagination_class = LimitOffsetPagination
    ordering_fields = ["position", "name", "weight"]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Criterion]:
        return criterion_list()

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = criterion_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        criterion_update(
            criterion=serializer.instance, actor=self.request.user, **serializer.validated_data
        )


# Scores -----------------------------------------------------------------------------------


class ScoreFilterSet(django_filters.FilterSet):
    """Scores by proposal id and criterion slug."""

    proposal = django_filters.NumberFilter(field_name="proposal")
    criterion = django_filters.CharFilter(field_name="criterion__slug", label="Criterion slug")

    class Meta:
        model = Score
        fields = ["proposal", "criterion"]


class SelectionScoreSerializer(serializers.ModelSerializer):
    """A proposal's score (1..5) on a criterion, with its note, who and when."""

    proposal = serializers.PrimaryKeyRelatedField(queryset=Proposal.objects.all())
    criterion = serializers.SlugRelatedField(slug_field="slug", queryset=Criterion.objects.all())
    value = serializers.IntegerField(min_value=1, max_value=5)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    reference = serializers.SerializerMethodField(help_text="The proposal's reference, IP-<id>.")
    scored_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Score
        fields = [
            "id",
            "proposal",
            "reference",
            "criterion",
            "value",
            "note",
            "scored_by",
            "scored_at",
        ]
        read_only_fields = ["id", "scored_by", "scored_at"]
        validators: list[Any] = []  # an upsert: (proposal, criterion) may exist already

    def get_reference(self, score: Score) -> str:
        return f"IP-{score.proposal_id}"


@extend_schema_view(
    list=extend_schema(
        tags=TAGS, responses={200: SelectionScoreSerializer(many=True), **LIST_ERRORS}
    ),
    retrieve=extend_schema(
        tags=TAGS, responses={200: SelectionScoreSerializer, **detail_errors("No such score.")}
    ),
)
class ScoreViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    """Scores; ``POST`` sets one (creates it, 201, or changes it, 200)."""

    serializer_class = SelectionScoreSerializer
    filterset_class = ScoreFilterSet
    ordering_fields = ["scored_at", "value"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Score]:
        return score_list()

    @extend_schema(
        tags=TAGS,
        summary="Set a score",
        description="Scores a proposal 1 to 5 on a criterion (by slug); changes the score "
        "if there is one (add_score to create, change_score to change).",
        request=SelectionScoreSerializer,
        responses={201: SelectionScoreSerializer, 200: SelectionScoreSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = SelectionScoreSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        existed = Score.objects.filter(
            proposal=data["proposal"], criterion=data["criterion"]
        ).exists()
        score = score_set(
            proposal=data["proposal"],
            criterion=data["criterion"],
            value=data["value"],
            note=data.get("note", ""),
            actor=request.user,
        )
        return Response(
            SelectionScoreSerializer(score).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


# Ranking ----------------------------------------------------------------------------------


class SelectionSwapSerializer(serializers.Serializer):
    weight = serializers.FloatField(help_text="Where the pairs tie; beyond it they have swapped.")
    pairs = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        help_text="(ahead now, behind now) references.",
    )


class SelectionIntervalSerializer(serializers.Serializer):
    low = serializers.FloatField()
    high = serializers.FloatField()
    low_swap = SelectionSwapSerializer(allow_null=True, help_text="Null: the bound is 0.")
    high_swap = SelectionSwapSerializer(allow_null=True, help_text="Null: the bound is 1.")


class SelectionScenarioSerializer(serializers.Serializer):
    change = serializers.IntegerField(help_text="Percent change of the weight.")
    weight = serializers.FloatField()
    capped = serializers.BooleanField()
    ranks = serializers.DictField(child=serializers.IntegerField(), help_text="By reference.")


class SelectionSensitivitySerializer(serializers.Serializer):
    criterion = serializers.CharField()
    name = serializers.CharField()
    weight = serializers.FloatField(help_text="The normalized weight now.")
    leaders = serializers.ListField(child=serializers.CharField())
    order = SelectionIntervalSerializer(
        allow_null=True, help_text="Weights keeping the whole order."
    )
    leader = SelectionIntervalSerializer(allow_null=True, help_text="Weights keeping the leader.")
    first_swap = SelectionSwapSerializer(allow_null=True)
    scenarios = SelectionScenarioSerializer(many=True)
    leader_text = serializers.CharField()
    order_text = serializers.CharField()


class SelectionContributionSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    score = serializers.IntegerField(allow_null=True)
    value = serializers.IntegerField(allow_null=True, help_text="6 - score for a cost criterion.")
    weight = serializers.FloatField()
    contribution = serializers.FloatField(allow_null=True)


class SelectionRankedSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    state = inline_enum(ProposalState.values, read_only=True)
    rank = serializers.IntegerField()
    total = serializers.FloatField(help_text="Over the criteria scored only when incomplete.")
    complete = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())
    estimated_cost = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    contributions = SelectionContributionSerializer(many=True)


class SelectionRankingCriterionSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    direction = inline_enum(CriterionDirection.values, read_only=True)
    weight = serializers.DecimalField(max_digits=9, decimal_places=3)
    normalized = serializers.FloatField()
    what_if = serializers.BooleanField()


class SelectionPortfolioSerializer(serializers.Serializer):
    budget = serializers.FloatField()
    selected = serializers.ListField(child=serializers.CharField())
    total_cost = serializers.FloatField()
    total_value = serializers.FloatField()
    remaining = serializers.FloatField()
    excluded_no_cost = serializers.ListField(child=serializers.CharField())
    excluded_incomplete = serializers.ListField(child=serializers.CharField())


class SelectionRankingSerializer(serializers.Serializer):
    states = serializers.ListField(child=serializers.CharField())
    what_if = serializers.BooleanField(help_text="Weights of the query string: not saved.")
    criteria = SelectionRankingCriterionSerializer(many=True)
    ranking = SelectionRankedSerializer(many=True)
    sensitivity = SelectionSensitivitySerializer(many=True)
    portfolio = SelectionPortfolioSerializer(allow_null=True)


def _swap(swap: Swap | None) -> dict[str, Any] | None:
    if swap is None:
        return None
    return {"weight": _number(swap.weight), "pairs": [list(pair) for pair in swap.pairs]}


def _interval(interval: WeightInterval | None) -> dict[str, Any] | None:
    if interval is None:
        return None
    return {
        "low": _number(interval.low),
        "high": _number(interval.high),
        "low_swap": _swap(interval.low_swap),
        "high_swap": _swap(interval.high_swap),
    }


def ranking_json(result: RankingResult) -> dict[str, Any]:
    """The ranking endpoint's body."""
    chosen = result.portfolio
    return {
        "states": list(result.states),
        "what_if": bool(result.overridden),
        "criteria": [
            {
                "slug": c.slug,
                "name": c.name,
                "direction": c.direction,
                "weight": str(result.weights[c.slug]),
                "normalized": _number(result.normalized[c.slug]),
                "what_if": c.slug in result.overridden,
            }
            for c in result.criteria
        ],
        "ranking": [
            {
                "proposal": row.proposal.pk,
                "reference": row.ranked.key,
                "title": row.proposal.title,
                "state": row.proposal.state,
                "rank": row.ranked.rank,
                "total": _number(row.ranked.total),
                "complete": row.ranked.complete,
                "missing": list(row.ranked.missing),
                "estimated_cost": (
                    str(row.proposal.estimated_cost)
                    if row.proposal.estimated_cost is not None
                    else None
                ),
                "contributions": [
                    {
                        "criterion": part.criterion,
                        "score": part.score,
                        "value": part.value,
                        "weight": _number(part.weight),
                        "contribution": (
                            _number(part.contribution) if part.contribution is not None else None
                        ),
                    }
                    for part in row.ranked.contributions
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
                "order": _interval(item.order),
                "leader": _interval(item.leader),
                "first_swap": _swap(item.first_swap),
                "scenarios": [
                    {
                        "change": s.change,
                        "weight": _number(s.weight),
                        "capped": s.capped,
                        "ranks": dict(s.ranks),
                    }
                    for s in item.scenarios
                ],
                "leader_text": sensitivity_sentences(item)[0],
                "order_text": sensitivity_sentences(item)[1],
            }
            for item in result.sensitivity
        ],
        "portfolio": None
        if chosen is None
        else {
            "budget": _number(chosen.budget, 2),
            "selected": [r.key for r in chosen.selected],
            "total_cost": _number(chosen.total_cost, 2),
            "total_value": _number(chosen.total_value),
            "remaining": _number(chosen.remaining, 2),
            "excluded_no_cost": [r.key for r in chosen.excluded_no_cost],
            "excluded_incomplete": [r.key for r in chosen.excluded_incomplete],
        },
    }


def _decimal(raw: str, name: str) -> Decimal:
    try:
        number = Decimal(raw.strip())
    except (InvalidOperation, ValueError):
        raise serializers.ValidationError({name: ["Enter a number."]}) from None
    if not number.is_finite() or number < 0:
        raise serializers.ValidationError({name: ["Enter a number of 0 or more."]})
    return number


def _ranking_question(params: Any) -> dict[str, Any]:
    """``ranking_compute``'s arguments from the query string, or a 400."""
    slugs = set(criterion_list(active=True).values_list("slug", flat=True))
    known = {"states", "budget", "format"}
    unknown = sorted(name for name in params if name not in known and not name.startswith("w_"))
    if unknown:
        raise serializers.ValidationError({unknown[0]: [f"Unknown parameter: {unknown[0]}."]})
    for name in params:
        if name != "states" and len(params.getlist(name)) > 1:
            raise serializers.ValidationError({name: ["Give it once."]})
    states = [s.strip() for raw in params.getlist("states") for s in raw.split(",") if s.strip()]
    bad = [s for s in states if s not in ProposalState.values]
    if bad:
        raise serializers.ValidationError(
            {"states": [f"Unknown state: {', '.join(bad)}; states: {', '.join(ProposalState)}."]}
        )
    weights = {}
    for name in params:
        if name.startswith("w_"):
            slug = name.removeprefix("w_")
            if slug not in slugs:
                raise serializers.ValidationError({name: [f"No active criterion {slug!r}."]})
            weights[slug] = _decimal(params[name], name)
    budget = params.get("budget")
    return {
        "states": tuple(states) or CANDIDATE_STATES,
        "weights": weights,
        "budget": _decimal(budget, "budget") if budget not in (None, "") else None,
    }


class _OneAnswerSchema(AutoSchema):
    """The ranking's ``GET`` answers one object, although the router calls it ``list``
    (drf-spectacular would document a list of them: its list heuristic is this hook)."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class RankingViewSet(viewsets.GenericViewSet):
    """``GET``: the decision analysis over the stored proposals (nothing is stored)."""

    schema = _OneAnswerSchema()
    permission_classes = [CanReadRanking]
    pagination_class = None
    filter_backends: Sequence[Any] = []
    serializer_class = SelectionRankingSerializer

    @extend_schema(
        tags=TAGS,
        operation_id="improvements_ranking_retrieve",
        summary="Ranking, sensitivity and portfolio",
        description="The proposals in `states` (comma-separated or repeated; default "
        "analyzed, selected_for_validation, validating, validated) ranked by the weighted "
        "sum of their scores (cost criteria count 6 - score; weights normalized to sum 1; a "
        "proposal missing a score is ranked after the complete ones). For each criterion: "
        "the weights that keep the leader and the order, and the ranks at ±25% and ±50% of "
        "its weight. With `budget`: the most valuable set of proposals whose one-off costs "
        "fit it. `w_<slug>=0.3` overrides a weight for a what-if (not saved).",
        parameters=[
            OpenApiParameter("states", str, description="States, comma-separated."),
            OpenApiParameter("budget", OpenApiTypes.DECIMAL, description="0 or more."),
        ],
        responses={200: SelectionRankingSerializer, **LIST_ERRORS},
    )
    def list(self, request: Request) -> Response:
        question = _ranking_question(request.query_params)
        return Response(ranking_json(ranking_compute(**question)))


# Pilots -----------------------------------------------------------------------------------


def _activities() -> Any:
    return serializers.SlugRelatedField(
        slug_field="slug", queryset=work_activity_list(), many=True, required=False
    )


class PilotPlanSerializer(serializers.ModelSerializer):
    """A pilot: its plan, status, decision, and the results stored with the decision."""

    reference = serializers.SerializerMethodField(help_text="The proposal's reference.")
    work_activities: Any = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    comparison_activities: Any = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    measures: Any = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    status = inline_enum(PilotStatus.values, read_only=True)
    decision = inline_enum(["", *PilotDecision.values], read_only=True)
    decided_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    results = serializers.JSONField(
        read_only=True, help_text="The results stored with the decision: taken_at, measures."
    )

    class Meta:
        model = Pilot
        fields = [
            "id",
            "proposal",
            "reference",
            "title",
            "work_activities",
            "comparison_activities",
            "measures",
            "start",
            "end",
            "success_criteria",
            "status",
            "decision",
            "decision_rationale",
            "decided_by",
            "decided_at",
            "results",
            "version",
        ]
        read_only_fields = fields

    def get_reference(self, pilot: Pilot) -> str:
        return f"IP-{pilot.proposal_id}"


class PilotCreateSerializer(serializers.Serializer):
    proposal = serializers.PrimaryKeyRelatedField(queryset=Proposal.objects.all())
    title = serializers.CharField(max_length=200)
    work_activities = _activities()
    comparison_activities = _activities()
    measures = serializers.SlugRelatedField(
        slug_field="slug", queryset=Measure.objects.all(), many=True, required=False
    )
    start = serializers.DateField()
    end = serializers.DateField()
    success_criteria = serializers.CharField(allow_blank=True)


class PilotPatchSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    work_activities = _activities()
    comparison_activities = _activities()
    measures = serializers.SlugRelatedField(
        slug_field="slug", queryset=Measure.objects.all(), many=True, required=False
    )
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    success_criteria = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=1, help_text="The version the edit started from.")


class PilotStartSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class PilotDecisionSerializer(serializers.Serializer):
    decision = inline_enum(PilotDecision.values)
    rationale = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class PilotMeasureResultSerializer(serializers.Serializer):
    """One measure's result: ``PilotMeasureResult.as_json()``."""

    measure = serializers.CharField()
    measure_name = serializers.CharField()
    unit = serializers.CharField()
    direction = inline_enum(["higher", "lower"], read_only=True)
    design = inline_enum(["before_after", "pilot_comparison"], read_only=True, allow_null=True)
    before_label = serializers.CharField(allow_null=True)
    after_label = serializers.CharField(allow_null=True)
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_null=True, help_text="Why there is no evaluation.")
    expected_change = serializers.FloatField(allow_null=True, help_text="Percent, signed.")
    observed_change = serializers.FloatField(allow_null=True, help_text="Percent, signed.")
    status = inline_enum(
        ["met", "not_significant", "not_met", "undetermined", "no_expected_benefit", "no_data"],
        read_only=True,
    )
    meets = serializers.BooleanField(allow_null=True)
    verdict = serializers.CharField(help_text="The verdict against the expected benefit.")
    evaluation = ChangeEvaluationSerializer(allow_null=True)
    notes = serializers.ListField(child=serializers.CharField())
    evaluation_query = serializers.CharField(
        help_text="The query string of the measurements' evaluation page for this measure."
    )


class PilotResultsSerializer(serializers.Serializer):
    pilot = serializers.IntegerField()
    status = inline_enum(PilotStatus.values, read_only=True)
    measures = PilotMeasureResultSerializer(many=True)


PILOT_404 = detail_errors("No such pilot.")


@extend_schema_view(
    list=extend_schema(tags=TAGS, responses={200: PilotPlanSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(tags=TAGS, responses={200: PilotPlanSerializer, **PILOT_404}),
)
class PilotViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Pilots; every write through ``services.pilots``."""

    serializer_class = PilotPlanSerializer
    filterset_class = PilotFilterSet
    filter_backends = ReadOnlyViewSet.filter_backends
    pagination_class = LimitOffsetPagination
    ordering_fields = ["start", "end", "title", "status"]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Pilot]:
        return pilot_list().prefetch_related("work_activities", "comparison_activities", "measures")

    def get_permissions(self) -> Sequence[Any]:
        if self.action == "start":
            return [CanStartPilots()]
        if self.action == "decide":
            return [CanDecidePilots()]
        if self.action == "results":
            return [CanReadPilots()]
        return super().get_permissions()

    def _pilot(self) -> Pilot:
        """The pilot by id (404 if none); the permissions were checked on entry."""
        return pilot_get(pk=int(self.kwargs["pk"]))

    def _fresh(self, pilot: Pilot) -> dict[str, Any]:
        return PilotPlanSerializer(pilot_get(pk=pilot.pk)).data

    @extend_schema(
        tags=TAGS,
        summary="Plan a pilot",
        description="For a proposal selected for validation or validating. Work "
        "activities and measures by slug; without comparison activities the pilot is "
        "compared with its own activities over as long a time before the start.",
        request=PilotCreateSerializer,
        responses={201: PilotPlanSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = PilotCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.setdefault("work_activities", [])
        data.setdefault("comparison_activities", [])
        data.setdefault("measures", [])
        pilot = pilot_create(actor=request.user, **data)
        return Response(self._fresh(pilot), status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="Change a pilot's plan",
        description="`version` is the version the edit started from; a completed pilot "
        "is not changed.",
        request=PilotPatchSerializer,
        responses={200: PilotPlanSerializer, **WRITE_ERRORS, **PILOT_404, 409: CONFLICT},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pilot = self._pilot()
        body = PilotPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = data.pop("version")
        pilot_update(pilot=pilot, actor=request.user, expected_version=version, **data)
        return Response(self._fresh(pilot))

    @extend_schema(
        tags=TAGS,
        summary="Start a pilot",
        description="Needs change_pilot. A proposal selected for validation moves to "
        "validating, which needs decide_proposal too.",
        request=PilotStartSerializer,
        responses={200: PilotPlanSerializer, **WRITE_ERRORS, **PILOT_404, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def start(self, request: Request, pk: str | None = None) -> Response:
        pilot = self._pilot()
        body = PilotStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pilot_start(
            pilot=pilot, actor=request.user, expected_version=body.validated_data.get("version")
        )
        return Response(self._fresh(pilot))

    @extend_schema(
        tags=TAGS,
        summary="Decide a pilot",
        description="Needs decide_proposal. Stores the results as they are, and moves the "
        "proposal: terminate → terminated, rework → rework, proceed → validated; replan "
        "plans the pilot again and leaves the proposal validating.",
        request=PilotDecisionSerializer,
        responses={200: PilotPlanSerializer, **WRITE_ERRORS, **PILOT_404, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def decide(self, request: Request, pk: str | None = None) -> Response:
        pilot = self._pilot()
        body = PilotDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        pilot_decide(
            pilot=pilot,
            actor=request.user,
            decision=data["decision"],
            rationale=data["rationale"],
            expected_version=data.get("version"),
        )
        return Response(self._fresh(pilot))

    @extend_schema(
        tags=TAGS,
        summary="The pilot's results now",
        description="For each measure, the measurements' evaluation of the pilot (against "
        "its comparison group, or before and after its start) and the verdict against the "
        "proposal's expected benefit. Computed now; nothing is stored.",
        responses={200: PilotResultsSerializer, **PILOT_404},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def results(self, request: Request, pk: str | None = None) -> Response:
        pilot = self._pilot()
        body = {
            "pilot": pilot.pk,
            "status": pilot.status,
            "measures": [result.as_json() for result in pilot_results(pilot)],
        }
        return Response(body)


ROUTES = [
    ("improvements/criteria", CriterionViewSet, "improvement-criterion"),
    ("improvements/scores", ScoreViewSet, "improvement-score"),
    ("improvements/ranking", RankingViewSet, "improvement-ranking"),
    ("improvements/pilots", PilotViewSet, "improvement-pilot"),
]


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API's router."""
    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
