"""URLs of the model library, under /library/."""

from django.urls import path

from uplift.apps.library import views

app_name = "library"

urlpatterns = [
    path("", views.ProcessModelListView.as_view(), name="model_list"),
    path("search/", views.PracticeSearchView.as_view(), name="search"),
    path("compare/", views.ModelCompareView.as_view(), name="compare"),
    path(
        "<str:identifier>/<str:version>/",
        views.ProcessModelDetailView.as_view(),
        name="model_detail",
    ),
    path(
        "<str:identifier>/<str:version>/<str:abbreviation>/",
        views.ProcessAreaDetailView.as_view(),
        name="process_area_detail",
    ),
]
