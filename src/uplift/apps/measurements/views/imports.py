"""Pages of observation imports (issue 4): upload, preview and mapping, import; the list.

``ObservationImportView`` (``measurements:observation_import``) works in two steps:

1. **Preview** (POST with the file): the bytes are stored under
   ``MEDIA_ROOT/imports/<token>.upload``, the token random (``secrets.token_urlsafe``,
   256 bits) and recorded in the uploader's session with their user id, so another
   user or session cannot name it. The page shows the first rows, one select per
   file column (the guessed mapping) and the problems found so far. The upload form
   posts with htmx and shows a progress bar; without JavaScript it is a plain form.
2. **Import** (POST ``step=import`` with the token and the mapping): records an import
   job (``import_job_create``), which the task worker runs, and redirects (303) to the
   job's page.

``ObservationImportJobView`` (``measurements:observation_import_job``) shows a job: a
``<progress>`` bar that htmx refreshes every second while the job is queued or running
(without JavaScript, a Refresh link), then the counts, or every problem with its line
and column (the first ``PROBLEMS_SHOWN``, then a count), having written nothing. A
refused file's upload is given back to the session, so "Change the mapping" reopens
its preview (GET with ``?token=``).

Stored uploads older than ``UPLOAD_MAX_AGE`` are deleted when the next one arrives; a
session keeps at most ``UPLOADS_PER_SESSION`` of them (``apps.measurements.uploads``).

A stuck job (stalled, or queued with no worker: ``ImportJobProgress.stuck``) offers
"Run again" and "Cancel the import" (``ObservationImportJobRetryView``,
``ObservationImportJobCancelView``): GET asks for confirmation, POST calls
``import_job_retry`` / ``import_job_cancel`` and returns to the job's page. Its
creator may, and whoever may change import jobs; others get 403 (or 404 if they may
not see it); a job that is not stuck (any more) is a 409 saying so.

Access: anonymous visitors are sent to sign in; importing needs
``measurements.add_observation``, the list ``measurements.view_observationimport``; a
job is seen by its creator and by those who may view imports, others get 404.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from uplift.apps.measurements import importing
from uplift.apps.measurements.choices import ImportJobState
from uplift.apps.measurements.forms_import import (
    TOKEN_PATTERN,
    ObservationMappingForm,
    ObservationUploadForm,
)
from uplift.apps.measurements.models import ObservationImport, ObservationImportJob
from uplift.apps.measurements.selectors import import_job_get, import_jobs_visible_to
from uplift.apps.measurements.services.import_jobs import (
    ImportJobStateError,
    import_job_cancel,
    import_job_create,
    import_job_may_act,
    import_job_progress,
    import_job_retry,
)
from uplift.apps.measurements.services.measures import MeasurementError
from uplift.apps.measurements.uploads import store, upload_path
from uplift.domain.errors import InvalidDocument, Problem

__all__ = [
    "ObservationImportJobCancelView",
    "ObservationImportJobRetryView",
    "ObservationImportJobView",
    "ObservationImportListView",
    "ObservationImportView",
]

PROBLEMS_SHOWN = 100
PREVIEW_ROWS = 10
UPLOADS_PER_SESSION = 5
JOBS_LISTED = 20
JOBS_LISTED_FOR = timedelta(days=7)  # failed jobs stay listed that long
SESSION_KEY = "measurements.observation_uploads"


# --- stored uploads -------------------------------------------------------------------------


def _store(request: HttpRequest, upload: UploadedFile, sheet: str) -> tuple[str, dict[str, Any]]:
    """Store the upload under a new random token; record it in the session."""
    token = store(upload.chunks())
    uploads: dict[str, dict[str, Any]] = request.session.get(SESSION_KEY, {})
    while len(uploads) >= UPLOADS_PER_SESSION:  # the oldest goes
        oldest = min(uploads, key=lambda key: uploads[key]["stored"])
        upload_path(oldest).unlink(missing_ok=True)
        del uploads[oldest]
    entry = uploads[token] = {
        "user": request.user.pk,
        "filename": (upload.name or "upload")[:300],
        "sheet": sheet,
        "header": [],
        "stored": time.time(),
    }
    request.session[SESSION_KEY] = uploads
    return token, entry


def _stored(request: HttpRequest, token: str) -> dict[str, Any] | None:
    """The session's record of an upload, if this user stored it and it still exists."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if entry is None or entry.get("user") != request.user.pk:
        return None
    if not upload_path(token).is_file():
        return None
    return dict(entry)


def _remember_header(request: HttpRequest, token: str, header: list[str]) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    if token in uploads:
        uploads[token]["header"] = header
        request.session[SESSION_KEY] = uploads


def _discard(request: HttpRequest, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    if uploads.pop(token, None) is not None:
        request.session[SESSION_KEY] = uploads
    if TOKEN_PATTERN.fullmatch(token):
        upload_path(token).unlink(missing_ok=True)


# --- pages ----------------------------------------------------------------------------------


class ObservationImportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Upload a file, check its first rows and columns, then import it whole."""

    permission_required = "measurements.add_observation"
    template_name = "measurements/observation_import.html"
    partial_template_name = "partials/measurements/observation_import_body.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if "token" in request.GET:
            return self._reopen(request, request.GET["token"])
        return self._show(request, {"upload_form": ObservationUploadForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("step") == "import":
            return self._import(request)
        return self._preview(request)

    def _show(
        self, request: HttpRequest, context: dict[str, Any], status: int = 200
    ) -> HttpResponse:
        context.setdefault("upload_form", ObservationUploadForm())
        problems: list[Problem] = list(context.get("problems", ()))
        context["problems"] = problems[:PROBLEMS_SHOWN]
        context["problems_total"] = len(problems)
        context["problems_more"] = max(0, len(problems) - PROBLEMS_SHOWN)
        if getattr(request, "htmx", False):
            # htmx swaps only 2xx answers: the refusal is in the partial itself.
            return render(request, self.partial_template_name, context)
        return render(request, self.template_name, context, status=status)

    def _preview(self, request: HttpRequest) -> HttpResponse:
        form = ObservationUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._show(request, {"upload_form": form}, status=400)
        upload = form.cleaned_data["file"]
        sheet = form.cleaned_data["sheet"]
        token, entry = _store(request, upload, sheet)
        try:
            preview = importing.preview(
                path=upload_path(token),
                filename=entry["filename"],
                sheet=sheet or None,
                rows=PREVIEW_ROWS,
            )
        except InvalidDocument as error:
            _discard(request, token)
            return self._show(
                request,
                {"problems": error.problems, "refused": True, "filename": entry["filename"]},
                status=400,
            )
        _remember_header(request, token, list(preview.header))
        mapping_form = ObservationMappingForm(
            initial={"token": token}, header=preview.header, mapping=preview.mapping
        )
        return self._show(
            request,
            {"preview": preview, "mapping_form": mapping_form, "problems": preview.problems},
        )

    def _import(self, request: HttpRequest) -> HttpResponse:
        token = request.POST.get("token", "")
        entry = _stored(request, token)
        if entry is None:
            messages.error(
                request, "That upload is no longer available (or not yours); upload the file again."
            )
            return self._show(request, {}, status=400)
        form = ObservationMappingForm(request.POST, header=entry["header"])
        if form.is_valid():
            try:
                job = import_job_create(
                    token=token,
                    filename=entry["filename"],
                    user=request.user,
                    mapping=form.mapping(),
                    sheet=entry["sheet"],
                    replace=form.cleaned_data["replace"],
                )
            except MeasurementError as error:
                messages.error(request, error.message)
                return self._show(request, {}, status=400)
            return HttpResponseRedirect(
                reverse("measurements:observation_import_job", args=[job.pk]), status=303
            )
        preview = importing.preview(
            path=upload_path(token),
            filename=entry["filename"],
            sheet=entry["sheet"] or None,
            rows=PREVIEW_ROWS,
        )
        context = {"preview": preview, "mapping_form": form, "filename": entry["filename"]}
        return self._show(request, context, status=400)

    def _reopen(self, request: HttpRequest, token: str) -> HttpResponse:
        """The preview and mapping of an upload kept in the session (a refused job's)."""
        entry = _stored(request, token)
        if entry is None:
            messages.error(
                request, "That upload is no longer available (or not yours); upload the file again."
            )
            return self._show(request, {})
        preview = importing.preview(
            path=upload_path(token),
            filename=entry["filename"],
            sheet=entry["sheet"] or None,
            rows=PREVIEW_ROWS,
        )
        _remember_header(request, token, list(preview.header))
        mapping_form = ObservationMappingForm(
            initial={"token": token}, header=preview.header, mapping=preview.mapping
        )
        return self._show(
            request,
            {"preview": preview, "mapping_form": mapping_form, "problems": preview.problems},
        )


class ObservationImportListView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    """Every import: file, rows, who, when; the newest first."""

    permission_required = "measurements.view_observationimport"
    template_name = "measurements/observation_import_list.html"
    context_object_name = "imports"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[ObservationImport]:
        return ObservationImport.objects.select_related("created_by").order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_import"] = self.request.user.has_perm("measurements.add_observation")
        # Jobs not ended, and those that failed lately, above the imports (issue 4).
        recent = timezone.now() - JOBS_LISTED_FOR
        context["jobs"] = [
            (job, import_job_progress(job=job))
            for job in import_jobs_visible_to(self.request.user)
            .filter(
                Q(state__in=[ImportJobState.QUEUED, ImportJobState.RUNNING])
                | Q(state=ImportJobState.FAILED, created_at__gte=recent)
            )
            .order_by("-created_at", "-pk")[:JOBS_LISTED]
        ]
        return context


class ObservationImportJobView(LoginRequiredMixin, View):
    """One import job: its progress while it runs (htmx polls the partial), its outcome
    once it ended. Its creator sees it, and whoever may view imports; others get 404."""

    template_name = "measurements/observation_import_job.html"
    partial_template_name = "partials/measurements/observation_import_job_status.html"
    poll_seconds = 1

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = _job_or_404(request, pk)
        progress = import_job_progress(job=job)
        problems = job.problems if job.state == ImportJobState.FAILED else []
        context = {
            "job": job,
            "progress": progress,
            "poll_seconds": self.poll_seconds,
            "problems": problems[:PROBLEMS_SHOWN],
            "problems_total": job.problems_total,
            "problems_more": max(0, job.problems_total - min(len(problems), PROBLEMS_SHOWN)),
            "refused": bool(problems),
            # A refused file is given back to the uploads: the uploader may map it again.
            "can_remap": bool(problems) and _stored(request, job.upload) is not None,
            "can_act": progress.stuck and import_job_may_act(job=job, user=request.user),
        }
        if getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]
            return render(request, self.partial_template_name, context)
        return render(request, self.template_name, context)


def _job_or_404(request: HttpRequest, pk: int) -> ObservationImportJob:
    try:
        return import_job_get(user=request.user, pk=pk)
    except ObservationImportJob.DoesNotExist as error:
        raise Http404("No such import job.") from error


class _ObservationImportJobActionView(LoginRequiredMixin, View):
    """Confirm (GET), then run (POST), a way out of a stuck job; back to its page."""

    template_name = "measurements/observation_import_job_confirm.html"
    action = ""  # "retry" or "cancel"

    def _act(self, job: ObservationImportJob, user: Any) -> ObservationImportJob:
        raise NotImplementedError

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = _job_or_404(request, pk)
        if not import_job_may_act(job=job, user=request.user):
            raise PermissionDenied("You may not run this import again or cancel it.")
        progress = import_job_progress(job=job)
        context = {"job": job, "progress": progress, "action": self.action}
        return render(request, self.template_name, context, status=200 if progress.stuck else 409)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = _job_or_404(request, pk)
        try:
            job = self._act(job, request.user)
        except ImportJobStateError as error:
            messages.error(request, error.message)
            context = {"job": job, "progress": import_job_progress(job=job), "action": self.action}
            return render(request, self.template_name, context, status=409)
        messages.success(request, job.message)
        return HttpResponseRedirect(
            reverse("measurements:observation_import_job", args=[job.pk]), status=303
        )


class ObservationImportJobRetryView(_ObservationImportJobActionView):
    """Run a stuck job again (``import_job_retry``)."""

    action = "retry"

    def _act(self, job: ObservationImportJob, user: Any) -> ObservationImportJob:
        return import_job_retry(job=job, user=user)


class ObservationImportJobCancelView(_ObservationImportJobActionView):
    """Cancel a stuck job (``import_job_cancel``)."""

    action = "cancel"

    def _act(self, job: ObservationImportJob, user: Any) -> ObservationImportJob:
        return import_job_cancel(job=job, user=user)
