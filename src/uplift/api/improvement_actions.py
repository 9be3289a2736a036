"""A plan's execution over HTTP: its actions and its process action team.

- ``/api/improvements/actions/``: list (filters ``plan`` (id), ``owner`` (sign-in
  name), ``status``, ``late=true|false``; ``ordering``), create; ``/{id}/``: retrieve,
  ``PATCH``, ``DELETE`` (``services.actions``);
- ``/api/improvements/plan-members/``: list (filter ``plan``), create; ``/{id}/``:
  retrieve, ``DELETE``.

Permissions: reads need the model's ``view`` permission; creating and deleting need
the model's ``add``/``delete`` permission *and* the right to edit the plan
(``permissions.plan_can_edit``), which the service checks (403, nothing written).
``PATCH`` of an action is open to any signed-in user at the door: the service lets its
editors change everything and its owner change its status, and refuses anyone else
with a 403. A rule the service refuses is a 400 naming the field (``depends_on`` for a
circle of dependencies, ``status`` for done while a dependency is open).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.routers import DefaultRouter

from uplift.api.errors import LIST_ERRORS, ErrorSerializer, detail_errors
from uplift.api.measurement_shapes import inline_enum
from uplift.api.viewsets import ReadOnlyViewSet
from uplift.apps.improvements import selectors_actions as selectors
from uplift.apps.improvements.choices import ActionStatus, PlanRole
from uplift.apps.improvements.filtersets_plans import ActionFilterSet, PlanMemberFilterSet
from uplift.apps.improvements.models import Action, ActionPlan, PlanMember
from uplift.apps.improvements.services.actions import (
    action_create,
    action_delete,
    action_update,
    member_add,
    member_remove,
)

__all__ = ["PlanActionViewSet", "PlanTeamMemberViewSet", "register"]

TAGS = ["improvements"]
DETAIL_ERRORS = detail_errors("No such action or team member.")
WRITE_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `errors` names the field."),
    403: OpenApiResponse(
        ErrorSerializer,
        description="Not signed in, or without the permission and the right to edit the plan.",
    ),
}
DELETE_ERRORS = {403: WRITE_ERRORS[403], 404: DETAIL_ERRORS[404]}


def _people() -> QuerySet[Any]:
    return get_user_model()._default_manager.all()


# Serializers --------------------------------------------------------------------------------


class PlanActionItemSerializer(serializers.ModelSerializer):
    """An action of a plan. ``plan`` is set on creation only; ``status`` changes after it
    (a new action is not started); ``late``: due before today, neither done nor
    cancelled."""

    plan = serializers.PrimaryKeyRelatedField(  # type: ignore[var-annotated]
        queryset=ActionPlan.objects.all(), help_text="The plan's id (set on creation only)."
    )
    owner = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="username", queryset=_people(), help_text="The owner's sign-in name."
    )
    owner_name = serializers.SerializerMethodField()
    status = inline_enum(ActionStatus.values, required=False)
    depends_on = serializers.PrimaryKeyRelatedField(  # type: ignore[var-annotated]
        many=True,
        queryset=Action.objects.all(),
        required=False,
        help_text="Ids of actions of the same plan that must be done (or cancelled) first.",
    )
    late = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = [
            "id",
            "plan",
            "title",
            "description",
            "owner",
            "owner_name",
            "start",
            "due",
            "status",
            "completed_on",
            "depends_on",
            "position",
            "late",
        ]
        read_only_fields = ["id", "owner_name", "completed_on", "late"]
        extra_kwargs: dict[str, dict[str, Any]] = {
            "position": {"required": False, "help_text": "Order among same-day actions."},
            "description": {"required": False},
        }

    @extend_schema_field(OpenApiTypes.STR)
    def get_owner_name(self, action: Action) -> str:
        return str(action.owner.get_full_name() or action.owner.get_username())

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_late(self, action: Action) -> bool:
        return selectors.action_is_late(action, self.context.get("today"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            for name in ("status", "position"):
                if name in attrs:
                    raise serializers.ValidationError(
                        {name: ["A new action is not started and goes last; change it after."]}
                    )
        elif "plan" in attrs and attrs["plan"].pk != self.instance.plan_id:
            raise serializers.ValidationError({"plan": ["An action stays in its plan."]})
        return attrs


class PlanTeamMemberSerializer(serializers.ModelSerializer):
    """A member of a plan's process action team, in one role."""

    plan = serializers.PrimaryKeyRelatedField(  # type: ignore[var-annotated]
        queryset=ActionPlan.objects.all(), help_text="The plan's id."
    )
    user = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="username", queryset=_people(), help_text="The member's sign-in name."
    )
    user_name = serializers.SerializerMethodField()
    role = inline_enum(PlanRole.values)

    class Meta:
        model = PlanMember
        fields = ["id", "plan", "user", "user_name", "role"]
        read_only_fields = ["id", "user_name"]
        validators: list[Any] = []  # uniqueness is the service's rule, stated once

    @extend_schema_field(OpenApiTypes.STR)
    def get_user_name(self, member: PlanMember) -> str:
        return str(member.user.get_full_name() or member.user.get_username())


# Permissions ------------------------------------------------------------------------------


class ActionPermissions(permissions.BasePermission):
    """Model permissions (reads included), except ``PATCH``: any signed-in user may try,
    and ``action_update`` decides (editors: everything; the owner: the status)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in ("PATCH", "PUT"):
            return True  # PATCH: the service decides; PUT is not offered (405)
        codename = {
            "GET": "view",
            "HEAD": "view",
            "OPTIONS": "view",
            "POST": "add",
            "DELETE": "delete",
        }.get(request.method)
        return codename is not None and bool(user.has_perm(f"improvements.{codename}_action"))


# Views ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="List actions",
        responses={200: PlanActionItemSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAGS, summary="An action", responses={200: PlanActionItemSerializer, **DETAIL_ERRORS}
    ),
    create=extend_schema(
        tags=TAGS,
        summary="Add an action to a plan",
        responses={201: PlanActionItemSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        tags=TAGS,
        summary="Change an action",
        description="Its editors change any field; its owner changes `status` only.",
        responses={200: PlanActionItemSerializer, **WRITE_ERRORS, 404: DETAIL_ERRORS[404]},
    ),
    destroy=extend_schema(
        tags=TAGS, summary="Delete an action", responses={204: None, **DELETE_ERRORS}
    ),
)
class PlanActionViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ReadOnlyViewSet,
):
    """Actions of every plan; writes through ``services.actions``."""

    serializer_class = PlanActionItemSerializer
    filterset_class = ActionFilterSet
    ordering_fields = ["due", "start", "status", "title", "position"]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_classes = [ActionPermissions]

    def get_queryset(self) -> QuerySet[Action]:
        return selectors.action_list()

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["today"] = timezone.localdate()
        return context

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = action_create(actor=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("plan", None)
        saved = action_update(action=serializer.instance, actor=self.request.user, **data)
        serializer.instance = selectors.action_list().get(pk=saved.pk)

    def perform_destroy(self, instance: Action) -> None:
        action_delete(action=instance, actor=self.request.user)


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="List process action team members",
        responses={200: PlanTeamMemberSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="A process action team member",
        responses={200: PlanTeamMemberSerializer, **DETAIL_ERRORS},
    ),
    create=extend_schema(
        tags=TAGS,
        summary="Add a member to a plan's team",
        responses={201: PlanTeamMemberSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        tags=TAGS,
        summary="Take a member off a plan's team",
        responses={204: None, **DELETE_ERRORS},
    ),
)
class PlanTeamMemberViewSet(
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ReadOnlyViewSet,
):
    """Members of plans' process action teams; writes through ``services.actions``."""

    serializer_class = PlanTeamMemberSerializer
    filterset_class = PlanMemberFilterSet
    ordering_fields = ["role", "id"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[PlanMember]:
        return selectors.member_list()

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = member_add(
            plan=data["plan"], actor=self.request.user, user=data["user"], role=data["role"]
        )

    def perform_destroy(self, instance: PlanMember) -> None:
        member_remove(member=instance, actor=self.request.user)


ROUTES: Sequence[tuple[str, type[viewsets.GenericViewSet], str]] = [
    ("improvements/actions", PlanActionViewSet, "improvement-action"),
    ("improvements/plan-members", PlanTeamMemberViewSet, "improvement-plan-member"),
]


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API's router."""
    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
