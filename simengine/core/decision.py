"""The contract between the engine and whatever decides for an agent (LLM or offline policy).

The engine builds a `DecisionRequest` for each active agent each tick and hands it to a
`DecisionMaker`. The maker answers a `DecisionOutcome`: the validated `Decision` plus a
record of every model call it made. These types are shared by `simengine.core` and
`simengine.llm`; change them only in step with both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class AgentProfile:
    """Who an agent is: fixed for a run (the model may be overridden per run)."""

    id: str
    name: str
    kind: str  # human | environment | designer | evaluator
    role: str
    persona: str
    template_id: str
    model: str  # effective model id, e.g. "ollama/llama3.2" or "offline/heuristic"
    temperature: float = 0.7
    goals: tuple[str, ...] = ()
    knowledge: tuple[str, ...] = ()


@dataclass(frozen=True)
class InboxMessage:
    """A message as the receiving agent sees it. `sender` is set by the engine, never by text."""

    id: str
    tick: int
    sender: str  # sender agent name, or "operator" for injected messages
    channel: str  # "direct" | "room:<id>" | "all"
    text: str


@dataclass(frozen=True)
class OutgoingMessage:
    """The message an agent chose to send this tick; the engine stamps the sender."""

    to: str  # "agent:<name>" | "room:<id>" | "all"
    text: str


@dataclass(frozen=True)
class Decision:
    """One agent's validated decision for one tick (the JSON contract of DESIGN.md)."""

    thought: str
    actions: tuple[dict[str, Any], ...]
    message: OutgoingMessage | None = None
    emotion: dict[str, float] = field(default_factory=dict)

    @classmethod
    def noop(cls, reason: str) -> Decision:
        """Wait this tick, with the reason as the thought (when no usable answer came)."""
        return cls(thought=f"(no-op: {reason})", actions=({"type": "wait"},))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Decision:
        """Build from an already schema-validated decision object."""
        message = data.get("message")
        return cls(
            thought=str(data.get("thought", "")),
            actions=tuple(dict(a) for a in data.get("actions", ())),
            message=OutgoingMessage(to=message["to"], text=message["text"]) if message else None,
            emotion={k: float(v) for k, v in (data.get("emotion") or {}).items()},
        )

    def to_json(self) -> dict[str, Any]:
        """The decision object of the JSON contract; `from_json` reads it back."""
        return {
            "thought": self.thought,
            "actions": [dict(a) for a in self.actions],
            "message": (
                {"to": self.message.to, "text": self.message.text} if self.message else None
            ),
            "emotion": dict(self.emotion),
        }


@dataclass(frozen=True)
class DecisionRequest:
    """Everything a decision maker may use to decide for one agent at one tick."""

    run_id: str
    tick: int
    seed: int  # derived from the run seed, the agent and the tick: deterministic
    agent: AgentProfile
    scenario_name: str
    scenario_description: str
    world_kind: str
    rules: str  # world-kind rules text; stable across ticks
    action_schema: dict[str, Any]  # JSON schema of the whole decision object
    observation: dict[str, Any]  # the agent's local perception, JSON-serialisable
    memory_summary: str
    recent_memory: tuple[str, ...]
    inbox: tuple[InboxMessage, ...]
    emotion: dict[str, float]
    operator_commands: tuple[str, ...] = ()  # injected by the run's operator (trusted)
    recalled: tuple[str, ...] = ()  # long-term memories retrieved for this decision, best first


@dataclass(frozen=True)
class LLMCallRecord:
    """One model call (or one offline-policy answer), in the shape every provider yields."""

    provider: str  # ollama | anthropic | offline | replay
    model: str  # full model id, e.g. "ollama/llama3.2"
    purpose: str  # decide | repair | evaluate | design
    system: str
    messages: tuple[dict[str, str], ...]
    response_text: str
    parsed: dict[str, Any] | None
    tokens_in: int
    tokens_out: int
    latency_ms: float
    retries: int = 0
    error: str | None = None
    agent_id: str | None = None
    tick: int | None = None
    # How the answer's shape was asked for (json_schema, json_object, text, tool; "" = n/a)
    output_mode: str = ""
    timed_out: bool = False  # the error was the provider not answering in time

    def to_json(self) -> dict[str, Any]:
        """Every field as plain JSON, for the run's call log."""
        return {
            "provider": self.provider,
            "model": self.model,
            "purpose": self.purpose,
            "system": self.system,
            "messages": [dict(m) for m in self.messages],
            "response_text": self.response_text,
            "parsed": self.parsed,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "latency_ms": self.latency_ms,
            "retries": self.retries,
            "error": self.error,
            "agent_id": self.agent_id,
            "tick": self.tick,
            "output_mode": self.output_mode,
        }


@dataclass(frozen=True)
class DecisionOutcome:
    """A maker's answer: the decision, the model calls behind it, and any fallback taken."""

    decision: Decision
    calls: tuple[LLMCallRecord, ...] = ()
    fallback: str | None = None  # set when the decision is a no-op or an offline fallback


class DecisionMaker(Protocol):
    """Decides for one agent. Implementations must never raise for bad model output."""

    async def decide(self, request: DecisionRequest) -> DecisionOutcome:
        """The agent's decision for this tick; bad model output becomes a fallback, not an error."""
