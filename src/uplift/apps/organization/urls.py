"""URLs of the organization context, under /organization/."""

from django.urls import path

from uplift.apps.organization import views, views_assets

app_name = "organization"

urlpatterns = [
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/<slug:slug>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("work-activities/", views.WorkActivityListView.as_view(), name="work_activity_list"),
    path(
        "work-activities/<slug:slug>/",
        views.WorkActivityDetailView.as_view(),
        name="work_activity_detail",
    ),
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person_detail"),
    # Process assets (issue 6); "new/" before "<slug>/", and the service reserves "new".
    path("assets/", views_assets.AssetListView.as_view(), name="asset_list"),
    path("assets/new/", views_assets.AssetCreateView.as_view(), name="asset_create"),
    path("assets/<slug:slug>/", views_assets.AssetDetailView.as_view(), name="asset_detail"),
    path(
        "assets/<slug:slug>/versions/new/",
        views_assets.AssetVersionCreateView.as_view(),
        name="asset_version_create",
    ),
]
