"""Rule-based metrics, registered per world kind, and evaluation of conditions over them.

A metric is a small function of a `MetricContext` returning a number (or None while it is
undefined, e.g. `first_casualty_tick` before any casualty). Metrics registered for `"*"`
apply to every world kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simengine.core.conditions import OPERATORS, AllOf, AnyOf, Condition, MetricCondition

MetricValue = float | int | None


@dataclass(frozen=True)
class AgentTally:
    """What one agent has done so far, as the metrics see it."""

    kind: str
    status: str
    actions: Mapping[str, int]  # successful actions by type
    messages_to_others: int


@dataclass(frozen=True)
class MetricContext:
    """Everything a metric function may read: the world state and the engine's tallies."""

    world_kind: str
    tick: int
    state: Any  # the world kind's state object
    agents: Mapping[str, AgentTally]
    messages_sent: int
    cooperative_actions: frozenset[str]


MetricFunction = Callable[[MetricContext], MetricValue]

ANY_KIND = "*"
_REGISTRY: dict[str, dict[str, MetricFunction]] = {}


def register_metric(
    name: str, *, kind: str = ANY_KIND
) -> Callable[[MetricFunction], MetricFunction]:
    """Decorator: register `fn(ctx) -> number | None` as metric `name` of a world kind."""

    def decorate(fn: MetricFunction) -> MetricFunction:
        _REGISTRY.setdefault(kind, {})[name] = fn
        return fn

    return decorate


def unregister_metric(name: str, *, kind: str = ANY_KIND) -> None:
    """Remove a registered metric (plugins that unload, tests)."""
    _REGISTRY.get(kind, {}).pop(name, None)


def metric_names(kind: str) -> list[str]:
    """Every metric available to a world kind, generic ones first, in registration order."""
    names = list(_REGISTRY.get(ANY_KIND, {}))
    names.extend(n for n in _REGISTRY.get(kind, {}) if n not in names)
    return names


def compute_metrics(ctx: MetricContext) -> dict[str, MetricValue]:
    """Evaluate every metric of the context's world kind."""
    functions = {**_REGISTRY.get(ANY_KIND, {}), **_REGISTRY.get(ctx.world_kind, {})}
    return {name: fn(ctx) for name, fn in functions.items()}


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


def _human_agents(ctx: MetricContext) -> list[AgentTally]:
    return [a for a in ctx.agents.values() if a.kind != "environment"]


@register_metric("messages_sent")
def messages_sent(ctx: MetricContext) -> int:
    """Messages delivered so far (direct, room, broadcast, spoken and injected)."""
    return ctx.messages_sent


@register_metric("cooperation")
def cooperation(ctx: MetricContext) -> float:
    """Helping actions plus messages to others, per (non-environment) agent."""
    agents = _human_agents(ctx)
    if not agents:
        return 0.0
    total = sum(
        sum(n for kind, n in a.actions.items() if kind in ctx.cooperative_actions)
        + a.messages_to_others
        for a in agents
    )
    return round(total / len(agents), 4)
