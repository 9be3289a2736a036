"""Declared "rows of a parent" endpoints: one ``RowCollection`` makes the two actions.

A parent (a deployment plan, a service) keeps several kinds of rows (barriers, risks,
objectives, changes, ...). Each kind answers the same four operations, which differ only
in their serializers, service calls, querysets and texts::

    GET    …/{parent}/<rows>/            list          200 [row]
    POST   …/{parent}/<rows>/            add           201 row
    PATCH  …/{parent}/<rows>/{row_id}/   change        200 row   (optional)
    DELETE …/{parent}/<rows>/{row_id}/   remove        204       (optional)

A ``RowCollection`` declares one kind; ``list_action()`` and ``row_action()`` build the
DRF actions (with their drf-spectacular annotations) to assign in the viewset's body::

    barriers = BARRIERS.list_action()
    barrier_row = BARRIERS.row_action()

The attribute names must be ``RowCollection.name`` and ``row_name``: DRF routes an action by
its function's name, which these builders set. The viewset (a ``RowParentViewSet``)
supplies the door checks: ``_row_parent`` (the visible parent of the URL, else 404),
``_row_parent_editable`` (that parent once the operation is allowed, else 403) and
``_row`` (the parent's row, else 404). Every write goes through one service call, which
checks again. An endpoint that behaves differently (another status, extra checks,
context for its serializer) stays hand-written next to the generated ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.request import Request
from rest_framework.response import Response

__all__ = ["RowCollection", "RowOp", "RowParent", "RowParentViewSet"]

ParentT = TypeVar("ParentT", bound=Model)
RowT = TypeVar("RowT", bound=Model)

RowOp = Literal["add", "change", "delete"]
"""A write on a row; the names of Django's model permissions."""

Errors = Mapping[int, OpenApiResponse]
Handler = Callable[..., Response]


class RowParentViewSet(Protocol[ParentT]):
    """What the generated actions call on their viewset."""

    def _row_parent(self, lookup: Any) -> ParentT:
        """The parent of the URL if the user may see it (else 404)."""
        ...

    def _row_parent_editable(
        self, lookup: Any, rows: RowCollection[ParentT, Any], op: RowOp
    ) -> ParentT:
        """The parent of the URL once ``op`` on its ``rows`` is allowed (else 403/404)."""
        ...

    def _row(self, rows: QuerySet[RowT], parent: ParentT, row_id: Any, what: str) -> RowT:
        """The row ``row_id`` of ``parent`` among ``rows`` (else 404)."""
        ...


@dataclass(frozen=True, kw_only=True)
class RowParent:
    """What the row collections of one parent share: URL and schema conventions."""

    lookup: str
    """The URL keyword of the parent ("pk", "slug")."""
    operation_prefix: str
    """Operation ids are ``<prefix>_<name>_<list|create|partial_update|destroy>``."""
    tags: list[str]
    detail_errors: Errors
    """Responses of a read of the parent's rows (404)."""
    write_errors: Errors
    """Responses of an add (400, 403, 404)."""
    row_errors: Errors
    """Responses of a change or removal of one row (400, 403, 404 for the row)."""
    row_id: OpenApiParameter
    write_note: str = ""
    """Appended to the description of every write (e.g. that it makes a new revision)."""

    def describe_write(self, description: str) -> str | None:
        """A write's description followed by the ``write_note``; ``None`` if both are empty
        (drf-spectacular then falls back to the viewset's docstring)."""
        text = " ".join(part for part in (description, self.write_note) if part)
        return text or None


@dataclass(frozen=True, kw_only=True)
class RowCollection(Generic[ParentT, RowT]):
    """One kind of row of a parent, and how the API lists, adds, changes and removes it.

    The service callables receive the parent or row, the acting user and the validated
    input as a dict; they return the row written (``remove`` returns nothing).
    """

    parent: RowParent
    name: str
    """The list action's name and the rows' URL segment (e.g. "barriers")."""
    row_name: str
    """The row action's name (e.g. "barrier_row")."""
    noun: str
    """The row in a 404 message: "No such <noun> of this …"."""
    serializer: type[serializers.BaseSerializer[Any]]
    """The row as answered by every operation."""
    rows: Callable[[ParentT], Iterable[RowT]]
    """The rows of a parent, in the order listed."""
    row_queryset: QuerySet[RowT]
    """Where ``_row`` looks a single row up (``select_related`` what the services need)."""
    refusal: str | Mapping[RowOp, str]
    """What the user may not do, for a 403: one text, or one per operation."""
    list_summary: str = ""
    list_description: str | None = None
    add_input: type[serializers.BaseSerializer[Any]] | None = None
    add: Callable[[ParentT, Any, dict[str, Any]], RowT] | None = None
    """``None`` (with ``add_input``) when the list action is hand-written."""
    add_summary: str = ""
    add_description: str = ""
    update_input: type[serializers.BaseSerializer[Any]] | None = None
    update: Callable[[RowT, Any, dict[str, Any]], RowT] | None = None
    update_summary: str = ""
    update_description: str = ""
    update_errors: Errors = field(default_factory=dict)
    """Responses of a change besides ``row_errors`` (e.g. a 409 for a stale version)."""
    remove: Callable[[RowT, Any], object] | None = None
    remove_summary: str = ""
    remove_description: str = ""

    def __post_init__(self) -> None:
        if (self.add is None) != (self.add_input is None):
            raise ValueError(f"{self.name}: add and add_input go together.")
        if (self.update is None) != (self.update_input is None):
            raise ValueError(f"{self.name}: update and update_input go together.")
        if self.update is None and self.remove is None:
            raise ValueError(f"{self.name}: a row action needs update or remove.")

    @property
    def model_name(self) -> str:
        """The row model's name, as in its permissions ("servicechange")."""
        return str(self.row_queryset.model._meta.model_name)

    def refusal_for(self, op: RowOp) -> str:
        """What the user may not do when ``op`` is refused."""
        return self.refusal if isinstance(self.refusal, str) else self.refusal[op]

    def _operation_id(self, verb: str) -> str:
        return f"{self.parent.operation_prefix}_{self.name}_{verb}"

    def list_action(self) -> Handler:
        """``GET`` (the rows) and ``POST`` (a new row) on ``…/{parent}/<rows>/``."""
        parent, collection, add, add_input = self.parent, self, self.add, self.add_input
        if add is None or add_input is None:
            raise ValueError(f"{self.name}: a list action needs add and add_input.")

        def handler(view: RowParentViewSet[ParentT], request: Request, **kwargs: Any) -> Response:
            lookup = kwargs[parent.lookup]
            if request.method == "GET":
                rows = collection.rows(view._row_parent(lookup))
                return Response(collection.serializer(rows, many=True).data)
            owner = view._row_parent_editable(lookup, collection, "add")
            given = add_input(data=request.data)
            given.is_valid(raise_exception=True)
            row = add(owner, request.user, dict(given.validated_data))
            return Response(collection.serializer(row).data, status=status.HTTP_201_CREATED)

        handler.__name__ = handler.__qualname__ = self.name
        routed = action(
            detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None
        )(handler)
        routed = extend_schema(
            methods=["POST"],
            tags=parent.tags,
            operation_id=self._operation_id("create"),
            summary=self.add_summary,
            description=parent.describe_write(self.add_description),
            request=add_input,
            responses={201: self.serializer, **parent.write_errors},
        )(routed)
        return extend_schema(
            methods=["GET"],
            tags=parent.tags,
            operation_id=self._operation_id("list"),
            summary=self.list_summary,
            description=self.list_description,
            responses={200: self.serializer(many=True), **parent.detail_errors},
        )(routed)

    def row_action(self) -> Handler:
        """``PATCH`` and/or ``DELETE`` on ``…/{parent}/<rows>/{row_id}/``."""
        parent, collection = self.parent, self
        update, update_input, remove = self.update, self.update_input, self.remove

        def handler(
            view: RowParentViewSet[ParentT], request: Request, row_id: Any = None, **kwargs: Any
        ) -> Response:
            op: RowOp = "delete" if request.method == "DELETE" else "change"
            owner = view._row_parent_editable(kwargs[parent.lookup], collection, op)
            row = view._row(collection.row_queryset, owner, row_id, collection.noun)
            if op == "delete" and remove is not None:
                remove(row, request.user)
                return Response(status=status.HTTP_204_NO_CONTENT)
            if update is None or update_input is None:  # not routed: the action lacks the method
                raise MethodNotAllowed(str(request.method))
            given = update_input(data=request.data)
            given.is_valid(raise_exception=True)
            row = update(row, request.user, dict(given.validated_data))
            return Response(collection.serializer(row).data)

        handler.__name__ = handler.__qualname__ = self.row_name
        methods: list[Literal["patch", "delete"]] = []
        if update is not None:
            methods.append("patch")
        if remove is not None:
            methods.append("delete")
        routed = action(
            detail=True,
            methods=methods,
            url_path=rf"{self.name}/(?P<row_id>\d+)",
            filter_backends=[],
            pagination_class=None,
        )(handler)
        # Applied in the order of the hand-written decorators: DELETE innermost.
        if remove is not None:
            routed = extend_schema(
                methods=["DELETE"],
                tags=parent.tags,
                operation_id=self._operation_id("destroy"),
                summary=self.remove_summary,
                description=parent.describe_write(self.remove_description),
                parameters=[parent.row_id],
                request=None,
                responses={204: None, **parent.row_errors},
            )(routed)
        if update is not None:
            routed = extend_schema(
                methods=["PATCH"],
                tags=parent.tags,
                operation_id=self._operation_id("partial_update"),
                summary=self.update_summary,
                description=parent.describe_write(self.update_description),
                parameters=[parent.row_id],
                request=update_input,
                responses={200: self.serializer, **parent.row_errors, **self.update_errors},
            )(routed)
        return routed
