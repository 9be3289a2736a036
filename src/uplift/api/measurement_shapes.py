"""The shapes of the measurement API's computed answers (read-only serializers).

Each documents the JSON of a domain or service result's ``as_json()`` (XmR chart,
baseline summary, evaluation and verdict, payback, baseline comparison, evaluation
run) so that the OpenAPI document describes them and the tests can check responses
against it. The views return ``as_json()`` itself: these classes only describe it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from uplift.apps.measurements.choices import Priority

__all__ = [
    "BaselineComparisonSerializer",
    "BaselineResultSerializer",
    "BaselineSummarySerializer",
    "ChangeEvaluationSerializer",
    "ControlChartSerializer",
    "EvaluationRunSerializer",
    "IntegerChoiceField",
    "PaybackResultSerializer",
    "XmrChartSerializer",
    "inline_enum",
]


def inline_enum(values: list[str], help_text: str = "", **kwargs: Any) -> Any:
    """A string field whose values are documented inline, never as a shared component.

    drf-spectacular turns every property with an ``enum`` into a component named after
    the property, and renames existing ones when two choice sets share a name (``kind``
    and ``status`` name the appraisals' sets already). The values sit one level down,
    in ``allOf``, where that hook does not look: the same contract, no renaming.
    """

    @extend_schema_field({"type": "string", "allOf": [{"enum": values}]})
    class InlineEnumField(serializers.ChoiceField):
        pass

    return InlineEnumField(choices=values, help_text=help_text, **kwargs)


@extend_schema_field({"type": "integer", "allOf": [{"enum": Priority.values}]})
class IntegerChoiceField(serializers.ChoiceField):
    """An integer choice documented inline (see ``_enum``)."""


# Shapes of the domain's results (documentation of the JSON; read-only) ------------------


class ChartSignalSerializer(serializers.Serializer):
    rule = inline_enum(["beyond_limits", "run_of_8", "trend_of_6"], read_only=True)
    index = serializers.IntegerField(help_text="0-based index of the point completing it.")


class XmrChartSerializer(serializers.Serializer):
    """``XmrChart.as_json()``: the shape of ``uplift measurements xmr --json``."""

    n = serializers.IntegerField()
    start = serializers.IntegerField()
    center = serializers.FloatField()
    mr_bar = serializers.FloatField()
    ucl = serializers.FloatField()
    lcl = serializers.FloatField()
    mr_ucl = serializers.FloatField()
    limits_from = serializers.ListField(child=serializers.IntegerField())
    signals = ChartSignalSerializer(many=True)
    mr_signals = serializers.ListField(child=serializers.IntegerField())


class ChartPointSerializer(serializers.Serializer):
    # Declared fields are popped from the class at runtime, so this does not shadow
    # Field.label; only the type checker sees both.
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="YYYY-MM-DD (values) or YYYY-MM (monthly means)."
    )
    value = serializers.FloatField()


class ControlChartSerializer(serializers.Serializer):
    """One work activity's values one by one (the latest 500), else monthly means."""

    measure = serializers.CharField()
    grouping = inline_enum(["individual", "monthly"], read_only=True)
    total = serializers.IntegerField(help_text="Values in the selection.")
    points = ChartPointSerializer(many=True)
    xmr = XmrChartSerializer(allow_null=True, help_text="Null below two points.")


class BaselineSummarySerializer(serializers.Serializer):
    """``BaselineSummary.as_json()``."""

    n = serializers.IntegerField()
    mean = serializers.FloatField()
    sd = serializers.FloatField()
    median = serializers.FloatField()
    q1 = serializers.FloatField()
    q3 = serializers.FloatField()
    p10 = serializers.FloatField()
    p90 = serializers.FloatField()
    min = serializers.FloatField()
    max = serializers.FloatField()
    mr_bar = serializers.FloatField()
    lower_limit = serializers.FloatField()
    upper_limit = serializers.FloatField()


class BaselineResultSerializer(serializers.Serializer):
    """``BaselineResult.as_json()``: the shape of ``uplift measurements baseline --json``."""

    measure = serializers.CharField()
    segment = serializers.JSONField()
    segment_label = serializers.CharField()
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True)
    n = serializers.IntegerField()
    summary = BaselineSummarySerializer(allow_null=True, help_text="Null below two values.")
    stored = serializers.IntegerField(allow_null=True, help_text="The stored baseline's id.")


class ChangeVerdictSerializer(serializers.Serializer):
    alpha = serializers.FloatField()
    significant = serializers.BooleanField(allow_null=True)
    change = inline_enum(
        ["increase", "decrease", "no_detectable_change", "undetermined"], read_only=True
    )
    direction = inline_enum(["higher", "lower"], read_only=True, allow_null=True)
    improved = serializers.BooleanField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    objective = inline_enum(["met", "not_met", "inconclusive"], read_only=True, allow_null=True)
    summary = serializers.CharField()
    assumptions = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())


class ChangeEvaluationSerializer(serializers.Serializer):
    """``Evaluation.as_json()``: the shape of ``uplift measurements evaluate --json``."""

    n_before = serializers.IntegerField()
    n_after = serializers.IntegerField()
    mean_before = serializers.FloatField()
    mean_after = serializers.FloatField()
    sd_before = serializers.FloatField()
    sd_after = serializers.FloatField()
    difference = serializers.FloatField()
    percent_change = serializers.FloatField(allow_null=True)
    welch_t = serializers.FloatField(allow_null=True)
    welch_df = serializers.FloatField(allow_null=True)
    welch_p = serializers.FloatField(allow_null=True)
    mannwhitney_u = serializers.FloatField()
    mannwhitney_p = serializers.FloatField(allow_null=True)
    mannwhitney_method = inline_enum(["exact", "asymptotic"], read_only=True)
    hedges_g = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField()
    ci_high = serializers.FloatField()
    confidence = serializers.FloatField()
    n_boot = serializers.IntegerField()
    seed = serializers.IntegerField(allow_null=True)
    verdict = ChangeVerdictSerializer()


class ObjectiveCheckSerializer(serializers.Serializer):
    objective = serializers.IntegerField()
    name = serializers.CharField()
    statistic = serializers.CharField()
    value = serializers.FloatField()
    target = serializers.FloatField()
    met = serializers.BooleanField()


class PaybackResultSerializer(serializers.Serializer):
    """``Payback.as_json()``: the shape of ``uplift measurements payback --json``."""

    cost = serializers.FloatField()
    running_cost = serializers.FloatField()
    benefit = serializers.FloatField()
    net_benefit = serializers.FloatField()
    months = serializers.FloatField(allow_null=True, help_text="Null: never recovered.")
    benefit_low = serializers.FloatField(allow_null=True)
    benefit_high = serializers.FloatField(allow_null=True)
    months_low = serializers.FloatField(allow_null=True)
    months_high = serializers.FloatField(allow_null=True)


class EvaluationRunSerializer(serializers.Serializer):
    """``EvaluationRun.as_json()`` and, with costs, the payback."""

    measure = serializers.CharField()
    design = inline_enum(["before_after", "pilot_comparison"], read_only=True)
    change_date = serializers.DateTimeField(allow_null=True)
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True)
    before_label = serializers.CharField()
    after_label = serializers.CharField()
    before_activities = serializers.ListField(child=serializers.CharField())
    after_activities = serializers.ListField(child=serializers.CharField())
    objective = serializers.IntegerField(allow_null=True)
    target_change = serializers.FloatField(allow_null=True)
    objective_check = ObjectiveCheckSerializer(allow_null=True)
    result = ChangeEvaluationSerializer()
    phases = XmrChartSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())
    payback = PaybackResultSerializer(required=False, allow_null=True)


class BaselineComparisonSerializer(serializers.Serializer):
    """``BaselineComparison.as_json()``."""

    older = serializers.IntegerField()
    newer = serializers.IntegerField()
    mean_change = serializers.FloatField(allow_null=True)
    sd_change = serializers.FloatField(allow_null=True)
    median_change = serializers.FloatField(allow_null=True)
    percent_mean_change = serializers.FloatField(allow_null=True)
    improved = serializers.BooleanField(allow_null=True)
    evaluation = ChangeEvaluationSerializer(allow_null=True)
    note = serializers.CharField(allow_blank=True)
