"""Operator controls, applied by the engine at tick boundaries (before the tick's decisions).

Run-level pause / resume / single-step belong to whoever drives `Simulation.step`; these
controls act inside a run: on one agent, on the world, or on the conversation. Each
applied control yields a `ControlApplied` (or `ControlRejected`) event.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol


@dataclass(frozen=True)
class Control:
    """Base of every control; `kind` is its snake_case name, as persisted by the web layer."""

    @property
    def kind(self) -> str:
        """The control's snake_case name (e.g. "pause_agent")."""
        return _KIND_BY_CLASS[type(self)]

    def to_json(self) -> dict[str, Any]:
        """The control as JSON data, tagged with its kind."""
        return {"kind": self.kind, **asdict(self)}


@dataclass(frozen=True)
class PauseAgent(Control):
    """Stop an agent deciding until it is resumed (its messages still arrive)."""

    agent: str


@dataclass(frozen=True)
class ResumeAgent(Control):
    """Let a paused or muted agent act and be heard again."""

    agent: str


@dataclass(frozen=True)
class MuteAgent(Control):
    """Let an agent act but deliver none of its messages."""

    agent: str


@dataclass(frozen=True)
class UnmuteAgent(Control):
    """Deliver a muted agent's messages again."""

    agent: str


@dataclass(frozen=True)
class TerminateAgent(Control):
    """Remove an agent from the run for good (its unread inbox is dropped)."""

    agent: str


@dataclass(frozen=True)
class InjectMessage(Control):
    """A message from the operator to "agent:<name>", "room:<id>" or "all"."""

    to: str
    text: str


@dataclass(frozen=True)
class InjectCommand(Control):
    """A trusted instruction that reaches the agent's next decision (operator_commands)."""

    agent: str
    text: str


@dataclass(frozen=True)
class SetWorldValue(Control):
    """God mode: set one value of the world state by dotted path (e.g. "water_level")."""

    path: str
    value: Any


@dataclass(frozen=True)
class TriggerEvent(Control):
    """Fire a world event now, as a scripted event would (e.g. "levee_breach")."""

    type: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SetEmotion(Control):
    """God mode: set some of an agent's feelings (fear, stress, hope, empathy; each 0..1)."""

    agent: str
    emotion: dict[str, float]


@dataclass(frozen=True)
class StopRun(Control):
    """End the run after this tick with end reason "stopped"."""

    reason: str = "stopped by operator"


_KIND_BY_CLASS: dict[type[Control], str] = {
    PauseAgent: "pause_agent",
    ResumeAgent: "resume_agent",
    MuteAgent: "mute_agent",
    UnmuteAgent: "unmute_agent",
    TerminateAgent: "terminate_agent",
    InjectMessage: "inject_message",
    InjectCommand: "inject_command",
    SetWorldValue: "set_world_value",
    TriggerEvent: "trigger_event",
    SetEmotion: "set_emotion",
    StopRun: "stop_run",
}
CONTROL_KINDS: dict[str, type[Control]] = {v: k for k, v in _KIND_BY_CLASS.items()}


def control_from_json(data: dict[str, Any]) -> Control:
    """Build a control from `{"kind": "pause_agent", "agent": ...}`; ValueError if malformed."""
    kind = data.get("kind")
    cls = CONTROL_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown control kind {kind!r} (known: {', '.join(CONTROL_KINDS)})")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names - {"kind"})
    if unknown:
        raise ValueError(f"control {kind!r} has no field(s) {', '.join(unknown)}")
    try:
        return cls(**{k: v for k, v in data.items() if k != "kind"})
    except TypeError as exc:
        raise ValueError(f"control {kind!r}: {exc}") from None


class ControlSource(Protocol):
    """Where controls come from between ticks (the web layer's queue, a test, a script)."""

    def poll(self) -> list[Control]:
        """The controls queued since the last poll (empty when there are none)."""
        ...


class QueuedControls:
    """A simple in-memory ControlSource: `put` controls, `poll` takes them all."""

    def __init__(self) -> None:
        self._queue: list[Control] = []

    def put(self, *controls: Control) -> None:
        """Queue controls for the next poll."""
        self._queue.extend(controls)

    def poll(self) -> list[Control]:
        """Take every queued control, oldest first."""
        taken, self._queue = self._queue, []
        return taken
