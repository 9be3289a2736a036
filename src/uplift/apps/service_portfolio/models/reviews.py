"""Plan-and-Optimize management reviews (service alignment, portfolio) and their
decisions; a decision becomes an improvement proposal in one step."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from uplift.apps.service_portfolio.choices import OutcomeChoice, ReviewKind, ReviewState
from uplift.apps.service_portfolio.models.services import Service

__all__ = ["Decision", "Review"]


class Review(models.Model):
    """A periodic management review. Opening it keeps the scorecards and shortfalls of its
    services as they were (``opening_snapshot``), so the record shows what was decided on."""

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=24, choices=ReviewKind.choices)
    held_on = models.DateField()
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_chaired"
    )
    services = models.ManyToManyField(Service, blank=True, related_name="reviews")
    state = models.CharField(max_length=8, choices=ReviewState.choices, default=ReviewState.OPEN)
    notes = models.TextField(blank=True)
    opening_snapshot = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # The services reviewed are kept in each record (before → after in the history).
    history = HistoricalRecords(m2m_fields=["services"])

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    """A decision of a review, about a service and (optionally) one of its outcomes.
    ``proposal`` is the improvement proposal it became."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    outcome = models.CharField(max_length=32, choices=OutcomeChoice.choices, blank=True)
    text = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_decisions",
    )
    due = models.DateField(null=True, blank=True)
    proposal = models.ForeignKey(
        "improvements.Proposal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_decisions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "pk"]

    def __str__(self) -> str:
        return self.text[:80]
