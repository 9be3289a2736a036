"""What an edit page of the portfolio answers after the service: a refused edit shown on
its form (``refusal_status``), or a message saying whether the edit saved anything
(``say_saved``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from uplift.apps.service_portfolio.errors import ConflictError, ServicePortfolioError
from uplift.apps.service_portfolio.forms.portfolio import add_service_error

__all__ = ["refusal_status", "say_saved"]


def refusal_status(form: forms.BaseForm, error: ConflictError | ServicePortfolioError) -> int:
    """Show a refused edit on ``form`` and return the answer's status: 409 for an edit
    started from an older version (shown above the form: its field, ``version``, is
    hidden), else 400 (beside the field at fault, the input kept)."""
    if isinstance(error, ConflictError):
        form.add_error(None, error.message)
        return 409
    add_service_error(form, error)
    return 400


def say_saved(request: HttpRequest, *, changed: bool, message: str) -> None:
    """``message`` when the edit saved a change, else that nothing was saved."""
    if changed:
        messages.success(request, message)
    else:
        messages.info(request, "Nothing changed; nothing was saved.")
