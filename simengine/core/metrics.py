"""Rule-based metrics as the engine uses them: computed per world kind, and conditions over them.

A metric is a small function of a `MetricContext` returning a number (or None while it is
undefined, e.g. `first_casualty_tick` before any casualty). Each world kind declares its
metrics (`simengine.core.worlds.metric.MetricDef`); `COMMON_METRICS` apply to every kind.
"""

from __future__ import annotations

from collections.abc import Mapping

from simengine.core.conditions import OPERATORS, AllOf, AnyOf, Condition, MetricCondition
from simengine.core.worlds.metric import (
    COMMON_METRICS,
    AgentTally,
    MetricContext,
    MetricDef,
    MetricFunction,
    MetricValue,
)
from simengine.core.worlds.registry import compute_metrics, metric_direction, metric_names

__all__ = [
    "COMMON_METRICS",
    "AgentTally",
    "MetricContext",
    "MetricDef",
    "MetricFunction",
    "MetricValue",
    "compute_metrics",
    "evaluate_condition",
    "metric_direction",
    "metric_names",
]


def evaluate_condition(condition: Condition, metrics: Mapping[str, MetricValue]) -> bool:
    """True when the condition holds; a missing or undefined metric never satisfies it."""
    if isinstance(condition, AllOf):
        return all(evaluate_condition(c, metrics) for c in condition.conditions)
    if isinstance(condition, AnyOf):
        return any(evaluate_condition(c, metrics) for c in condition.conditions)
    assert isinstance(condition, MetricCondition)
    value = metrics.get(condition.metric)
    if value is None:
        return False
    return OPERATORS[condition.op](float(value), condition.value)
