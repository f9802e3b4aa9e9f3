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
        return type(self).__name__

    def to_json(self) -> dict[str, Any]:
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
    scenario: str
    seed: int
    mode: str
    world_kind: str
    agents: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ControlApplied(Event):
    control: dict[str, Any]
    detail: str


@dataclass(frozen=True)
class ControlRejected(Event):
    control: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class AgentDecided(Event):
    model: str
    thought: str
    actions: list[dict[str, Any]]
    message: dict[str, str] | None
    emotion: dict[str, float]
    fallback: str | None = None


@dataclass(frozen=True)
class DecisionFailed(Event):
    model: str
    error: str


@dataclass(frozen=True)
class AgentActed(Event):
    action: dict[str, Any]
    result: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionRejected(Event):
    action: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class MessageSent(Event):
    message_id: str
    channel: str
    to: str
    recipients: list[str]
    text: str


@dataclass(frozen=True)
class MessageSuppressed(Event):
    to: str
    text: str
    reason: str


@dataclass(frozen=True)
class EnvironmentEvent(Event):
    kind: str
    text: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BudgetExceeded(Event):
    scope: str  # "agent" | "run"
    used: int
    limit: int
    model: str  # the model the agent(s) switched to


@dataclass(frozen=True)
class RunEnded(Event):
    reason: str
    detail: str
    metrics: dict[str, Any] = field(default_factory=dict)
