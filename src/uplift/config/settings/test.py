"""Test settings: the database comes from DATABASE_URL (SQLite by default)."""

import os
import tempfile
from pathlib import Path

import dj_database_url

from .base import *  # noqa: F403  (settings modules extend the base namespace)

DEBUG = False
SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", "sqlite:///:memory:"))}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING["loggers"]["uplift"]["level"] = "WARNING"  # type: ignore[index]  # noqa: F405
# Uploaded files (appraisal artifacts) go to a directory of this test run, never ./var.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="uplift-test-media-"))
# Tasks run at once, in the process (a test of the worker switches to the database
# backend); the cache is the process's memory.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
