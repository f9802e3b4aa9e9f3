"""What a metric is: a named function of a `MetricContext`, with its direction, bounds and unit.

Each world kind lists its `MetricDef`s; `COMMON_METRICS` apply to every kind and come first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

MetricValue = float | int | None
Direction = Literal["higher", "lower"]  # which way is better


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


@dataclass(frozen=True)
class MetricDef:
    """One metric: how to compute it and how to read it (better direction, bounds, unit)."""

    name: str
    compute: MetricFunction
    direction: Direction = "higher"
    low: float | None = None  # smallest possible value, when there is one
    high: float | None = None  # largest possible value, when there is one
    unit: str = ""
    label: str = ""  # defaults to the name with spaces for underscores
    description: str = ""

    def __post_init__(self) -> None:
        if self.direction not in ("higher", "lower"):
            raise ValueError(f"metric {self.name!r}: direction must be 'higher' or 'lower'")
        if not self.label:
            object.__setattr__(self, "label", self.name.replace("_", " "))
        if not self.description:
            object.__setattr__(self, "description", (self.compute.__doc__ or "").strip())


def _messages_sent(ctx: MetricContext) -> int:
    """Messages delivered so far (direct, room, broadcast, spoken and injected)."""
    return ctx.messages_sent


def _cooperation(ctx: MetricContext) -> float:
    """Helping actions plus messages to others, per (non-environment) agent."""
    agents = [a for a in ctx.agents.values() if a.kind != "environment"]
    if not agents:
        return 0.0
    total = sum(
        sum(n for kind, n in a.actions.items() if kind in ctx.cooperative_actions)
        + a.messages_to_others
        for a in agents
    )
    return round(total / len(agents), 4)


COMMON_METRICS: tuple[MetricDef, ...] = (
    MetricDef("messages_sent", _messages_sent, low=0, unit="messages"),
    MetricDef("cooperation", _cooperation, low=0, unit="per agent"),
)
