"""The API's one router: every viewset is registered here, by context."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from uplift.api import library

router = DefaultRouter()

# Model library
router.register("library/models", library.ProcessModelViewSet, basename="library-model")
router.register(
    "library/process-areas", library.ProcessAreaViewSet, basename="library-process-area"
)
router.register("library/practices", library.PracticeViewSet, basename="library-practice")
router.register("library/imports", library.LibraryImportViewSet, basename="library-import")
