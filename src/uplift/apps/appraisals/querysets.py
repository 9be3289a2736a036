"""Query helpers of the appraisals context."""

from __future__ import annotations

from typing import Any

from django.db import models


class AppraisalQuerySet(models.QuerySet[Any]):
    """Appraisal queries (typed loosely: the model imports this module)."""

    def visible_to(self, user: Any) -> AppraisalQuerySet:
        """Every appraisal for a user with the view permission; else those of their team.

        Anonymous users see none.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_perm("appraisals.view_appraisal"):
            return self
        return self.filter(team__user=user).distinct()
