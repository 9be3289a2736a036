"""Pages of a deployment's support: the consulting log (``plan_consulting``) and the
packages handed out with who received them (``plan_packages``).

Access, in this order: anonymous visitors are sent to sign in; reading needs
``deployments.view_deploymentplan`` (403); an unknown plan is a 404; then the write's
own check (403): consulting ``permissions.consulting_can_record``, packages
``plan_can_edit``, receipts ``receipt_can_record`` (the services check again). Writes
are POST only, to the page itself, named by ``action``, and redirect after success; a
rule the service refuses (``DeploymentError``) shows on the form with status 400.

The consulting log is filtered (``?target=<id>``), sorted (``?sort=[-]given_on|hours|
target``), paginated (``?page=``) and exported (``?export=csv``: every filtered row).
The packages page exports its receipts (``?export=csv``).

``PlanPageView`` (the access steps and the plan) is shared with ``views.results``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views import View

from uplift.apps.common.exports import csv_response
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.forms.support import (
    ConsultingForm,
    PackageForm,
    ReceiptForm,
    RemoveForm,
    add_service_error,
)
from uplift.apps.deployments.models import (
    ConsultingEntry,
    DeploymentPlan,
    Package,
    PackageReceipt,
)
from uplift.apps.deployments.permissions import (
    consulting_can_record,
    plan_can_edit,
    plan_can_see,
    receipt_can_record,
)
from uplift.apps.deployments.services import support as services

__all__ = [
    "PlanConsultingView",
    "PlanPackagesView",
    "PlanPageView",
    "urlpatterns",
]

Check = Callable[[Any, DeploymentPlan], bool]

CONSULTING_SORTS: dict[str, tuple[str, ...]] = {
    "given_on": ("given_on", "pk"),
    "hours": ("hours", "given_on", "pk"),
    "target": ("target__work_activity__name", "given_on", "pk"),
}
CONSULTING_COLUMNS = [
    ("Given on", "given_on"),
    ("Target", "target.work_activity.name"),
    ("Consultant", "consultant.get_username"),
    ("Hours", "hours"),
    ("Topic", "topic"),
    ("Notes", "notes"),
]
RECEIPT_COLUMNS = [
    ("Package", "package.asset_version"),
    ("Person", "person.display_name"),
    ("Target", "target.work_activity.name"),
    ("Received on", "received_on"),
]


def _plan_or_404(pk: int) -> DeploymentPlan:
    try:
        return DeploymentPlan.objects.select_related("owner").get(pk=pk)
    except DeploymentPlan.DoesNotExist:
        raise Http404("No such deployment plan.") from None


class PlanPageView(AccessMixin, View):
    """Sign-in, ``plan_can_see``, the plan of the URL (404), then the page's check:
    ``read_check`` guards GET, ``write_checks[action]`` each POST (an action not listed
    is a 400)."""

    read_check: ClassVar[Check | None] = None
    write_checks: ClassVar[dict[str, Check]] = {}
    plan: DeploymentPlan

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not plan_can_see(request.user):
            raise PermissionDenied("You may not see deployments.")
        self.plan = _plan_or_404(kwargs["pk"])
        if request.method == "POST" and type(self).write_checks:
            check = type(self).write_checks.get(self.action())
            if check is None:
                return _bad_action(request)
            if not check(request.user, self.plan):
                raise PermissionDenied("You may not make this change to the plan.")
        else:
            read = type(self).read_check
            if read is not None and not read(request.user, self.plan):
                raise PermissionDenied("You may not open this page.")
        return super().dispatch(request, *args, **kwargs)

    def action(self) -> str:
        """The write a POST asks for: the only one of ``write_checks`` when there is one,
        else the POST's ``action``."""
        checks = type(self).write_checks
        if len(checks) == 1:
            return next(iter(checks))
        return str(self.request.POST.get("action", ""))

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        context = {
            "plan": self.plan,
            "can_edit": plan_can_edit(self.request.user, self.plan),
            **context,
        }
        return render(self.request, template, context, status=status)


def _bad_action(request: HttpRequest) -> HttpResponse:
    return render(request, "common/bad_request.html", {"message": "Unknown action."}, status=400)


# -- consulting -----------------------------------------------------------------------------


class PlanConsultingView(PlanPageView):
    """The consulting log: totals, the entries (filtered, sorted, paged), the add form."""

    write_checks: ClassVar[dict[str, Check]] = {
        "add": consulting_can_record,
        "remove": consulting_can_record,
    }
    template_name = "deployments/consulting.html"

    def entries(self) -> Any:
        entries = services.consulting_list(self.plan)
        target = self.request.GET.get("target", "")
        if target.isdigit():
            entries = entries.filter(target_id=int(target))
        sort = self.request.GET.get("sort", "-given_on")
        fields = CONSULTING_SORTS.get(sort.removeprefix("-"), CONSULTING_SORTS["given_on"])
        direction = "-" if sort.startswith("-") else ""
        return entries.order_by(*(f"{direction}{name}" for name in fields))

    def show(self, form: ConsultingForm, status: int = 200) -> HttpResponse:
        page = Paginator(self.entries(), 25).get_page(self.request.GET.get("page"))
        params = self.request.GET.copy()
        params.pop("page", None)
        context = {
            "form": form,
            "page_obj": page,
            "totals": services.consulting_totals(self.plan),
            "targets": form.fields["target"].queryset,  # type: ignore[attr-defined]
            "chosen_target": self.request.GET.get("target", ""),
            "sort": self.request.GET.get("sort", "-given_on"),
            "export_query": params.urlencode(),
            "can_record": consulting_can_record(self.request.user, self.plan),
        }
        return self.render(self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        if request.GET.get("export") == "csv":
            filename = f"{self.plan.reference}-consulting.csv"
            return csv_response(self.entries(), CONSULTING_COLUMNS, filename=filename)
        initial = {"consultant": request.user.pk, "given_on": timezone.localdate()}
        return self.show(ConsultingForm(initial=initial, plan=self.plan))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        action = self.action()
        if action == "remove":
            return self.remove()
        if action != "add":
            return _bad_action(request)
        form = ConsultingForm(request.POST, plan=self.plan)
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            entry = services.consulting_add(plan=self.plan, actor=request.user, **form.cleaned_data)
        except DeploymentError as error:
            add_service_error(form, error)
            return self.show(form, status=400)
        messages.success(request, f"Consulting on “{entry.topic}” is recorded.")
        return redirect("deployments:plan_consulting", self.plan.pk)

    def remove(self) -> HttpResponse:
        form = RemoveForm(self.request.POST)
        entry = None
        if form.is_valid():
            entry = ConsultingEntry.objects.filter(
                plan=self.plan, pk=form.cleaned_data["row"]
            ).first()
        if entry is None:
            raise Http404("No such consulting entry in this plan.")
        try:
            services.consulting_remove(entry=entry, actor=self.request.user)
        except DeploymentError as error:
            messages.error(self.request, error.message)
        else:
            messages.success(self.request, f"The entry “{entry.topic}” is removed.")
        return redirect("deployments:plan_consulting", self.plan.pk)


# -- packages -------------------------------------------------------------------------------


class PlanPackagesView(PlanPageView):
    """The packages the deployment hands out, who received each, and the forms."""

    write_checks: ClassVar[dict[str, Check]] = {
        "add_package": plan_can_edit,
        "remove_package": plan_can_edit,
        "add_receipt": receipt_can_record,
        "remove_receipt": receipt_can_record,
    }
    template_name = "deployments/packages.html"

    def show(
        self,
        *,
        package_form: PackageForm | None = None,
        receipt_form: ReceiptForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        user = self.request.user
        packages = list(services.package_list(self.plan))
        not_received = services.packages_not_received(self.plan)
        context = {
            "rows": [(package, not_received.get(package.pk, [])) for package in packages],
            "package_form": package_form or PackageForm(plan=self.plan),
            "receipt_form": receipt_form
            or ReceiptForm(initial={"received_on": timezone.localdate()}, plan=self.plan),
            "can_record": receipt_can_record(user, self.plan),
        }
        return self.render(self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        if request.GET.get("export") == "csv":
            receipts = (
                PackageReceipt.objects.filter(package__plan=self.plan)
                .select_related("package__asset_version__asset", "person", "target__work_activity")
                .order_by("package__asset_version__asset__name", "person__display_name", "pk")
            )
            filename = f"{self.plan.reference}-package-receipts.csv"
            return csv_response(receipts, RECEIPT_COLUMNS, filename=filename)
        return self.show()

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        action = self.action()
        handlers = {
            "add_package": self.add_package,
            "remove_package": self.remove_package,
            "add_receipt": self.add_receipt,
            "remove_receipt": self.remove_receipt,
        }
        handler = handlers.get(action)
        if handler is None:
            return _bad_action(request)
        return handler()

    def done(self, text: str) -> HttpResponse:
        messages.success(self.request, text)
        return redirect("deployments:plan_packages", self.plan.pk)

    def add_package(self) -> HttpResponse:
        form = PackageForm(self.request.POST, plan=self.plan)
        if not form.is_valid():
            return self.show(package_form=form, status=400)
        try:
            package = services.package_add(
                plan=self.plan, actor=self.request.user, **form.cleaned_data
            )
        except DeploymentError as error:
            add_service_error(form, error)
            return self.show(package_form=form, status=400)
        return self.done(f"{package.asset_version} is added to the packages.")

    def add_receipt(self) -> HttpResponse:
        form = ReceiptForm(self.request.POST, plan=self.plan)
        if not form.is_valid():
            return self.show(receipt_form=form, status=400)
        data = dict(form.cleaned_data)
        package = data.pop("package")
        try:
            receipt = services.receipt_add(package=package, actor=self.request.user, **data)
        except DeploymentError as error:
            add_service_error(form, error)
            return self.show(receipt_form=form, status=400)
        return self.done(f"{receipt.person} received {package.asset_version}: recorded.")

    def _row(self, model: Any, **lookup: Any) -> Any:
        form = RemoveForm(self.request.POST)
        row = None
        if form.is_valid():
            row = model.objects.filter(pk=form.cleaned_data["row"], **lookup).first()
        if row is None:
            raise Http404("No such row in this plan.")
        return row

    def remove_package(self) -> HttpResponse:
        package: Package = self._row(Package, plan=self.plan)
        try:
            services.package_remove(package=package, actor=self.request.user)
        except DeploymentError as error:
            messages.error(self.request, error.message)
            return redirect("deployments:plan_packages", self.plan.pk)
        return self.done(f"{package.asset_version} is no longer a package of the plan.")

    def remove_receipt(self) -> HttpResponse:
        receipt: PackageReceipt = self._row(PackageReceipt, package__plan=self.plan)
        try:
            services.receipt_remove(receipt=receipt, actor=self.request.user)
        except DeploymentError as error:
            messages.error(self.request, error.message)
            return redirect("deployments:plan_packages", self.plan.pk)
        return self.done(f"The receipt of {receipt.person} is removed.")


urlpatterns: list[URLPattern] = [
    path("<int:pk>/consulting/", PlanConsultingView.as_view(), name="plan_consulting"),
    path("<int:pk>/packages/", PlanPackagesView.as_view(), name="plan_packages"),
]
