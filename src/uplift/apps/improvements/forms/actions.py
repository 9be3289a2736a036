"""Forms of a plan's team and actions: they shape input; ``services.actions`` checks
the rules (a refusal is shown with ``add_service_error``, never checked twice)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.improvements.choices import ActionStatus, PlanRole
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.improvements.models import Action, ActionPlan

__all__ = [
    "ActionForm",
    "ActionStatusForm",
    "PlanMemberForm",
    "add_service_error",
]

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_error(form: forms.BaseForm, error: ImprovementError) -> None:
    """Show a refused write beside its field, or above the form when no field matches."""
    if error.field and error.field in form.fields:
        form.add_error(error.field, error.message)
    else:
        form.add_error(None, error.message)


def _people() -> QuerySet[Any]:
    return (
        get_user_model()
        ._default_manager.filter(is_active=True)
        .order_by("last_name", "first_name", "username")
    )


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A person, shown as "Full Name (username)", posted as the username."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=_people(), to_field_name="username", **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else str(obj.get_username())


class _ActionChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} (due {obj.due:%Y-%m-%d}, {obj.get_status_display().lower()})"


class PlanMemberForm(AccessibleFormMixin, forms.Form):
    """Add a person to the process action team in a role."""

    user = PersonChoiceField(label="Person", empty_label="Choose a person")
    role = forms.ChoiceField(
        choices=PlanRole.choices,
        initial=PlanRole.PRACTITIONER,
        help_text="The lead may edit the plan; a person may hold several roles.",
    )


class ActionForm(AccessibleFormMixin, forms.Form):
    """An action's fields; ``status`` only when editing (a new action is not started)."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="What done means."
    )
    owner = PersonChoiceField(label="Owner", help_text="Answers for the action.")
    start = forms.DateField(widget=_DATE, required=False, help_text="Optional; YYYY-MM-DD.")
    due = forms.DateField(widget=_DATE, help_text="YYYY-MM-DD; not before the start.")
    status = forms.ChoiceField(choices=ActionStatus.choices)
    depends_on = _ActionChoiceField(
        queryset=Action.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Depends on",
        help_text="The actions that must be done (or cancelled) before this one can be done.",
    )

    def __init__(
        self, *args: Any, plan: ActionPlan, action: Action | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        others = Action.objects.filter(plan=plan).order_by("due", "position", "pk")
        if action is not None:
            others = others.exclude(pk=action.pk)
        else:
            del self.fields["status"]
        self.fields["depends_on"].queryset = others  # type: ignore[attr-defined]
        if not others.exists():
            del self.fields["depends_on"]

    @classmethod
    def initial_for(cls, action: Action) -> dict[str, Any]:
        """The form's initial values from an action."""
        return {
            "title": action.title,
            "description": action.description,
            "owner": action.owner.get_username(),
            "start": action.start,
            "due": action.due,
            "status": action.status,
            "depends_on": [d.pk for d in action.depends_on.all()],
        }

    def values(self) -> dict[str, Any]:
        """The cleaned values as service keyword arguments."""
        data = dict(self.cleaned_data)
        if "depends_on" in self.fields:
            data["depends_on"] = list(data.get("depends_on") or [])
        return data


class ActionStatusForm(AccessibleFormMixin, forms.Form):
    """The status of an action, for its owner."""

    status = forms.ChoiceField(
        choices=ActionStatus.choices,
        help_text="Done only when every action it depends on is done or cancelled.",
    )
