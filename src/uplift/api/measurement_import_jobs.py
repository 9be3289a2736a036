"""Observation imports run in the background, over HTTP (issue 4).

- ``POST /api/measurements/import-jobs/``: the same multipart input as
  ``POST /api/measurements/imports/`` (``file``, optional ``mapping``, ``sheet``,
  ``replace``). The file is stored and an import job recorded
  (``services.import_jobs.import_job_create``); the task worker imports it. 202 with
  ``Location`` of the job.
- ``GET /api/measurements/import-jobs/{id}/``: the job's state, the rows read of how
  many, the fraction done, then the counts and the import, or every problem of a
  refused file (with its line and column). Poll it until ``state`` is ``succeeded``
  or ``failed``.

- ``POST /api/measurements/import-jobs/{id}/retry/`` and ``…/cancel/``: a way out of a
  stuck job (stalled: its worker died; or queued with no worker): queue it again, or
  fail it saying who cancelled it (``import_job_retry`` / ``import_job_cancel``). 200
  with the job; 409 when the job is not stuck; 403 unless its creator or allowed to
  change import jobs. A worker that was only slow is stopped and keeps nothing.

``POST /api/measurements/imports/`` stays synchronous. Permissions: recording a job
needs ``measurements.add_observation``; a job is seen by its creator and by whoever
has ``measurements.view_observationimport``, others get 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from uplift.api.errors import ErrorSerializer, detail_errors
from uplift.api.measurement_imports import (
    ObservationImportInputSerializer,
    ObservationImportSerializer,
)
from uplift.apps.measurements.choices import ImportJobState
from uplift.apps.measurements.models import ObservationImportJob
from uplift.apps.measurements.selectors import import_jobs_visible_to
from uplift.apps.measurements.services.import_jobs import (
    ImportJobProgress,
    ImportJobStateError,
    import_job_cancel,
    import_job_create,
    import_job_progress,
    import_job_retry,
)
from uplift.apps.measurements.services.measures import MeasurementError
from uplift.apps.measurements.uploads import store

__all__ = ["ObservationImportJobViewSet"]

TAGS = ["measurements"]


class ProblemSerializer(serializers.Serializer):
    message = serializers.CharField()
    file = serializers.CharField(allow_blank=True)
    line = serializers.IntegerField(allow_null=True)
    field = serializers.CharField(allow_blank=True, help_text="The column at fault.")


class ObservationImportJobSerializer(serializers.ModelSerializer):
    """A job, with its progress read from the worker while it runs."""

    created_by: serializers.Field = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    state = serializers.ChoiceField(choices=ImportJobState.choices)
    phase = serializers.SerializerMethodField(
        help_text="While running: `read` (reading and checking the file), `write` (writing "
        "it in key order, into an empty table only), `finish` (indexes and keys, or adding "
        "the staged rows); null otherwise."
    )
    rows_read = serializers.SerializerMethodField(
        help_text="Rows done so far in the phase (read, or written)."
    )
    rows_total = serializers.SerializerMethodField(
        help_text="Rows in the file: known (workbooks, or once read) or estimated; null "
        "while it cannot be told."
    )
    fraction = serializers.SerializerMethodField(
        help_text="How much is done, 0 to 1; null while it cannot be told."
    )
    stalled = serializers.SerializerMethodField(
        help_text="Running without progress for a long time: its worker has stopped."
    )
    waiting_for_worker = serializers.SerializerMethodField(
        help_text="Queued for more than a few seconds: is a worker (`uplift worker`) running?"
    )
    attempt = serializers.IntegerField(
        read_only=True,
        help_text="How many times a worker has started the job: 0 while it waits for the "
        "first, more once it was run again (or queued again after its worker died).",
    )
    problems = ProblemSerializer(many=True, read_only=True)
    batch = ObservationImportSerializer(
        read_only=True, allow_null=True, help_text="The import, once the job succeeded."
    )

    class Meta:
        model = ObservationImportJob
        fields = [
            "id",
            "filename",
            "sheet",
            "mapping",
            "replace",
            "state",
            "phase",
            "rows_read",
            "rows_total",
            "fraction",
            "stalled",
            "waiting_for_worker",
            "attempt",
            "inserted",
            "skipped",
            "replaced",
            "already_imported",
            "problems",
            "problems_total",
            "batch",
            "message",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    _read: tuple[int, ImportJobProgress] | None = None

    def _progress(self, job: ObservationImportJob) -> ImportJobProgress:
        # One reading of the cache per job and answer, whichever field asks first.
        if self._read is None or self._read[0] != job.pk:
            self._read = (job.pk, import_job_progress(job=job))
        return self._read[1]

    def get_phase(self, job: ObservationImportJob) -> str | None:
        return self._progress(job).phase

    def get_rows_read(self, job: ObservationImportJob) -> int:
        return int(self._progress(job).rows_read)

    def get_rows_total(self, job: ObservationImportJob) -> int | None:
        return self._progress(job).rows_total

    def get_fraction(self, job: ObservationImportJob) -> float | None:
        return self._progress(job).fraction

    def get_stalled(self, job: ObservationImportJob) -> bool:
        return bool(self._progress(job).stalled)

    def get_waiting_for_worker(self, job: ObservationImportJob) -> bool:
        return bool(self._progress(job).waiting)


class ImportJobConflict(exceptions.APIException):
    """The job's state does not allow the action."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The job's state does not allow this."
    default_code = "conflict"


ACTION_ERRORS = {
    403: OpenApiResponse(
        ErrorSerializer,
        description="Not its creator (who may still import), nor allowed to change import jobs.",
    ),
    404: OpenApiResponse(ErrorSerializer, description="No such job."),
    409: OpenApiResponse(
        ErrorSerializer,
        description="The job is not stuck: neither stalled nor queued with no worker "
        "(or, to run it again, its file is gone).",
    ),
}


class CanRecordImportJobs(permissions.BasePermission):
    """Signed in; recording a job needs ``add_observation`` (reads: the queryset scopes)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(user.has_perm("measurements.add_observation"))


@extend_schema_view(
    retrieve=extend_schema(
        tags=TAGS,
        summary="An observation import job",
        description="Poll until `state` is `succeeded` (the counts and `batch`) or `failed` "
        "(`problems`, each with its file, line and column, or a `message`).",
        responses={200: ObservationImportJobSerializer, **detail_errors("No such job.")},
    ),
)
class ObservationImportJobViewSet(
    mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Record an observation import run by the task worker; follow it."""

    permission_classes = [CanRecordImportJobs]
    parser_classes = [parsers.MultiPartParser]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ObservationImportJob]:
        return import_jobs_visible_to(self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return ObservationImportInputSerializer
        return ObservationImportJobSerializer

    @extend_schema(
        tags=TAGS,
        operation_id="measurements_import_jobs_create",
        summary="Import an observation file in the background",
        description="The input of `POST /api/measurements/imports/`: a CSV or XLSX file "
        "(`file`), optionally `mapping`, `sheet` and `replace`. The file is stored and "
        "imported by the task worker; the answer is 202 with the job, and `Location` "
        "names it: poll it for the progress and the outcome. A rejected file fails the "
        "job, listing every problem; nothing is written then.",
        request={"multipart/form-data": ObservationImportInputSerializer},
        responses={
            202: ObservationImportJobSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Malformed input."),
            403: OpenApiResponse(ErrorSerializer, description="No permission to import."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        token = store(upload.chunks())
        try:
            job = import_job_create(
                token=token,
                filename=upload.name or "upload",
                user=request.user,
                mapping=data.get("mapping"),
                sheet=data.get("sheet") or "",
                replace=data["replace"],
            )
        except MeasurementError as error:
            raise serializers.ValidationError({error.field: [error.message]}) from error
        body = ObservationImportJobSerializer(job, context=self.get_serializer_context()).data
        location = reverse("api:measurement-import-job-detail", args=[job.pk], request=request)
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    @extend_schema(
        tags=TAGS,
        operation_id="measurements_import_jobs_retry",
        summary="Run a stuck observation import job again",
        description="Only a stuck job: `stalled` (running without progress for 15 minutes: "
        "its worker died, and its transaction with it) or `waiting_for_worker`. The job is "
        "queued again and enqueued for the task worker; poll it as before. Its creator "
        "(while allowed to import) or whoever may change import jobs.",
        request=None,
        responses={200: ObservationImportJobSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=[parsers.JSONParser])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        return self._act(import_job_retry)

    @extend_schema(
        tags=TAGS,
        operation_id="measurements_import_jobs_cancel",
        summary="Cancel a stuck observation import job",
        description="Only a stuck job (see `retry`). The job ends `failed`, its `message` "
        "saying who cancelled it; nothing was imported: a worker still running it stops, "
        "and its import is rolled back.",
        request=None,
        responses={200: ObservationImportJobSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=[parsers.JSONParser])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self._act(import_job_cancel)

    def _act(self, service: Callable[..., ObservationImportJob]) -> Response:
        job = self.get_object()
        try:
            job = service(job=job, user=self.request.user)
        except ImportJobStateError as error:
            raise ImportJobConflict(error.message) from error
        body = ObservationImportJobSerializer(job, context=self.get_serializer_context()).data
        return Response(body)
