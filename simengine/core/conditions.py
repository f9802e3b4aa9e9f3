"""Structured conditions over metrics: `{metric, op, value}` combined with `all` / `any`.

Conditions are data, never evaluated code. `parse_condition` turns the raw spec value into
typed objects and reports every problem with its path; `simengine.core.metrics` evaluates.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from simengine.core.text import describe_value, format_number

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True)
class MetricCondition:
    """True when `metric <op> value` holds for the current metrics."""

    metric: str
    op: str
    value: float

    def to_dict(self) -> dict[str, Any]:
        """The spec form `{metric, op, value}`, which `parse_condition` reads back."""
        return {"metric": self.metric, "op": self.op, "value": self.value}

    def describe(self) -> str:
        """The condition as the end reason states it, e.g. `rescued >= 10`."""
        return f"{self.metric} {self.op} {format_number(self.value)}"


@dataclass(frozen=True)
class AllOf:
    """True when every inner condition holds."""

    conditions: tuple[Condition, ...]

    def to_dict(self) -> dict[str, Any]:
        """The spec form `{all: [...]}`, which `parse_condition` reads back."""
        return {"all": [c.to_dict() for c in self.conditions]}

    def describe(self) -> str:
        """The inner conditions joined by `and`, in parentheses."""
        return "(" + " and ".join(c.describe() for c in self.conditions) + ")"


@dataclass(frozen=True)
class AnyOf:
    """True when at least one inner condition holds."""

    conditions: tuple[Condition, ...]

    def to_dict(self) -> dict[str, Any]:
        """The spec form `{any: [...]}`, which `parse_condition` reads back."""
        return {"any": [c.to_dict() for c in self.conditions]}

    def describe(self) -> str:
        """The inner conditions joined by `or`, in parentheses."""
        return "(" + " or ".join(c.describe() for c in self.conditions) + ")"


Condition = MetricCondition | AllOf | AnyOf

_SHAPE = "expected {metric, op, value} or {all: [...]} or {any: [...]}"


def parse_condition(
    data: Any, path: str, metrics: Collection[str] | None, world_kind: str
) -> tuple[Condition | None, list[str]]:
    """Parse a raw condition: (condition or None, error lines). `metrics=None` skips name checks."""
    if not isinstance(data, dict):
        return None, [f"{path}: {_SHAPE}, got {describe_value(data)}"]
    combinators = [key for key in ("all", "any") if key in data]
    if combinators:
        return _parse_combination(data, combinators, path, metrics, world_kind)
    return _parse_metric(data, path, metrics, world_kind)


def _parse_combination(
    data: dict[str, Any],
    combinators: list[str],
    path: str,
    metrics: Collection[str] | None,
    world_kind: str,
) -> tuple[Condition | None, list[str]]:
    key = combinators[0]
    extra = sorted(set(data) - {key})
    if extra:
        return None, [f"{path}: '{key}' cannot be combined with {_keys(extra)}"]
    items = data[key]
    if not isinstance(items, list) or not items:
        return None, [f"{path}.{key}: expected a non-empty list of conditions"]
    errors: list[str] = []
    parsed: list[Condition] = []
    for index, item in enumerate(items):
        condition, item_errors = parse_condition(
            item, f"{path}.{key}[{index}]", metrics, world_kind
        )
        errors.extend(item_errors)
        if condition is not None:
            parsed.append(condition)
    if errors:
        return None, errors
    combined = AllOf(tuple(parsed)) if key == "all" else AnyOf(tuple(parsed))
    return combined, []


def _parse_metric(
    data: dict[str, Any], path: str, metrics: Collection[str] | None, world_kind: str
) -> tuple[Condition | None, list[str]]:
    errors: list[str] = []
    extra = sorted(set(data) - {"metric", "op", "value"})
    if extra:
        errors.extend(f"{path}.{key}: unknown field" for key in extra)
    metric, op, value = data.get("metric"), data.get("op"), data.get("value")
    if "metric" not in data:
        errors.append(f"{path}.metric: required")
    elif not isinstance(metric, str):
        errors.append(f"{path}.metric: expected a string, got {describe_value(metric)}")
    elif metrics is not None and metric not in metrics:
        known = ", ".join(sorted(metrics))
        errors.append(
            f"{path}.metric: unknown metric '{metric}' for world kind '{world_kind}'"
            f" (known: {known})"
        )
    if "op" not in data:
        errors.append(f"{path}.op: required")
    elif op not in OPERATORS:
        errors.append(f"{path}.op: unknown operator {op!r} (use {', '.join(OPERATORS)})")
    if "value" not in data:
        errors.append(f"{path}.value: required")
    elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors.append(f"{path}.value: expected a number, got {describe_value(value)}")
    if errors:
        return None, errors
    # Every check above passed: the metric is a name, the operator known, the value a number.
    assert isinstance(metric, str) and isinstance(op, str) and isinstance(value, int | float)
    return MetricCondition(metric=metric, op=op, value=value), []


def _keys(keys: list[str]) -> str:
    return ", ".join(f"'{k}'" for k in keys)
