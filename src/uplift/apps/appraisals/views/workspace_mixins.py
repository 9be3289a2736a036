"""What the evidence and findings pages share: the appraisal in the URL, who may see it.

``AppraisalPageMixin`` signs in first (anonymous → sign-in page), then loads the
appraisal the user may see (``selectors.appraisal_get``; otherwise 404, so an id
reveals nothing), then asks ``permissions`` whether the user may do what the page is
for (otherwise 403). Views set ``access`` to one of ``VISIBLE``, ``WORKSPACE``,
``WORK``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.functional import cached_property

from uplift.apps.appraisals import permissions
from uplift.apps.appraisals.choices import AppraisalStatus
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.models import Appraisal
from uplift.apps.appraisals.views.access import visible_appraisal
from uplift.apps.appraisals.workspace import ScopeArea, scope_practices

__all__ = [
    "VISIBLE",
    "WORK",
    "WORKSPACE",
    "AppraisalPageMixin",
    "bad_request",
    "form_error",
]

Check = Callable[[Any, Appraisal], bool]


def _visible(user: Any, appraisal: Appraisal) -> bool:
    return True  # appraisal_get found it among the user's visible appraisals


VISIBLE: Check = _visible
WORKSPACE: Check = permissions.appraisal_can_see_workspace
WORK: Check = permissions.appraisal_can_work


class AppraisalPageMixin(LoginRequiredMixin):
    """Load ``self.appraisal`` (404 when not visible) and check ``access`` (403)."""

    access: ClassVar[Check] = VISIBLE
    appraisal: Appraisal
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.appraisal = visible_appraisal(request, kwargs["pk"])
        if not type(self).access(request.user, self.appraisal):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def scope(self) -> tuple[ScopeArea, ...]:
        """The appraisal's areas in scope with goals and practices, read once per request."""
        return scope_practices(self.appraisal)

    def base_context(self) -> dict[str, Any]:
        """What every page of the appraisal shows: the appraisal and what the user may do."""
        user = self.request.user
        can_work = permissions.appraisal_can_work(user, self.appraisal)
        return {
            "appraisal": self.appraisal,
            "can_work": can_work,
            # Offer changes only where they can succeed: a closed appraisal refuses them.
            "editable": can_work and self.appraisal.status != AppraisalStatus.CLOSED,
            "can_see_workspace": permissions.appraisal_can_see_workspace(user, self.appraisal),
        }


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 page for a query the page cannot honour (unknown parameter, bad filter)."""
    return render(request, "common/bad_request.html", {"message": message}, status=400)


def form_error(form: Any, error: AppraisalError) -> None:
    """Show a refused edit on the form: on its field when the form has one, else on top."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
