"""Pages of IT policies and compliance checks (MOF Policy SMF).

- ``policy_list`` (``/services/policies/``): every policy with its owner, next review
  (overdue flagged), services governed and the latest results of their checks;
  filtered (text, owner, active, review, a service governed, failing), sorted, paged,
  ``?export=csv``.
- ``policy_create`` (``policies/new/``), ``policy_detail`` (``policies/<policy>/``: the
  statement, each service governed with its latest check, the checks recorded, the
  history), ``policy_edit``.
- ``compliance_list`` (``policies/checks/``): every check recorded, newest first, with
  whether it is the one that counts; filtered, sorted, paged, ``?export=csv``.
- ``compliance_record`` (``<slug>/compliance/new/``, ``?policy=<policy>`` chooses the
  policy): record a check of a service. A waiver is offered to those who may waive;
  posting one without ``waive_compliancecheck`` is refused (403), nothing written.

Access, in this order: anonymous visitors are sent to sign in; reading needs
``view_policy`` (policies), ``view_compliancecheck`` (the checks) or ``service_can_see``
(a service's page) (403); an unknown policy or service is a 404; then the page's own
check (403): ``policy_can_create``, ``policy_can_edit``, ``compliance_can_record`` (the
services check again). Writes are POST only and redirect after success. A rule the
service refuses shows on the form with status 400 (the input kept); an edit started
from an older version shows "changed by …" with status 409.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views import View

from uplift.apps.common.views import ObjectListView
from uplift.apps.service_portfolio import permissions
from uplift.apps.service_portfolio.errors import ConflictError, ServicePortfolioError
from uplift.apps.service_portfolio.forms.policies import (
    ComplianceCheckFilterSet,
    ComplianceForm,
    PolicyFilterSet,
    PolicyForm,
    add_service_error,
)
from uplift.apps.service_portfolio.models import ComplianceCheck, Policy, Service
from uplift.apps.service_portfolio.selectors_history import object_history
from uplift.apps.service_portfolio.selectors_policies import (
    compliance_checks,
    policies_review_overdue,
    policy_compliance,
    policy_get,
    policy_list,
)
from uplift.apps.service_portfolio.services import policies as services
from uplift.apps.service_portfolio.views.edits import refusal_status, say_saved
from uplift.apps.service_portfolio.views.portfolio import service_or_404

__all__ = [
    "ComplianceListView",
    "ComplianceRecordView",
    "PolicyCreateView",
    "PolicyDetailView",
    "PolicyEditView",
    "PolicyListView",
    "urlpatterns",
]

VIEW_PERMISSION = "service_portfolio.view_policy"
# How many checks a policy's page lists; the register has them all.
RECENT_CHECKS = 20


def _today() -> dt.date:
    return timezone.localdate()


def _policy_or_404(slug: str) -> Policy:
    try:
        return policy_get(slug=slug)
    except Policy.DoesNotExist:
        raise Http404("No such policy.") from None


# -- lists ---------------------------------------------------------------------------------


class PolicyListView(ObjectListView):
    """Every policy with its review and the latest results of its checks; CSV."""

    model = Policy
    template_name = "service_portfolio/policy_list.html"
    table_template_name = "partials/service_portfolio/policy_table.html"
    filterset_class = PolicyFilterSet
    paginate_by = 50
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "name": "name",
        "owner": ("owner__first_name", "owner__last_name", "owner__username", "name"),
        "review": ("review_due", "name"),
        "services": ("service_count", "name"),
        "failed": ("failed_count", "name"),
        "waived": ("waived_count", "name"),
        "unchecked": ("unchecked_count", "name"),
    }
    default_sort = "name"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Address", "slug"),
        ("Name", "name"),
        ("Statement", "statement"),
        ("Owner", "owner.username"),
        ("Active", "active"),
        ("Next review", "review_due"),
        ("Review overdue", "review_overdue"),
        ("Services governed", "service_count"),
        ("Passed", "passed_count"),
        ("Failed", "failed_count"),
        ("Waived", "waived_count"),
        ("Not checked", "unchecked_count"),
    ]
    title = "Policies"
    empty_message = "No IT policies yet."

    def get_base_queryset(self) -> QuerySet[Policy]:
        return policy_list(today=_today())

    def export_name(self) -> str:
        return "policies"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "can_add": permissions.policy_can_create(self.request.user),
                "overdue": list(policies_review_overdue(_today())),
                "query": self.request.GET.get("q", ""),
                "today": _today(),
            }
        )
        return context


class ComplianceListView(ObjectListView):
    """Every compliance check recorded, newest first; CSV."""

    model = ComplianceCheck
    template_name = "service_portfolio/compliance_list.html"
    table_template_name = "partials/service_portfolio/compliance_table.html"
    filterset_class = ComplianceCheckFilterSet
    paginate_by = 50
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "checked": ("checked_on", "created_at"),
        "policy": ("policy__name", "service__name", "-checked_on"),
        "service": ("service__name", "policy__name", "-checked_on"),
        "result": ("result", "-checked_on"),
    }
    default_sort = "-checked"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Checked on", "checked_on"),
        ("Policy", "policy.slug"),
        ("Policy name", "policy.name"),
        ("Service", "service.slug"),
        ("Service name", "service.name"),
        ("Result", "result"),
        ("Finding or reason", "reason"),
        ("Checked by", "checked_by.username"),
        ("Counts now", "counts"),
        ("Recorded at", "created_at"),
    ]
    title = "Compliance checks"
    empty_message = "No compliance checks recorded yet."

    def get_base_queryset(self) -> QuerySet[ComplianceCheck]:
        return compliance_checks()

    def export_name(self) -> str:
        return "compliance-checks"


# -- one policy ----------------------------------------------------------------------------


class PolicyView(AccessMixin, View):
    """Sign-in, ``view_policy``, the policy of the URL (404 when it names none), then the
    page's check (403)."""

    needs_edit: ClassVar[bool] = False
    policy: Policy

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied("You may not see policies.")
        self.policy = _policy_or_404(kwargs["policy"])
        if type(self).needs_edit and not permissions.policy_can_edit(request.user, self.policy):
            raise PermissionDenied("You may not change policies.")
        return super().dispatch(request, *args, **kwargs)

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        context = {
            "policy": self.policy,
            "can_edit": permissions.policy_can_edit(self.request.user, self.policy),
            "review_overdue": self.policy.active and self.policy.review_due < _today(),
            "today": _today(),
            **context,
        }
        return render(self.request, template, context, status=status)


class PolicyDetailView(PolicyView):
    """The policy: statement, owner, review, each service governed with its latest check
    (and whether the reader may record one), the latest checks, the history."""

    def get(self, request: HttpRequest, policy: str) -> HttpResponse:
        user = request.user
        rows = [
            (row, permissions.compliance_can_record(user, row.service))
            for row in policy_compliance(self.policy)
        ]
        checks = list(compliance_checks().filter(policy=self.policy)[: RECENT_CHECKS + 1])
        context = {
            "rows": rows,
            "checks": checks[:RECENT_CHECKS],
            "more_checks": len(checks) > RECENT_CHECKS,
            "counts": {
                status: sum(1 for row, _ in rows if _status(row) == status)
                for status in ("passed", "failed", "waived", "unchecked")
            },
            "history": object_history(self.policy),
        }
        return self.render("service_portfolio/policy_detail.html", context)


def _status(row: Any) -> str:
    return row.latest.result if row.latest is not None else "unchecked"


class PolicyCreateView(AccessMixin, View):
    """Write a new policy."""

    template_name = "service_portfolio/policy_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not permissions.policy_can_create(request.user):
            raise PermissionDenied("You may not write policies.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = PolicyForm(initial={"owner": request.user.pk})
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                policy = services.policy_create(actor=request.user, **form.values())
            except ServicePortfolioError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"The policy “{policy.name}” is written.")
                return redirect("service_portfolio:policy_detail", policy.slug)
        return render(request, self.template_name, {"form": form}, status=400)


class PolicyEditView(PolicyView):
    """Change the policy: statement, owner, review date, services, active."""

    needs_edit = True

    def show(self, form: PolicyForm, status: int = 200) -> HttpResponse:
        return self.render(
            "service_portfolio/policy_form.html", {"form": form, "editing": True}, status
        )

    def get(self, request: HttpRequest, policy: str) -> HttpResponse:
        initial = PolicyForm.initial_for(self.policy)
        return self.show(PolicyForm(initial=initial, policy=self.policy))

    def post(self, request: HttpRequest, policy: str) -> HttpResponse:
        form = PolicyForm(request.POST, policy=self.policy)
        if not form.is_valid():
            return self.show(form, status=400)
        version = self.policy.version
        try:
            services.policy_update(
                actor=request.user,
                policy=self.policy,
                data=form.values(),
                expected_version=form.cleaned_data.get("version"),
            )
        except (ConflictError, ServicePortfolioError) as error:
            return self.show(form, status=refusal_status(form, error))
        say_saved(
            request,
            changed=self.policy.version != version,
            message=f"The policy “{self.policy.name}” is saved.",
        )
        return redirect("service_portfolio:policy_detail", self.policy.slug)


# -- recording a check ---------------------------------------------------------------------


class ComplianceRecordView(AccessMixin, View):
    """Record a check of the service against one of the active policies governing it.
    ``?policy=<slug>`` chooses the policy; ``?from=policy`` returns to its page."""

    template_name = "service_portfolio/compliance_form.html"
    service: Service

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not permissions.service_can_see(request.user):
            raise PermissionDenied("You may not see the service portfolio.")
        self.service = service_or_404(kwargs["slug"])
        if not permissions.compliance_can_record(request.user, self.service):
            raise PermissionDenied(f"You may not record compliance checks of {self.service.name}.")
        return super().dispatch(request, *args, **kwargs)

    def form(self, data: Any = None, initial: dict[str, Any] | None = None) -> ComplianceForm:
        return ComplianceForm(
            data,
            initial=initial,
            service=self.service,
            can_waive=permissions.compliance_can_waive(self.request.user),
        )

    def show(self, form: ComplianceForm, status: int = 200) -> HttpResponse:
        back = self.request.POST.get("from") or self.request.GET.get("from", "")
        context = {
            "service": self.service,
            "form": form,
            "back_to_policy": back == "policy",
            "can_waive": permissions.compliance_can_waive(self.request.user),
            "has_policies": self.service.policies.filter(active=True).exists(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        initial: dict[str, Any] = {}
        if chosen := request.GET.get("policy", ""):
            initial["policy"] = chosen
        if result := request.GET.get("result", ""):
            initial["result"] = result
        return self.show(self.form(initial=initial))

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = self.form(request.POST)
        if not form.is_valid():
            if request.POST.get("result") == "waived" and not permissions.compliance_can_waive(
                request.user
            ):
                # The waiver is not among this person's choices: a refusal, not a typo.
                raise PermissionDenied("You may not waive a policy.")
            return self.show(form, status=400)
        data = form.cleaned_data
        try:
            check = services.compliance_record(
                actor=request.user,
                policy=data["policy"],
                service=self.service,
                result=data["result"],
                reason=data["reason"],
                checked_on=data["checked_on"],
            )
        except ServicePortfolioError as error:
            add_service_error(form, error)
            return self.show(form, status=400)
        messages.success(
            request,
            f"The check of {self.service.name} against “{check.policy.name}” is recorded: "
            f"{check.get_result_display().lower()}.",
        )
        if (request.POST.get("from") or "") == "policy":
            return redirect("service_portfolio:policy_detail", check.policy.slug)
        return redirect(
            reverse("service_portfolio:service_detail", args=[self.service.slug]) + "#compliance"
        )


urlpatterns: list[URLPattern] = [
    path("policies/", PolicyListView.as_view(), name="policy_list"),
    path("policies/new/", PolicyCreateView.as_view(), name="policy_create"),
    path("policies/checks/", ComplianceListView.as_view(), name="compliance_list"),
    path("policies/<slug:policy>/", PolicyDetailView.as_view(), name="policy_detail"),
    path("policies/<slug:policy>/edit/", PolicyEditView.as_view(), name="policy_edit"),
    path("<slug:slug>/compliance/new/", ComplianceRecordView.as_view(), name="compliance_record"),
]
