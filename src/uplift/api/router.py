"""The API's one router: every viewset is registered here, by context."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from uplift.api import (
    appraisal_workspace,
    appraisals,
    deployment_plans,
    deployment_results,
    deployment_targets,
    deployment_waves,
    improvement_actions,
    improvement_plans,
    improvement_proposals,
    improvement_selection,
    library,
    measurement_import_jobs,
    measurement_imports,
    measurements,
    service_reviews,
    services,
)

router = DefaultRouter()

# Model library
router.register("library/models", library.ProcessModelViewSet, basename="library-model")
router.register(
    "library/process-areas", library.ProcessAreaViewSet, basename="library-process-area"
)
router.register("library/practices", library.PracticeViewSet, basename="library-practice")
router.register("library/imports", library.LibraryImportViewSet, basename="library-import")

# Appraisals (the specific prefixes first: the detail route takes any id after appraisals/)
router.register(
    "appraisals/characterizations",
    appraisals.CharacterizationViewSet,
    basename="appraisal-characterization",
)
router.register(
    "appraisals/imports", appraisals.AppraisalImportViewSet, basename="appraisal-import"
)
router.register(
    "appraisals/artifacts", appraisal_workspace.ArtifactViewSet, basename="appraisal-artifact"
)
router.register(
    "appraisals/affirmations",
    appraisal_workspace.AffirmationViewSet,
    basename="appraisal-affirmation",
)
router.register(
    "appraisals/findings", appraisal_workspace.FindingViewSet, basename="appraisal-finding"
)
router.register("appraisals", appraisals.AppraisalViewSet, basename="appraisal")

# Measurements
router.register(
    "measurements/imports",
    measurement_imports.ObservationImportViewSet,
    basename="measurement-import",
)
router.register(
    "measurements/import-jobs",
    measurement_import_jobs.ObservationImportJobViewSet,
    basename="measurement-import-job",
)
router.register(
    "measurements/measures", measurements.MeasureViewSet, basename="measurement-measure"
)
router.register(
    "measurements/objectives", measurements.ObjectiveViewSet, basename="measurement-objective"
)
router.register(
    "measurements/observations",
    measurements.ObservationViewSet,
    basename="measurement-observation",
)
router.register(
    "measurements/baselines", measurements.BaselineViewSet, basename="measurement-baseline"
)
router.register(
    "measurements/evaluations", measurements.EvaluationViewSet, basename="measurement-evaluation"
)

# Improvements: each module registers its own viewsets (the specific prefixes first).
improvement_selection.register(router)
improvement_actions.register(router)
improvement_plans.register(router)
improvement_proposals.register(router)

# Deployments: each module registers its own viewsets (the specific prefixes first).
deployment_waves.register(router)
deployment_targets.register(router)
deployment_results.register(router)
deployment_plans.register(router)

# Service portfolio: reviews, policies and settings first, then services and their rows.
service_reviews.register(router)
services.register(router)
