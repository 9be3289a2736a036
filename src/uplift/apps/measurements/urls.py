"""URLs of the measurements context, under /measurements/."""

from django.urls import path

from uplift.apps.measurements import views
from uplift.apps.measurements.views import imports

app_name = "measurements"

urlpatterns = [
    path("", views.MeasureListView.as_view(), name="measure_list"),
    path("measures/new/", views.MeasureCreateView.as_view(), name="measure_create"),
    path("measures/<slug:slug>/", views.MeasureDetailView.as_view(), name="measure_detail"),
    path("measures/<slug:slug>/edit/", views.MeasureUpdateView.as_view(), name="measure_update"),
    path(
        "measures/<slug:slug>/baselines/",
        views.BaselineStoreView.as_view(),
        name="baseline_store",
    ),
    path("objectives/", views.ObjectiveListView.as_view(), name="objective_list"),
    path("objectives/new/", views.ObjectiveCreateView.as_view(), name="objective_create"),
    path("objectives/<int:pk>/", views.ObjectiveDetailView.as_view(), name="objective_detail"),
    path(
        "objectives/<int:pk>/edit/",
        views.ObjectiveUpdateView.as_view(),
        name="objective_update",
    ),
    path("evaluate/", views.EvaluationView.as_view(), name="evaluation"),
    path("imports/", imports.ObservationImportListView.as_view(), name="observation_import_list"),
    path("imports/new/", imports.ObservationImportView.as_view(), name="observation_import"),
    path(
        "imports/jobs/<int:pk>/",
        imports.ObservationImportJobView.as_view(),
        name="observation_import_job",
    ),
    path(
        "imports/jobs/<int:pk>/retry/",
        imports.ObservationImportJobRetryView.as_view(),
        name="observation_import_job_retry",
    ),
    path(
        "imports/jobs/<int:pk>/cancel/",
        imports.ObservationImportJobCancelView.as_view(),
        name="observation_import_job_cancel",
    ),
]
