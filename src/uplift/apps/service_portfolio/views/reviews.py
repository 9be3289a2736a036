"""Pages of the Plan-and-Optimize reviews: list, open, read, edit, close, history, a
decision, and a decision turned into an improvement proposal.

Access, in this order: anonymous visitors are sent to sign in; reading needs
``service_portfolio.view_review`` (else 403); a review (or a decision of it) that does
not exist is a 404; then the page's own check (403): opening needs ``review_can_open``,
editing and closing ``review_can_edit`` on an open review, a decision
``decision_can_add`` (an open review), a proposal ``decision_can_propose`` (the service
checks again). Writes are POST only and redirect after success. A rule the service
refuses (``ServicePortfolioError``) shows on its field with status 400; an edit started
from an older version (``ConflictError``) shows above the form, the input kept, with
status 409.
"""

from __future__ import annotations

from collections.abc import Callable
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
from uplift.apps.service_portfolio.choices import OutcomeChoice, ReviewState
from uplift.apps.service_portfolio.errors import ConflictError, ServicePortfolioError
from uplift.apps.service_portfolio.forms.reviews import (
    DecisionForm,
    ReviewFilterSet,
    ReviewForm,
    add_service_error,
)
from uplift.apps.service_portfolio.models import Decision, Review
from uplift.apps.service_portfolio.selectors_reviews import (
    review_detail,
    review_get,
    review_history,
    review_list,
    snapshot_shortfall_count,
)
from uplift.apps.service_portfolio.services import reviews as services
from uplift.apps.service_portfolio.views.edits import refusal_status, say_saved

__all__ = [
    "DecisionCreateView",
    "DecisionProposeView",
    "ReviewCloseView",
    "ReviewCreateView",
    "ReviewDetailView",
    "ReviewHistoryView",
    "ReviewListView",
    "ReviewUpdateView",
    "urlpatterns",
]

Check = Callable[[Any, Review], bool]

VIEW_PERMISSION = "service_portfolio.view_review"


def can_change(user: Any, review: Review) -> bool:
    """May edit the review, and it is still open."""
    return review.state == ReviewState.OPEN and permissions.review_can_edit(user, review)


def may_propose(user: Any, review: Review) -> bool:
    """May turn this review's decisions into proposals (those not yet one)."""
    return permissions.decision_can_propose(user, Decision(review=review))


class ReviewView(AccessMixin, View):
    """Sign-in, the view permission, the review of the URL (404), then the page's check.

    ``read_check`` guards GET, ``write_check`` POST (None: reading it is enough).
    """

    read_check: ClassVar[Check | None] = None
    write_check: ClassVar[Check | None] = None
    refusal: ClassVar[str] = "You may not change this review."
    review: Review

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied("You may not see reviews.")
        try:
            self.review = review_get(pk=kwargs["pk"])
        except Review.DoesNotExist:
            raise Http404("No such review.") from None
        check = type(self).write_check if request.method == "POST" else type(self).read_check
        if check is not None and not check(request.user, self.review):
            raise PermissionDenied(type(self).refusal)
        return super().dispatch(request, *args, **kwargs)

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        user = self.request.user
        context = {
            "review": self.review,
            "can_edit": can_change(user, self.review),
            "can_decide": permissions.decision_can_add(user, self.review),
            "can_propose": may_propose(user, self.review),
            "outcomes": OutcomeChoice.choices,
            **context,
        }
        return render(self.request, template, context, status=status)

    def show_detail(
        self, *, form: DecisionForm | None = None, error: str = "", status: int = 200
    ) -> HttpResponse:
        """The review's page; ``error``: a proposal refused, shown above the decisions."""
        if form is None and permissions.decision_can_add(self.request.user, self.review):
            form = DecisionForm(review=self.review)
        context = {"detail": review_detail(self.review), "form": form, "propose_error": error}
        return self.render("service_portfolio/review_detail.html", context, status=status)


# -- the list ----------------------------------------------------------------------------------


class ReviewListView(ObjectListView):
    """Reviews (filtered, sorted, paged) with their counts; CSV."""

    model = Review
    template_name = "service_portfolio/review_list.html"
    table_template_name = "partials/service_portfolio/review_table.html"
    filterset_class = ReviewFilterSet
    paginate_by = 25
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "held": "held_on",
        "title": "title",
        "kind": ("kind", "title"),
        "state": ("state", "title"),
        "services": ("service_count", "title"),
        "decisions": ("decision_count", "title"),
        "proposals": ("proposal_count", "title"),
    }
    default_sort = "-held"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Id", "pk"),
        ("Title", "title"),
        ("Kind", "get_kind_display"),
        ("Held on", "held_on"),
        ("State", "get_state_display"),
        ("Chair", "chair.username"),
        ("Services", "service_count"),
        ("Decisions", "decision_count"),
        ("Proposals", "proposal_count"),
        ("Closed at", "closed_at"),
    ]
    title = "Reviews"
    empty_message = "No reviews yet."

    def get_base_queryset(self) -> QuerySet[Review]:
        return review_list()

    def export_name(self) -> str:
        return "service-reviews"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = context.get("page_obj")
        if page is not None:
            page.object_list = list(page.object_list)
            for review in page.object_list:
                review.shortfall_count = snapshot_shortfall_count(review.opening_snapshot)
        context["can_add"] = permissions.review_can_open(self.request.user)
        context["query"] = self.request.GET.get("q", "")
        return context


# -- open, read, edit, close, history ------------------------------------------------------------


class ReviewCreateView(AccessMixin, View):
    """Open a review: its services' scorecards are kept as they are now."""

    template_name = "service_portfolio/review_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not permissions.review_can_open(request.user):
            raise PermissionDenied("You may not open reviews.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        initial = ReviewForm.initial_for(None, actor=request.user, today=timezone.localdate())
        return render(request, self.template_name, {"form": ReviewForm(initial=initial)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                review = services.review_open(actor=request.user, **form.values())
            except ServicePortfolioError as error:
                add_service_error(form, error)
            else:
                count = review.services.count()
                messages.success(
                    request,
                    f"“{review.title}” is open with the scorecards of {count} "
                    f"service{'s' if count != 1 else ''} as they are now.",
                )
                return redirect("service_portfolio:review_detail", review.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class ReviewDetailView(ReviewView):
    """The review: the scorecards and shortfalls it opened with, its decisions and the
    proposals they became, and a form for a new decision."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show_detail()


class ReviewHistoryView(ReviewView):
    """Who changed what and when: the review and its decisions."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        entries = review_history(self.review)
        return self.render("service_portfolio/review_history.html", {"entries": entries})


class ReviewUpdateView(ReviewView):
    """Change an open review's title, kind, day, chair, services or notes."""

    read_check = can_change
    write_check = can_change
    template_name = "service_portfolio/review_form.html"

    def show(self, form: ReviewForm, status: int = 200) -> HttpResponse:
        return self.render(self.template_name, {"form": form, "editing": True}, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        initial = ReviewForm.initial_for(self.review, actor=request.user, today=None)
        return self.show(ReviewForm(initial=initial, review=self.review))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = ReviewForm(request.POST, review=self.review)
        if not form.is_valid():
            return self.show(form, status=400)
        version = self.review.version
        try:
            review = services.review_update(
                actor=request.user,
                review=self.review,
                data=form.values(),
                expected_version=form.cleaned_data.get("version"),
            )
        except (ConflictError, ServicePortfolioError) as error:
            return self.show(form, status=refusal_status(form, error))
        say_saved(request, changed=review.version != version, message=f"“{review.title}” is saved.")
        return redirect("service_portfolio:review_detail", review.pk)


class ReviewCloseView(ReviewView):
    """Close the review; it is kept as it is."""

    read_check = can_change
    write_check = can_change

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        context = {"detail": review_detail(self.review)}
        return self.render("service_portfolio/review_close.html", context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            services.review_close(actor=request.user, review=self.review)
        except ServicePortfolioError as error:
            context = {"detail": review_detail(self.review), "error": error.message}
            return self.render("service_portfolio/review_close.html", context, status=400)
        messages.success(request, f"“{self.review.title}” is closed.")
        return redirect("service_portfolio:review_detail", self.review.pk)


# -- decisions ---------------------------------------------------------------------------------


class DecisionCreateView(ReviewView):
    """Record a decision of an open review."""

    read_check = permissions.decision_can_add
    write_check = permissions.decision_can_add
    refusal = "You may not record decisions of this review."
    template_name = "service_portfolio/decision_form.html"

    def show(self, form: DecisionForm, status: int = 200) -> HttpResponse:
        return self.render(self.template_name, {"form": form}, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        initial: dict[str, Any] = {}
        service = request.GET.get("service", "")
        outcome = request.GET.get("outcome", "")
        if service.isdigit() and self.review.services.filter(pk=int(service)).exists():
            initial["service"] = int(service)
            initial["outcome"] = outcome
        return self.show(DecisionForm(initial=initial, review=self.review))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = DecisionForm(request.POST, review=self.review)
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            decision = services.decision_add(
                actor=request.user, review=self.review, **form.values()
            )
        except ServicePortfolioError as error:
            add_service_error(form, error)
            return self.show(form, status=400)
        messages.success(request, "The decision is recorded.")
        url = reverse("service_portfolio:review_detail", args=[self.review.pk])
        return redirect(f"{url}#decision-{decision.pk}")


class DecisionProposeView(ReviewView):
    """Turn a decision into an improvement proposal in one step (POST only), then show
    the proposal."""

    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]
    write_check = may_propose
    refusal = (
        "You may not turn decisions into improvement proposals: that needs the permission "
        "to record decisions and to add proposals."
    )

    def post(self, request: HttpRequest, pk: int, decision: int) -> HttpResponse:
        found = (
            Decision.objects.select_related("proposal", "service")
            .filter(pk=decision, review=self.review)
            .first()
        )
        if found is None:
            raise Http404("No such decision of this review.")
        try:
            proposal = services.decision_propose(actor=request.user, decision=found)
        except ServicePortfolioError as error:
            return self.show_detail(error=error.message, status=400)
        messages.success(
            request,
            f"{proposal.reference} “{proposal.title}” is submitted from this decision of "
            f"“{self.review.title}”.",
        )
        return redirect("improvements:proposal_detail", proposal.pk)


urlpatterns: list[URLPattern] = [
    path("reviews/", ReviewListView.as_view(), name="review_list"),
    path("reviews/new/", ReviewCreateView.as_view(), name="review_create"),
    path("reviews/<int:pk>/", ReviewDetailView.as_view(), name="review_detail"),
    path("reviews/<int:pk>/edit/", ReviewUpdateView.as_view(), name="review_edit"),
    path("reviews/<int:pk>/close/", ReviewCloseView.as_view(), name="review_close"),
    path("reviews/<int:pk>/history/", ReviewHistoryView.as_view(), name="review_history"),
    path("reviews/<int:pk>/decisions/new/", DecisionCreateView.as_view(), name="decision_create"),
    path(
        "reviews/<int:pk>/decisions/<int:decision>/propose/",
        DecisionProposeView.as_view(),
        name="decision_propose",
    ),
]
