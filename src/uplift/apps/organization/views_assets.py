"""Pages of the organization's process assets (issue 6): list, detail, create, release.

Access, in this order: anonymous visitors are sent to sign in; reading needs
``organization.view_processasset`` (403); an unknown asset is a 404; then creating an
asset needs ``add_processasset`` and releasing a version ``add_processassetversion``
(process group, process owners; 403). Writes are POST only and redirect after
success; a value the service refuses (``ValidationError``) shows on the form with
status 400.

The asset's page lists its versions and where each one is deployed: the deployment
targets whose defined process now includes the version, and the deployment packages
that hand it out (``selectors.process_asset_get``).
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from uplift.apps.common.filters import SEARCH_WIDGET
from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.common.views import ObjectListView
from uplift.apps.organization import selectors, services
from uplift.apps.organization.choices import AssetKind
from uplift.apps.organization.models import Person, ProcessAsset

__all__ = [
    "AssetCreateView",
    "AssetDetailView",
    "AssetListView",
    "AssetVersionCreateView",
    "ProcessAssetFilterSet",
    "ProcessAssetForm",
    "ProcessAssetVersionForm",
]

VIEW_PERMISSION = "organization.view_processasset"
ADD_PERMISSION = "organization.add_processasset"
ADD_VERSION_PERMISSION = "organization.add_processassetversion"


def _people() -> QuerySet[Person]:
    return selectors.person_list()


# -- list ------------------------------------------------------------------------------------


class ProcessAssetFilterSet(django_filters.FilterSet):
    """Process assets by kind, owner (a person's slug) and text."""

    q = django_filters.CharFilter(method="filter_text", label="Search", widget=SEARCH_WIDGET)
    kind = django_filters.ChoiceFilter(choices=AssetKind.choices, label="Kind", empty_label="Any")
    owner = django_filters.ModelChoiceFilter(
        queryset=_people(),
        field_name="owner",
        to_field_name="slug",
        label="Owner",
        empty_label="Any",
    )

    class Meta:
        model = ProcessAsset
        fields = ["q", "kind", "owner"]

    def filter_text(
        self, queryset: QuerySet[ProcessAsset], name: str, value: str
    ) -> QuerySet[ProcessAsset]:
        """Match the text in the name, slug or description."""
        return queryset.filter(
            Q(name__icontains=value) | Q(slug__icontains=value) | Q(description__icontains=value)
        )


class AssetListView(ObjectListView):
    """Process descriptions, procedures, templates, training materials, packages."""

    model = ProcessAsset
    title = "Process assets"
    template_name = "organization/asset_list.html"
    table_template_name = "organization/asset_table.html"
    filterset_class = ProcessAssetFilterSet
    paginate_by = 25
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "name": "name",
        "kind": ("kind", "name"),
        "owner": ("owner__display_name", "name"),
        "versions": ("version_count", "name"),
        "released": ("latest_release", "name"),
    }
    default_sort = "name"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Slug", "slug"),
        ("Name", "name"),
        ("Kind", "get_kind_display"),
        ("Owner", "owner.slug"),
        ("Versions", "version_count"),
        ("Latest release", "latest_release"),
    ]
    empty_message = "No process assets yet."

    def get_base_queryset(self) -> QuerySet[ProcessAsset]:
        """Every asset with its owner, version count and latest release."""
        return selectors.process_asset_list()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """Add whether the user may add assets (the "New process asset" link) and the
        searched text (highlighted in the names)."""
        context = super().get_context_data(**kwargs)
        context["can_add"] = self.request.user.has_perm(ADD_PERMISSION)
        context["query"] = self.request.GET.get("q", "")
        return context


# -- detail -----------------------------------------------------------------------------------


class AssetView(AccessMixin, View):
    """Sign-in, the view permission, the asset of the URL (404), then ``write_permission``
    for both GET and POST when set."""

    write_permission: ClassVar[str | None] = None
    asset: ProcessAsset

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        if "slug" in kwargs:
            self.asset = selectors.process_asset_get(slug=kwargs["slug"])
        permission = type(self).write_permission
        if permission is not None and not request.user.has_perm(permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AssetDetailView(AssetView):
    """One asset: what it is, its versions, and where each version is deployed."""

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        versions = list(self.asset.versions.all())
        context = {
            "asset": self.asset,
            "versions": versions,
            "deployed_count": sum(
                len(version.deployment_targets.all()) + len(version.packages.all())
                for version in versions
            ),
            "can_add_version": request.user.has_perm(ADD_VERSION_PERMISSION),
        }
        return render(request, "organization/asset_detail.html", context)


# -- create -----------------------------------------------------------------------------------


def _add_validation_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show the service's refusal beside its fields, or above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class ProcessAssetForm(AccessibleFormMixin, forms.Form):
    """A new asset: name, slug, kind, owner, description."""

    name = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=100,
        required=False,
        help_text="The asset's short name in addresses; leave empty to make it from the name.",
    )
    kind = forms.ChoiceField(choices=AssetKind.choices)
    owner = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        required=False,
        help_text="The process owner who keeps the asset.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()  # type: ignore[attr-defined]


class AssetCreateView(AssetView):
    """Add a process asset; its first version is released from its page."""

    write_permission = ADD_PERMISSION
    template_name = "organization/asset_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": ProcessAssetForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ProcessAssetForm(request.POST)
        if form.is_valid():
            try:
                asset = services.process_asset_create(
                    actor=cast(User, request.user), **form.cleaned_data
                )
            except ValidationError as error:
                _add_validation_error(form, error)
            else:
                messages.success(request, f"The process asset “{asset.name}” is added.")
                return redirect("organization:asset_detail", asset.slug)
        return render(request, self.template_name, {"form": form}, status=400)


class ProcessAssetVersionForm(AccessibleFormMixin, forms.Form):
    """A released version: label, date, what changed, where it lives."""

    label = forms.CharField(max_length=32, help_text="e.g. 2.1; used once per asset.")
    released_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label="Released on"
    )
    change_note = forms.CharField(
        required=False,
        label="What changed",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What changed in this version, and why.",
    )
    location = forms.CharField(
        max_length=500,
        required=False,
        help_text="Where the released document lives (a path or URL).",
    )


class AssetVersionCreateView(AssetView):
    """Release a new version of the asset."""

    write_permission = ADD_VERSION_PERMISSION
    template_name = "organization/asset_version_form.html"

    def show(self, form: ProcessAssetVersionForm, status: int = 200) -> HttpResponse:
        context = {"asset": self.asset, "form": form}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        return self.show(ProcessAssetVersionForm(initial={"released_on": timezone.localdate()}))

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = ProcessAssetVersionForm(request.POST)
        if form.is_valid():
            try:
                version = services.process_asset_version_create(
                    asset=self.asset, actor=cast(User, request.user), **form.cleaned_data
                )
            except ValidationError as error:
                _add_validation_error(form, error)
            else:
                messages.success(request, f"Version {version.label} of “{self.asset}” is released.")
                return redirect("organization:asset_detail", self.asset.slug)
        return self.show(form, status=400)
