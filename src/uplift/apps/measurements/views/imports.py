"""Pages of observation imports (issue 4): upload, preview and mapping, import; the list.

``ObservationImportView`` (``measurements:observation_import``) works in two steps:

1. **Preview** (POST with the file): the bytes are stored under
   ``MEDIA_ROOT/imports/<token>.upload``, the token random (``secrets.token_urlsafe``,
   256 bits) and recorded in the uploader's session with their user id, so another
   user or session cannot name it. The page shows the first rows, one select per
   file column (the guessed mapping) and the problems found so far. The upload form
   posts with htmx and shows a progress bar; without JavaScript it is a plain form.
2. **Import** (POST ``step=import`` with the token and the mapping): runs
   ``observation_import``. Success deletes the stored file and shows the counts on
   the list of imports; a rejected file shows every problem with its line and column
   (the first ``PROBLEMS_SHOWN``, then a count), writes nothing and answers 400.

Stored uploads older than ``UPLOAD_MAX_AGE`` are deleted when the next one arrives; a
session keeps at most ``UPLOADS_PER_SESSION`` of them.

Access: anonymous visitors are sent to sign in; importing needs
``measurements.add_observation``, the list ``measurements.view_observationimport``.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.views import View
from django.views.generic import ListView

from uplift.apps.measurements import importing
from uplift.apps.measurements.forms_import import (
    TOKEN_PATTERN,
    ObservationMappingForm,
    ObservationUploadForm,
)
from uplift.apps.measurements.models import ObservationImport
from uplift.apps.measurements.services.observations import observation_import
from uplift.domain.errors import InvalidDocument, Problem

__all__ = ["ObservationImportListView", "ObservationImportView"]

PROBLEMS_SHOWN = 100
PREVIEW_ROWS = 10
UPLOAD_MAX_AGE = 24 * 3600  # seconds
UPLOADS_PER_SESSION = 5
SESSION_KEY = "measurements.observation_uploads"
_SUFFIX = ".upload"


# --- stored uploads -------------------------------------------------------------------------


def _upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _upload_path(token: str) -> Path:
    return _upload_dir() / f"{token}{_SUFFIX}"


def _sweep() -> None:
    """Delete stored uploads older than UPLOAD_MAX_AGE (abandoned previews)."""
    cutoff = time.time() - UPLOAD_MAX_AGE
    for path in _upload_dir().glob(f"*{_SUFFIX}"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:  # deleted meanwhile by another request
            pass


def _store(request: HttpRequest, upload: UploadedFile, sheet: str) -> tuple[str, dict[str, Any]]:
    """Write the upload to a new file named by a random token; record it in the session."""
    _upload_dir().mkdir(parents=True, exist_ok=True)
    _sweep()
    token = secrets.token_urlsafe(32)
    descriptor = os.open(_upload_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        for chunk in upload.chunks():
            file.write(chunk)
    uploads: dict[str, dict[str, Any]] = request.session.get(SESSION_KEY, {})
    while len(uploads) >= UPLOADS_PER_SESSION:  # the oldest goes
        oldest = min(uploads, key=lambda key: uploads[key]["stored"])
        _upload_path(oldest).unlink(missing_ok=True)
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
    if not _upload_path(token).is_file():
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
        _upload_path(token).unlink(missing_ok=True)


# --- pages ----------------------------------------------------------------------------------


class ObservationImportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Upload a file, check its first rows and columns, then import it whole."""

    permission_required = "measurements.add_observation"
    template_name = "measurements/observation_import.html"
    partial_template_name = "partials/measurements/observation_import_body.html"

    def get(self, request: HttpRequest) -> HttpResponse:
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
                path=_upload_path(token),
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
        preview = None
        if form.is_valid():
            mapping = form.mapping()
            try:
                result = observation_import(
                    path=_upload_path(token),
                    filename=entry["filename"],
                    mapping=mapping,
                    sheet=entry["sheet"] or None,
                    user=request.user,  # type: ignore[arg-type]
                    replace=form.cleaned_data["replace"],
                )
            except InvalidDocument as error:
                problems: list[Problem] = list(error.problems)
            else:
                _discard(request, token)
                batch = result.batch
                if result.already_imported:
                    when = formats.date_format(batch.created_at, "DATETIME_FORMAT")
                    messages.info(
                        request,
                        f"“{entry['filename']}” was imported already ({batch.filename}, "
                        f"{when}); nothing was written.",
                    )
                else:
                    messages.success(
                        request,
                        f"“{batch.filename}” is imported: {result.inserted} new, "
                        f"{result.skipped} already stored, {result.replaced} replaced.",
                    )
                return redirect("measurements:observation_import_list")
            preview = importing.preview(
                path=_upload_path(token),
                filename=entry["filename"],
                mapping=mapping,
                sheet=entry["sheet"] or None,
                rows=PREVIEW_ROWS,
            )
        else:
            problems = []
        context = {
            "preview": preview,
            "mapping_form": form,
            "problems": problems,
            "refused": bool(problems),
            "filename": entry["filename"],
        }
        if preview is None:
            preview = importing.preview(
                path=_upload_path(token),
                filename=entry["filename"],
                sheet=entry["sheet"] or None,
                rows=PREVIEW_ROWS,
            )
            context["preview"] = preview
        return self._show(request, context, status=400)


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
        return context
