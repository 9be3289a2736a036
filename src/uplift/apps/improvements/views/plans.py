"""Pages of process action plans: create, read, edit, reviews, revisions.

Access, in this order: anonymous visitors are sent to sign in; reading a plan needs
``improvements.view_actionplan`` (else 403); a plan that does not exist is a 404; then
the page's own check (403): creating needs ``add_actionplan``, editing
``permissions.plan_can_edit``, asking for reviews ``plan_can_request_review``, and the
review decision page is for the reviewer the request was sent to, holding
``review_actionplan`` (the service checks it again, with the revision and whether it
is still pending). Writes are POST only and redirect after success. A rule the
service refuses (``ImprovementError``) shows as a form error with status 400; an edit
started from an older version (``ConflictError``) shows "changed by … at …; nothing
was saved" above the form, with the user's input kept, with status 409.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views import View

from uplift.apps.common.revisions import revision_comparison
from uplift.apps.improvements import permissions
from uplift.apps.improvements.choices import PlanState, ReviewDecision
from uplift.apps.improvements.errors import ConflictError, ImprovementError
from uplift.apps.improvements.forms.plans import (
    PlanForm,
    PlanReviewDecisionForm,
    PlanReviewRequestForm,
    add_service_error,
)
from uplift.apps.improvements.models import PLAN_FIELDS, ActionPlan, Proposal, ReviewRequest
from uplift.apps.improvements.selectors_actions import plan_actions_context
from uplift.apps.improvements.services import plans as services
from uplift.apps.improvements.services.plans import PLANNABLE_STATES, REVIEW_PERMISSION

__all__ = [
    "PlanCreateView",
    "PlanDetailView",
    "PlanReviewDecideView",
    "PlanReviewRequestView",
    "PlanRevisionsView",
    "PlanUpdateView",
    "urlpatterns",
]

Check = Callable[[Any, ActionPlan], bool]

VIEW_PERMISSION = "improvements.view_actionplan"
ADD_PERMISSION = "improvements.add_actionplan"


def _plan_or_404(pk: int) -> ActionPlan:
    try:
        return ActionPlan.objects.select_related("owner").get(pk=pk)
    except ActionPlan.DoesNotExist:
        raise Http404("No such process action plan.") from None


class PlanView(AccessMixin, View):
    """Sign-in, the view permission, the plan of the URL (404), then the page's check.

    ``read_check`` guards GET, ``write_check`` POST (None: reading it is enough).
    """

    read_check: ClassVar[Check | None] = None
    write_check: ClassVar[Check | None] = None
    plan: ActionPlan

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        self.plan = _plan_or_404(kwargs["pk"])
        check = type(self).write_check if request.method == "POST" else type(self).read_check
        if check is not None and not check(request.user, self.plan):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        user = self.request.user
        context = {
            "plan": self.plan,
            "can_edit": permissions.plan_can_edit(user, self.plan),
            **context,
        }
        return render(self.request, template, context, status=status)


# -- reading ---------------------------------------------------------------------------------


def _content(plan: ActionPlan) -> list[tuple[str, str, str]]:
    """The nine items in seed 002's order: (field, label, text)."""
    return [(name, label, getattr(plan, name)) for name, label in PLAN_FIELDS]


class PlanDetailView(PlanView):
    """The plan: heading, proposals, the nine items, approval, team and actions, history."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request.user
        approval = services.plan_approval_status(self.plan)
        mine = approval.for_user(user)
        context = {
            "proposals": list(self.plan.proposals.order_by("pk")),
            "content": _content(self.plan),
            "approval": approval,
            "my_review": mine
            if mine and mine.pending and user.has_perm(REVIEW_PERMISSION)
            else None,
            "can_request_review": permissions.plan_can_request_review(user, self.plan),
            **plan_actions_context(plan=self.plan, user=user),
        }
        return self.render("improvements/plan_detail.html", context)


# -- create and edit --------------------------------------------------------------------------


class PlanCreateView(AccessMixin, View):
    """Write a new plan (``?proposal=<id>`` preselects a selected proposal)."""

    template_name = "improvements/plan_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm(ADD_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        initial: dict[str, Any] = {"owner": request.user.pk}
        raw = request.GET.get("proposal", "")
        if raw.isdigit():
            proposal = Proposal.objects.filter(pk=int(raw), state__in=PLANNABLE_STATES).first()
            if proposal is not None:
                initial["proposals"] = [proposal.pk]
                initial["title"] = f"Process action plan: {proposal.title}"[:200]
        return render(request, self.template_name, {"form": PlanForm(initial=initial)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                plan = services.plan_create(actor=request.user, **form.values())
            except ImprovementError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"{plan.reference} “{plan.title}” is written (draft).")
                return redirect("improvements:plan_detail", plan.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class PlanUpdateView(PlanView):
    """Change the plan. Once sent for review, a change makes a new revision that the
    same reviewers are asked to approve again."""

    read_check = permissions.plan_can_edit
    write_check = permissions.plan_can_edit
    template_name = "improvements/plan_form.html"

    def show(self, form: PlanForm, status: int = 200) -> HttpResponse:
        approval = services.plan_approval_status(self.plan)
        context = {"form": form, "editing": True, "approval": approval}
        return self.render(self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = PlanForm(initial=PlanForm.initial_for(self.plan), plan=self.plan)
        return self.show(form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = PlanForm(request.POST, plan=self.plan)
        if not form.is_valid():
            return self.show(form, status=400)
        revision, version = self.plan.revision, self.plan.version
        try:
            plan = services.plan_update(
                plan=self.plan,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                **form.values(),
            )
        except ConflictError as error:
            form.add_error(None, error.message)
            return self.show(form, status=409)
        except ImprovementError as error:
            add_service_error(form, error)
            return self.show(form, status=400)
        if plan.revision > revision:
            approval = services.plan_approval_status(plan)
            if approval.reviewers:
                names = services.person_names(status.reviewer for status in approval.reviewers)
                messages.warning(
                    request,
                    f"A new revision {plan.revision} was made; approval has been requested "
                    f"again from {names}.",
                )
            else:
                messages.warning(
                    request,
                    f"A new revision {plan.revision} was made; ask for its review again.",
                )
        elif plan.version == version:
            messages.info(request, "Nothing changed; nothing was saved.")
        else:
            messages.success(request, f"Revision {plan.revision} is saved.")
        return redirect("improvements:plan_detail", plan.pk)


# -- reviews ---------------------------------------------------------------------------------


class PlanReviewRequestView(PlanView):
    """Ask stakeholders (people who may review plans) to review the current revision."""

    read_check = permissions.plan_can_request_review
    write_check = permissions.plan_can_request_review
    template_name = "improvements/plan_review_request.html"
    approval: services.ApprovalStatus

    def form(self, data: Any = None) -> PlanReviewRequestForm:
        """One choice per person who may review and was not asked for this revision."""
        self.approval = services.plan_approval_status(self.plan)
        asked = [status.reviewer.pk for status in self.approval.reviewers]
        candidates = services.plan_reviewer_candidates().exclude(pk__in=asked)
        return PlanReviewRequestForm(data, candidates=candidates)

    def show(self, form: PlanReviewRequestForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "approval": self.approval}
        return self.render(self.template_name, context, status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show(self.form())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = self.form(request.POST)
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            created = services.plan_request_review(
                plan=self.plan, actor=request.user, reviewers=form.reviewers()
            )
        except ImprovementError as error:
            add_service_error(form, error)
            self.approval = services.plan_approval_status(self.plan)
            return self.show(form, status=400)
        names = services.person_names(review.reviewer for review in created)
        revision = self.plan.revision
        if names:
            messages.success(request, f"Review of revision {revision} requested from {names}.")
        else:
            messages.success(request, f"The reviewers of revision {revision} are updated.")
        return redirect("improvements:plan_detail", self.plan.pk)


class PlanReviewDecideView(PlanView):
    """The reviewer approves the revision they were asked to review, or asks for changes."""

    template_name = "improvements/plan_review_decide.html"

    def setup_review(self, review_pk: int) -> ReviewRequest:
        review = (
            ReviewRequest.objects.select_related("reviewer")
            .filter(pk=review_pk, plan=self.plan)
            .first()
        )
        if review is None:
            raise Http404("No such review of this plan.")
        if not permissions.plan_can_decide(self.request.user, review):
            raise PermissionDenied("Only the reviewer this request was sent to may decide.")
        return review

    def show(self, review: ReviewRequest, form: PlanReviewDecisionForm, status: int = 200) -> Any:
        open_ = review.revision == self.plan.revision and review.decision == ReviewDecision.PENDING
        context = {
            "review": review,
            "form": form,
            "open": open_,
            "content": _content(self.plan),
            "approval": services.plan_approval_status(self.plan),
        }
        return self.render(self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
        review = self.setup_review(review_pk)
        initial = {"decision": request.GET.get("decision", "")}
        return self.show(review, PlanReviewDecisionForm(initial=initial))

    def post(self, request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
        review = self.setup_review(review_pk)
        form = PlanReviewDecisionForm(request.POST)
        if not form.is_valid():
            return self.show(review, form, status=400)
        decision = form.cleaned_data["decision"]
        try:
            services.plan_review_decide(
                review=review,
                actor=request.user,
                decision=decision,
                comment=form.cleaned_data["comment"],
            )
        except ImprovementError as error:
            add_service_error(form, error)
            return self.show(review, form, status=400)
        self.plan.refresh_from_db()
        if decision == ReviewDecision.APPROVED:
            text = f"You approved revision {review.revision}."
        else:
            text = f"You asked for changes to revision {review.revision}."
        if self.plan.state == PlanState.APPROVED:
            text += " Every required reviewer has approved it: the plan is approved."
        messages.success(request, text)
        return redirect("improvements:plan_detail", self.plan.pk)


# -- revisions --------------------------------------------------------------------------------


class PlanRevisionsView(PlanView):
    """Every revision (who, when, why, the decisions on it) and ``?older=&newer=``: two
    revisions field by field, the changed fields highlighted."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        revisions = list(services.plan_revision_list(self.plan))
        reviews: dict[int, list[ReviewRequest]] = {}
        for review in services.plan_review_list(self.plan):
            reviews.setdefault(review.revision, []).append(review)
        rows = [(revision, reviews.get(revision.number, [])) for revision in revisions]
        comparison, status = revision_comparison(
            request.GET,
            current=self.plan.revision,
            compare=lambda older, newer: services.plan_revisions_compare(
                plan=self.plan, older=older, newer=newer
            ),
            refused=ImprovementError,
        )
        context = {"rows": rows, "numbers": [r.number for r in revisions], **comparison}
        return self.render("improvements/plan_revisions.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("plans/new/", PlanCreateView.as_view(), name="plan_create"),
    path("plans/<int:pk>/", PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", PlanUpdateView.as_view(), name="plan_update"),
    path(
        "plans/<int:pk>/reviews/new/", PlanReviewRequestView.as_view(), name="plan_review_request"
    ),
    path(
        "plans/<int:pk>/reviews/<int:review_pk>/",
        PlanReviewDecideView.as_view(),
        name="plan_review_decide",
    ),
    path("plans/<int:pk>/revisions/", PlanRevisionsView.as_view(), name="plan_revisions"),
]
