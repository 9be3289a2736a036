"""The appraisal team's workspace over HTTP: evidence (artifacts, affirmations) and findings.

- ``/api/appraisals/artifacts/``: list (filters: appraisal, process_area, practice,
  unit, search), retrieve, create (multipart with a ``file``, or JSON with a
  ``link``), update, delete; ``/{id}/file/`` downloads the uploaded file;
- ``/api/appraisals/affirmations/``: the same with kind, date, session and the role
  group (never a person's name, issue 3);
- ``/api/appraisals/findings/``: list (filters: appraisal, kind, process_area, goal,
  practice), retrieve, create, update, delete.

Who may do what is decided by ``apps.appraisals.permissions``, as on the pages, not by
model permissions (a team member needs no role to work on their appraisal): evidence is
read by those who may see the appraisal's workspace (``workspace.artifact_list`` …),
findings by those who may see the appraisal; every write needs ``appraisal_can_work``
(403 otherwise) and goes through ``services.evidence`` or ``services.findings``. An
edit the rules refuse is a 400 naming the field. Fields left out of a PUT or PATCH
keep their stored values.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from uplift.api.errors import LIST_ERRORS, ErrorSerializer, detail_errors
from uplift.api.parsers import MAX_UPLOAD_BYTES
from uplift.api.viewsets import ReadOnlyViewSet
from uplift.apps.appraisals import permissions, selectors
from uplift.apps.appraisals.choices import AffirmationKind, FindingKind
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.filtersets_workspace import (
    AffirmationFilterSet,
    ArtifactFilterSet,
    FindingFilterSet,
)
from uplift.apps.appraisals.models import Affirmation, Appraisal, Artifact, Finding
from uplift.apps.appraisals.services import evidence as evidence_services
from uplift.apps.appraisals.services import findings as finding_services
from uplift.apps.appraisals.workspace import (
    affirmation_list,
    artifact_list,
    evidence_rows,
    finding_list,
)

__all__ = ["AffirmationViewSet", "ArtifactViewSet", "FindingViewSet"]

TAGS = ["appraisals"]

EVIDENCE_DETAIL_ERRORS = detail_errors(
    "No such id, or not in the workspace of an appraisal of your team."
)
FINDING_DETAIL_ERRORS = detail_errors("No such id, or not visible to you.")
EVIDENCE_LIST_ERRORS = {
    **LIST_ERRORS,
    403: OpenApiResponse(ErrorSerializer, description="Not signed in."),
}
WRITE_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="The rules refuse the change."),
    403: OpenApiResponse(
        ErrorSerializer, description="Not signed in, or not working on this appraisal."
    ),
}


def _enum(values: list[str], **kwargs: Any) -> serializers.ChoiceField:
    """A choice documented as an enum kept inline.

    drf-spectacular moves every enum into a component named after its field
    (``KindEnum``), and ``kind`` already names the open judgments' kinds, so three
    choice sets would share one name (a warning, and hashed names). Wrapped in
    ``allOf`` (with a description, or the generator unwraps it) the enum stays where
    it is used: the same contract, no clashing name.
    """

    schema = {"allOf": [{"type": "string", "enum": values}], "description": " or ".join(values)}

    @extend_schema_field(schema)
    class InlineChoiceField(serializers.ChoiceField):
        pass

    return InlineChoiceField(choices=values, **kwargs)


def _refused(error: AppraisalError) -> serializers.ValidationError:
    """A refused edit as a 400 on its field (or the whole input)."""
    return serializers.ValidationError({error.field or "non_field_errors": [error.message]})


def _file_name(name: str | None) -> str | None:
    return PurePosixPath(name).name if name else None


# Serializers ------------------------------------------------------------------------


class LinkGroupSerializer(serializers.Serializer):
    """A practice a piece of evidence supports, and the units where it does."""

    practice = serializers.CharField(help_text="e.g. REQM SP 1.1 or REQM GP 2.1.")
    units = serializers.ListField(child=serializers.CharField(), help_text="Unit names.")


class _EvidenceSerializer(serializers.ModelSerializer):
    supports = serializers.SerializerMethodField(
        help_text="The practices supported, each with the units where it is."
    )

    @extend_schema_field(LinkGroupSerializer(many=True))
    def get_supports(self, item: Artifact | Affirmation) -> list[dict[str, Any]]:
        return [
            {"practice": group.practice, "units": list(group.units)}
            for group in evidence_rows([item])[0].links
        ]


class ArtifactSerializer(_EvidenceSerializer):
    """An artifact; needs the prefetched links of ``workspace.artifact_list()``."""

    file = serializers.SerializerMethodField(help_text="The uploaded file's name, or null.")
    file_url = serializers.SerializerMethodField(
        help_text="Where to download the uploaded file, or null."
    )

    class Meta:
        model = Artifact
        fields = [
            "id",
            "appraisal",
            "name",
            "link",
            "file",
            "file_url",
            "date",
            "description",
            "supports",
            "created_at",
        ]
        read_only_fields = fields

    def get_file(self, artifact: Artifact) -> str | None:
        return _file_name(artifact.file.name)

    def get_file_url(self, artifact: Artifact) -> str | None:
        if not artifact.file:
            return None
        request = self.context.get("request")
        return reverse("api:appraisal-artifact-file", args=[artifact.pk], request=request)


class AffirmationSerializer(_EvidenceSerializer):
    """An interview or questionnaire: the role group, never a person's name."""

    kind = _enum(AffirmationKind.values, read_only=True)

    class Meta:
        model = Affirmation
        fields = [
            "id",
            "appraisal",
            "kind",
            "date",
            "session",
            "role_group",
            "summary",
            "supports",
            "created_at",
        ]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    """A strength or weakness; needs ``workspace.finding_list()`` (area, goal, practices)."""

    kind = _enum(FindingKind.values, read_only=True)
    process_area = serializers.CharField(source="process_area.abbreviation", read_only=True)
    goal = serializers.SerializerMethodField(help_text="e.g. REQM SG 1; null for the area.")
    practices = serializers.SerializerMethodField(help_text="e.g. REQM SP 1.1, REQM GP 2.1.")

    class Meta:
        model = Finding
        fields = [
            "id",
            "appraisal",
            "kind",
            "process_area",
            "goal",
            "text",
            "practices",
            "order",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_goal(self, finding: Finding) -> str | None:
        if finding.goal is None:
            return None
        return f"{finding.process_area.abbreviation} {finding.goal.identifier}"

    def get_practices(self, finding: Finding) -> list[str]:
        abbreviation = finding.process_area.abbreviation
        return [f"{abbreviation} {practice.identifier}" for practice in finding.practices.all()]


_PRACTICES_HELP = "Practice references, e.g. REQM SP 1.1 or REQM GP 2.1; replaces the links."
_UNITS_HELP = "Unit names; with the practices, one link per practice and unit."


class ArtifactInputSerializer(serializers.Serializer):
    """A changed artifact: the fields given replace the stored ones."""

    name = serializers.CharField(max_length=300)
    link = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text="An http(s) address."
    )
    file = serializers.FileField(
        required=False,
        allow_null=True,
        help_text=f"Multipart only; at most {MAX_UPLOAD_BYTES} bytes. Null (JSON) removes "
        "the stored file.",
    )
    date = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    practices = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=_PRACTICES_HELP
    )
    units = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=_UNITS_HELP
    )


class ArtifactCreateInputSerializer(ArtifactInputSerializer):
    """A new artifact of an appraisal: a link, an uploaded file, or both."""

    appraisal = serializers.IntegerField(help_text="The appraisal's id.")


class AffirmationInputSerializer(serializers.Serializer):
    """A changed affirmation: the fields given replace the stored ones."""

    kind = _enum(AffirmationKind.values, required=False)
    date = serializers.DateField()
    session = serializers.CharField(max_length=200)
    role_group = serializers.CharField(
        max_length=200, help_text="The role group, e.g. 'project managers'; never a name."
    )
    summary = serializers.CharField(required=False, allow_blank=True)
    practices = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=_PRACTICES_HELP
    )
    units = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=_UNITS_HELP
    )


class AffirmationCreateInputSerializer(AffirmationInputSerializer):
    """A new affirmation of an appraisal."""

    appraisal = serializers.IntegerField(help_text="The appraisal's id.")


class FindingInputSerializer(serializers.Serializer):
    """A changed finding: the fields given replace the stored ones."""

    kind = _enum(FindingKind.values)
    process_area = serializers.CharField(help_text="Abbreviation, e.g. REQM.")
    goal = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="e.g. REQM SG 1 or REQM GG 2; null or empty for the whole area.",
    )
    text = serializers.CharField()
    practices = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Practices of the area (and goal), e.g. REQM SP 1.1.",
    )


class FindingCreateInputSerializer(FindingInputSerializer):
    """A new finding of an appraisal."""

    appraisal = serializers.IntegerField(help_text="The appraisal's id.")


# Views ------------------------------------------------------------------------------


class _WorkspaceViewSet(ReadOnlyViewSet):
    """List, retrieve, create, update and delete, each write through one service.

    Subclasses name the serializers and implement ``create_item``, ``update_item``,
    ``delete_item`` and ``get_queryset``.
    """

    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"
    input_serializer_class: type[serializers.Serializer]
    create_serializer_class: type[serializers.Serializer]
    basename = ""

    def _appraisal_to_work_on(self, pk: int) -> Appraisal:
        try:
            appraisal = selectors.appraisal_get(pk=pk, user=self.request.user)
        except Appraisal.DoesNotExist:
            raise serializers.ValidationError(
                {"appraisal": ["No such appraisal, or not visible to you."]}
            ) from None
        self._check_work(appraisal)
        return appraisal

    def _check_work(self, appraisal: Appraisal) -> None:
        if not permissions.appraisal_can_work(self.request.user, appraisal):
            raise PermissionDenied("Only the appraisal's team works on it.")

    def _answer(self, item: Model, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=item.pk)
        data = self.get_serializer(fresh).data
        headers = {}
        if code == status.HTTP_201_CREATED:
            headers["Location"] = reverse(
                f"api:{self.basename}-detail", args=[item.pk], request=self.request
            )
        return Response(data, status=code, headers=headers)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.create_serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        appraisal = self._appraisal_to_work_on(data.pop("appraisal"))
        try:
            item = self.create_item(appraisal, data)
        except AppraisalError as error:
            raise _refused(error) from None
        return self._answer(item, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        self._check_work(item.appraisal)
        serializer = self.input_serializer_class(
            data=request.data, partial=kwargs.pop("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        try:
            self.update_item(item, dict(serializer.validated_data))
        except AppraisalError as error:
            raise _refused(error) from None
        return self._answer(item)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        self._check_work(item.appraisal)
        try:
            self.delete_item(item)
        except AppraisalError as error:
            raise _refused(error) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    def create_item(self, appraisal: Appraisal, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def update_item(self, item: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def delete_item(self, item: Any) -> None:
        raise NotImplementedError


def _evidence_schema(
    read: type[serializers.Serializer],
    create: type[serializers.Serializer],
    change: type[serializers.Serializer],
    noun: str,
    multipart: bool,
) -> Any:
    """The OpenAPI operations of an evidence or findings endpoint."""
    detail = FINDING_DETAIL_ERRORS if noun == "finding" else EVIDENCE_DETAIL_ERRORS
    lists = LIST_ERRORS if noun == "finding" else EVIDENCE_LIST_ERRORS

    def body(serializer: type[serializers.Serializer]) -> Any:
        if not multipart:
            return serializer
        return {"multipart/form-data": serializer, "application/json": serializer}

    return extend_schema_view(
        list=extend_schema(tags=TAGS, responses={200: read(many=True), **lists}),
        retrieve=extend_schema(tags=TAGS, responses={200: read, **detail}),
        create=extend_schema(
            tags=TAGS,
            summary=f"Add a {noun}",
            request=body(create),
            responses={201: read, **WRITE_ERRORS},
        ),
        update=extend_schema(
            tags=TAGS,
            summary=f"Change a {noun}",
            description="Fields left out keep their stored values.",
            request=body(change),
            responses={200: read, **WRITE_ERRORS, 404: detail[404]},
        ),
        partial_update=extend_schema(
            tags=TAGS,
            summary=f"Change some fields of a {noun}",
            request=body(change),
            responses={200: read, **WRITE_ERRORS, 404: detail[404]},
        ),
        destroy=extend_schema(
            tags=TAGS,
            summary=f"Delete a {noun}",
            responses={204: None, 403: WRITE_ERRORS[403], 404: detail[404]},
        ),
    )


@_evidence_schema(
    ArtifactSerializer,
    ArtifactCreateInputSerializer,
    ArtifactInputSerializer,
    "artifact",
    multipart=True,
)
class ArtifactViewSet(_WorkspaceViewSet):
    """Artifacts of the appraisals whose workspace you may see: documents, records, links."""

    serializer_class = ArtifactSerializer
    input_serializer_class = ArtifactInputSerializer
    create_serializer_class = ArtifactCreateInputSerializer
    filterset_class = ArtifactFilterSet
    ordering_fields = ["name", "date", "created_at"]
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser]
    basename = "appraisal-artifact"

    def get_queryset(self) -> QuerySet[Artifact]:
        return artifact_list(user=self.request.user)

    def create_item(self, appraisal: Appraisal, data: dict[str, Any]) -> Artifact:
        return evidence_services.artifact_create(
            appraisal=appraisal, user=self.request.user, **data
        )

    def update_item(self, item: Artifact, data: dict[str, Any]) -> Artifact:
        return evidence_services.artifact_update(artifact=item, user=self.request.user, **data)

    def delete_item(self, item: Artifact) -> None:
        evidence_services.artifact_delete(artifact=item, user=self.request.user)

    @extend_schema(
        tags=TAGS,
        summary="Download an artifact's file",
        description="The uploaded file as an attachment; 404 when the artifact has none.",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            **EVIDENCE_DETAIL_ERRORS,
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        artifact = self.get_object()
        if not artifact.file:
            raise Http404("The artifact has no file.")
        try:
            handle = artifact.file.open("rb")
        except FileNotFoundError:
            raise Http404("The artifact's file is missing from storage.") from None
        return FileResponse(
            handle, as_attachment=True, filename=_file_name(artifact.file.name) or "file"
        )


@_evidence_schema(
    AffirmationSerializer,
    AffirmationCreateInputSerializer,
    AffirmationInputSerializer,
    "affirmation",
    multipart=False,
)
class AffirmationViewSet(_WorkspaceViewSet):
    """Affirmations of the appraisals whose workspace you may see: role groups, never names."""

    serializer_class = AffirmationSerializer
    input_serializer_class = AffirmationInputSerializer
    create_serializer_class = AffirmationCreateInputSerializer
    filterset_class = AffirmationFilterSet
    ordering_fields = ["date", "session", "created_at"]
    basename = "appraisal-affirmation"

    def get_queryset(self) -> QuerySet[Affirmation]:
        return affirmation_list(user=self.request.user)

    def create_item(self, appraisal: Appraisal, data: dict[str, Any]) -> Affirmation:
        return evidence_services.affirmation_create(
            appraisal=appraisal, user=self.request.user, **data
        )

    def update_item(self, item: Affirmation, data: dict[str, Any]) -> Affirmation:
        return evidence_services.affirmation_update(
            affirmation=item, user=self.request.user, **data
        )

    def delete_item(self, item: Affirmation) -> None:
        evidence_services.affirmation_delete(affirmation=item, user=self.request.user)


@_evidence_schema(
    FindingSerializer,
    FindingCreateInputSerializer,
    FindingInputSerializer,
    "finding",
    multipart=False,
)
class FindingViewSet(_WorkspaceViewSet):
    """Findings of the appraisals you may see: strengths and weaknesses by area and goal."""

    serializer_class = FindingSerializer
    input_serializer_class = FindingInputSerializer
    create_serializer_class = FindingCreateInputSerializer
    filterset_class = FindingFilterSet
    ordering_fields = ["order", "created_at", "updated_at"]
    basename = "appraisal-finding"

    def get_queryset(self) -> QuerySet[Finding]:
        return finding_list(user=self.request.user)

    def create_item(self, appraisal: Appraisal, data: dict[str, Any]) -> Finding:
        data["goal"] = data.get("goal") or None
        return finding_services.finding_create(appraisal=appraisal, user=self.request.user, **data)

    def update_item(self, item: Finding, data: dict[str, Any]) -> Finding:
        if "goal" in data:
            data["goal"] = data["goal"] or None
        return finding_services.finding_update(finding=item, user=self.request.user, **data)

    def delete_item(self, item: Finding) -> None:
        finding_services.finding_delete(finding=item, user=self.request.user)
