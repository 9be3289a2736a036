"""The one way an appraisal page loads its appraisal: visible to the user, or 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from uplift.apps.appraisals import selectors
from uplift.apps.appraisals.models import Appraisal

__all__ = ["visible_appraisal"]


def visible_appraisal(request: HttpRequest, pk: int) -> Appraisal:
    """The appraisal ``pk`` if the signed-in user may see it; ``Http404`` otherwise.

    An appraisal the user may not see answers exactly like one that does not exist.
    """
    try:
        return selectors.appraisal_get(pk=pk, user=request.user)
    except Appraisal.DoesNotExist:
        raise Http404("No such appraisal, or not visible to you.") from None
