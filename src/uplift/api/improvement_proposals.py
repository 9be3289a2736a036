"""Improvement proposals over HTTP.

- ``/api/improvements/proposals/``: list (filters ``q``, ``state``, ``source_kind``,
  ``category``, ``size``; ``ordering``), create (``services.proposals.proposal_create``);
- ``/{id}/``: retrieve, ``PATCH`` (``proposal_update``; the body carries the
  ``version`` the edit started from: a stale one is a 409). No ``PUT``, no ``DELETE``;
- ``POST /{id}/transition/`` ``{name, reason, version?}``: a move along the life cycle
  (``proposal_transition``), answered with the proposal;
- ``GET /{id}/transitions/``: who moved it, when and why;
- ``POST /{id}/benefits/``: add an expected benefit (``benefit_add``); a proposal's
  benefits are part of its representation.

Permissions (``uplift.apps.improvements.permissions``): anonymous visitors are refused;
the list needs ``improvements.view_proposal``; one proposal is read by a holder of it
or by its submitter; anyone signed in may submit a suggestion (other sources need
``add_proposal``); ``PATCH`` needs ``proposal_can_edit``; each transition the
permission the life cycle names. A denial is a 403 and writes nothing; a rule the
service refuses is a 400 naming the field (``uplift.api.errors``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from uplift.api.errors import LIST_ERRORS, ErrorSerializer, detail_errors
from uplift.api.measurement_shapes import inline_enum
from uplift.api.pagination import LimitOffsetPagination
from uplift.api.viewsets import ReadOnlyViewSet
from uplift.apps.appraisals.models import Finding
from uplift.apps.appraisals.workspace import finding_list
from uplift.apps.improvements import selectors
from uplift.apps.improvements.choices import (
    Category,
    ProposalState,
    Size,
    SourceKind,
    ValidationMethod,
)
from uplift.apps.improvements.filtersets import ProposalFilterSet
from uplift.apps.improvements.models import ExpectedBenefit, Proposal, ProposalTransition
from uplift.apps.improvements.permissions import proposal_can_edit, proposal_can_see
from uplift.apps.improvements.services.proposals import (
    benefit_add,
    proposal_create,
    proposal_pilot_reasons,
    proposal_transition,
    proposal_update,
)
from uplift.apps.library.models import Practice, ProcessArea
from uplift.apps.measurements.models import Measure, Objective
from uplift.domain.proposal_lifecycle import TRANSITIONS

__all__ = [
    "ImprovementBenefitSerializer",
    "ImprovementProposalSerializer",
    "ImprovementProposalTransitionSerializer",
    "ProposalViewSet",
    "register",
]

TAGS = ["improvements"]
DETAIL_ERRORS = detail_errors("No such proposal.")
DENIED = OpenApiResponse(
    ErrorSerializer, description="Not signed in, or not allowed to do this with the proposal."
)
INVALID = OpenApiResponse(ErrorSerializer, description="Invalid input; `errors` names the field.")
CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description="The proposal was saved by someone else after `version`: nothing was saved.",
)


# Serializers ------------------------------------------------------------------------------


class ImprovementBenefitSerializer(serializers.ModelSerializer):
    """An expected benefit: the measure (slug), the change in percent (signed), by when."""

    measure = serializers.SlugRelatedField(
        slug_field="slug", queryset=Measure.objects.all(), help_text="The measure's slug."
    )

    class Meta:
        model = ExpectedBenefit
        fields = ["id", "measure", "expected_change", "by_when", "note"]
        read_only_fields = ["id"]


class ImprovementProposalTransitionSerializer(serializers.ModelSerializer):
    """One move of a proposal: which, from and to what state, who, when, why."""

    from_state = inline_enum([*ProposalState.values, ""], read_only=True)
    to_state = inline_enum(ProposalState.values, read_only=True)
    actor: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = ProposalTransition
        fields = ["id", "name", "from_state", "to_state", "actor", "at", "reason"]
        read_only_fields = fields


class ImprovementTransitionSerializer(serializers.Serializer):
    """A move along the life cycle."""

    name = inline_enum(list(TRANSITIONS), help_text="The transition to make.")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why; required to reject, terminate or rework.",
    )
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The version the decision was made on; a stale one is a 409.",
    )


class ImprovementProposalSerializer(serializers.ModelSerializer):
    """A proposal with its source, what it addresses, content and expected benefits.

    ``process_areas`` and ``practices`` are ids of the model library's rows (write and
    read); their references (``REQM``, ``REQM SP 1.1``) are read-only. ``version``:
    required on ``PATCH`` (the version the edit started from), ignored on create.
    """

    reference = serializers.CharField(read_only=True, help_text="IP-<id>.")
    state = inline_enum(ProposalState.values, read_only=True)
    source_kind = inline_enum(SourceKind.values)
    category = inline_enum(Category.values, required=False)
    size = inline_enum(Size.values, required=False)
    validation_method = inline_enum(
        [*ValidationMethod.values, ""], required=False, allow_blank=True
    )
    finding = serializers.PrimaryKeyRelatedField(
        queryset=Finding.objects.none(),
        required=False,
        allow_null=True,
        help_text="An appraisal finding's id (appraisal sources).",
    )
    objective = serializers.PrimaryKeyRelatedField(
        queryset=Objective.objects.all(),
        required=False,
        allow_null=True,
        help_text="A QPPO's id (a QPPO shortfall source).",
    )
    process_areas = serializers.PrimaryKeyRelatedField(
        queryset=ProcessArea.objects.all(), many=True, required=False
    )
    practices = serializers.PrimaryKeyRelatedField(
        queryset=Practice.objects.all(), many=True, required=False
    )
    process_area_references = serializers.SerializerMethodField()
    practice_references = serializers.SerializerMethodField()
    pilot_required_because = serializers.SerializerMethodField()
    benefits = ImprovementBenefitSerializer(many=True, read_only=True)
    submitted_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "reference",
            "title",
            "state",
            "source_kind",
            "source_reference",
            "finding",
            "objective",
            "process_areas",
            "practices",
            "process_area_references",
            "practice_references",
            "problem_statement",
            "proposed_change",
            "category",
            "size",
            "proven",
            "estimated_cost",
            "running_cost",
            "estimated_effort",
            "estimated_duration_weeks",
            "risks",
            "barriers",
            "success_criteria",
            "validation_method",
            "pilot_required_because",
            "benefits",
            "submitted_by",
            "submitted_at",
            "state_changed_at",
            "version",
        ]
        read_only_fields = ["id", "submitted_at", "state_changed_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "finding" in self.fields:
            # Only the findings of the appraisals the user may see.
            self.fields["finding"].queryset = finding_list(user=request.user)  # type: ignore[attr-defined]

    def get_process_area_references(self, proposal: Proposal) -> list[str]:
        return [area.abbreviation for area in proposal.process_areas.all()]

    def get_practice_references(self, proposal: Proposal) -> list[str]:
        return selectors.proposal_practice_references(proposal)

    def get_pilot_required_because(self, proposal: Proposal) -> list[str]:
        """Why the proposal must pass a pilot before deployment (empty: it need not)."""
        return proposal_pilot_reasons(proposal)


# Permissions ------------------------------------------------------------------------------


class ProposalAccess(permissions.BasePermission):
    """Signed in; the list needs ``view_proposal``; one proposal ``proposal_can_see``
    (and ``proposal_can_edit`` to ``PATCH``). Transitions, benefits and the source
    rules are checked by the services, which raise ``PermissionDenied``."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if getattr(view, "action", None) == "list":
            return bool(user.has_perm("improvements.view_proposal"))
        return True

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if not proposal_can_see(request.user, obj):
            return False
        if getattr(view, "action", None) == "partial_update":
            return proposal_can_edit(request.user, obj)
        return True


# Views ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="Improvement proposals",
        responses={200: ImprovementProposalSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="One improvement proposal",
        responses={200: ImprovementProposalSerializer, **DETAIL_ERRORS},
    ),
    create=extend_schema(
        tags=TAGS,
        summary="Submit a proposal",
        description="State `submitted`. Anyone signed in may submit a `suggestion`; other "
        "sources need improvements.add_proposal. An appraisal finding source without "
        "process areas or practices addresses the finding's.",
        responses={201: ImprovementProposalSerializer, 400: INVALID, 403: DENIED},
    ),
    partial_update=extend_schema(
        tags=TAGS,
        summary="Change a proposal",
        description="The body carries `version`, the version the edit started from "
        "(required); the state changes only by a transition.",
        responses={
            200: ImprovementProposalSerializer,
            400: INVALID,
            403: DENIED,
            404: DETAIL_ERRORS[404],
            409: CONFLICT,
        },
    ),
)
class ProposalViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Improvement proposals; every write through ``services.proposals``."""

    serializer_class = ImprovementProposalSerializer
    permission_classes = [ProposalAccess]
    filterset_class = ProposalFilterSet
    filter_backends = ReadOnlyViewSet.filter_backends
    pagination_class = LimitOffsetPagination
    ordering_fields = ["submitted_at", "title", "state_changed_at"]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Proposal]:
        return selectors.proposal_list(user=self.request.user, details=True)

    def get_object(self) -> Proposal:
        """Any proposal by id (404 if none), then the object permission (403)."""
        proposal = selectors.proposal_get(pk=int(self.kwargs["pk"]))
        self.check_object_permissions(self.request, proposal)
        return proposal

    def _fresh(self, proposal: Proposal) -> dict[str, Any]:
        fresh = selectors.proposal_get(pk=proposal.pk)
        return ImprovementProposalSerializer(fresh, context=self.get_serializer_context()).data

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        proposal = proposal_create(actor=request.user, **data)
        return Response(self._fresh(proposal), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """``PATCH`` only (``http_method_names`` leaves ``PUT`` out)."""
        proposal = self.get_object()
        serializer = self.get_serializer(proposal, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        if version is None:
            raise serializers.ValidationError(
                {"version": ["Give the version the edit started from."]}
            )
        proposal_update(proposal=proposal, actor=request.user, expected_version=version, **data)
        return Response(self._fresh(proposal))

    @extend_schema(
        tags=TAGS,
        summary="Move a proposal along its life cycle",
        description="Needs the permission the transition names (decide_proposal or "
        "select_proposal). A proposal that must be piloted (innovative, major or unproven) "
        "is validated and selected for deployment only after a pilot decided `proceed`.",
        request=ImprovementTransitionSerializer,
        responses={
            200: ImprovementProposalSerializer,
            400: INVALID,
            403: DENIED,
            404: DETAIL_ERRORS[404],
            409: CONFLICT,
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def transition(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        body = ImprovementTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        proposal_transition(
            proposal=proposal,
            name=data["name"],
            actor=request.user,
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return Response(self._fresh(proposal))

    @extend_schema(
        tags=TAGS,
        summary="The proposal's transitions",
        description="Oldest first: who moved it, when, from and to what state, and why.",
        responses={200: ImprovementProposalTransitionSerializer(many=True), **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        rows = proposal.transitions.all()
        return Response(ImprovementProposalTransitionSerializer(rows, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Add an expected benefit",
        description="Whoever may edit the proposal (change_proposal, or its submitter "
        "while it is submitted).",
        request=ImprovementBenefitSerializer,
        responses={
            201: ImprovementBenefitSerializer,
            400: INVALID,
            403: DENIED,
            404: DETAIL_ERRORS[404],
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def benefits(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        body = ImprovementBenefitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        benefit = benefit_add(proposal=proposal, actor=request.user, **body.validated_data)
        return Response(ImprovementBenefitSerializer(benefit).data, status=status.HTTP_201_CREATED)


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API's router."""
    router.register("improvements/proposals", ProposalViewSet, basename="improvement-proposal")
