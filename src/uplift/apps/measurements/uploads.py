"""Stored observation files, between upload and import (issue 4).

A file is stored under ``MEDIA_ROOT/imports/`` named by a random token
(``secrets.token_urlsafe(32)``, 256 bits, so it cannot be guessed):

- ``<token>.upload`` while it waits between the preview and the import (the pages keep
  the token in the uploader's session); older ones are swept (``sweep``);
- ``<token>.job`` once an import job owns it (``services.import_jobs``): never swept;
  the job deletes it when the import succeeded and gives it back as an ``.upload``
  (``give_back``) when the file was refused or the job cancelled, so the mapping can be
  changed and the import tried again.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

__all__ = [
    "TOKEN_PATTERN",
    "UPLOAD_MAX_AGE",
    "give_back",
    "job_path",
    "store",
    "sweep",
    "upload_dir",
    "upload_path",
]

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
UPLOAD_MAX_AGE = 24 * 3600  # seconds
UPLOAD_SUFFIX = ".upload"
JOB_SUFFIX = ".job"


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _checked(token: str) -> str:
    if not TOKEN_PATTERN.fullmatch(token):
        raise ValueError("Not an upload token.")
    return token


def upload_path(token: str) -> Path:
    """Where an upload waiting for its import is stored."""
    return upload_dir() / f"{_checked(token)}{UPLOAD_SUFFIX}"


def job_path(token: str) -> Path:
    """Where the file of an import job is stored."""
    return upload_dir() / f"{_checked(token)}{JOB_SUFFIX}"


def store(chunks: Iterable[bytes]) -> str:
    """Write ``chunks`` to a new ``.upload`` file (owner-only); return its token."""
    upload_dir().mkdir(parents=True, exist_ok=True)
    sweep()
    token = secrets.token_urlsafe(32)
    descriptor = os.open(upload_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        for chunk in chunks:
            file.write(chunk)
    return token


def sweep() -> None:
    """Delete ``.upload`` files older than UPLOAD_MAX_AGE (abandoned previews)."""
    cutoff = time.time() - UPLOAD_MAX_AGE
    for path in upload_dir().glob(f"*{UPLOAD_SUFFIX}"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:  # deleted meanwhile by another request
            pass


def give_back(token: str) -> None:
    """An import job's file goes back to the uploads (refused, or the job cancelled):
    swept in a day unless a preview takes it again. Nothing if it is gone already."""
    try:
        os.replace(job_path(token), upload_path(token))
        os.utime(upload_path(token))
    except OSError:  # already gone
        pass
