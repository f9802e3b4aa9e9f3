"""Things that happened in a run: frozen, past-tense event records.

Every event serialises to `{"tick", "type", "agent", "data"}` (`to_json`), the shape of the
`--jsonl` trace and of the run's persisted events. Nothing here holds wall-clock times or
random ids, so a seeded run yields the same events byte for byte.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Event:
    """Base of every event: the tick it happened at and the agent it concerns (if any)."""

    tick: int
    agent: str | None

    @property
    def type(self) -> str:
        """The event's type name, as written in traces (its class name)."""
        return type(self).__name__

    def to_json(self) -> dict[str, Any]:
        """`{"tick", "type", "agent", "data"}` with every other field in `data`."""
        data = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("tick", "agent")
        }
        return {"tick": self.tick, "type": self.type, "agent": self.agent, "data": data}


def json_safe(value: Any) -> Any:
    """A copy that strict JSON accepts: NaN and infinities (a model may write them) become None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


@dataclass(frozen=True)
class RunStarted(Event):
    """The first tick began: the scenario, seed, mode, world kind and roster."""

    scenario: str
    seed: int
    mode: str
    world_kind: str
    agents: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ControlApplied(Event):
    """An operator control took effect at a tick boundary."""

    control: dict[str, Any]
    detail: str


@dataclass(frozen=True)
class ControlRejected(Event):
    """An operator control could not be applied (unknown agent, bad value...)."""

    control: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class AgentDecided(Event):
    """An agent's decision as the engine received it (fallback: why it was replaced)."""

    model: str
    thought: str
    actions: list[dict[str, Any]]
    message: dict[str, str] | None
    emotion: dict[str, float]
    fallback: str | None = None


@dataclass(frozen=True)
class DecisionFailed(Event):
    """The decision maker raised; the agent waited this tick."""

    model: str
    error: str


@dataclass(frozen=True)
class AgentActed(Event):
    """One action was carried out, with the world's account of it."""

    action: dict[str, Any]
    result: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionRejected(Event):
    """One action was refused (not allowed, invalid, or beyond the per-tick limit)."""

    action: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class MessageSent(Event):
    """A message reached its recipients."""

    message_id: str
    channel: str
    to: str
    recipients: list[str]
    text: str


@dataclass(frozen=True)
class MessageSuppressed(Event):
    """A message was not delivered because its sender is muted."""

    to: str
    text: str
    reason: str


@dataclass(frozen=True)
class EnvironmentEvent(Event):
    """A world notice: a scripted or triggered event, or the world's own dynamics."""

    kind: str
    text: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BudgetExceeded(Event):
    """An agent or the whole run spent its token budget and moved to the offline policy."""

    scope: str  # "agent" | "run"
    used: int
    limit: int
    model: str  # the model the agent(s) switched to


@dataclass(frozen=True)
class MemoriesRecalled(Event):
    """The long-term memories retrieved for an agent's decision, best first, with scores."""

    memories: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class MemoryFallback(Event):
    """An agent's embedding model could not be served; its memory embeds locally from now."""

    requested: str
    model: str
    reason: str


@dataclass(frozen=True)
class MemoryRatingFailed(Event):
    """An agent's model could not rate its new memories (`importance`) or reflect (`reflect`).

    The rule's scores (or the rule-built reflection) stand for that tick.
    """

    purpose: str
    model: str
    error: str


@dataclass(frozen=True)
class RunEnded(Event):
    """The run ended: the reason (see termination.END_REASONS), why, and final metrics."""

    reason: str
    detail: str
    metrics: dict[str, Any] = field(default_factory=dict)
