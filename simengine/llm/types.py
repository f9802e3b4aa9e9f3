"""Value types shared by the client, the providers and the decision maker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simengine.core.decision import DecisionRequest

Message = dict[str, str]  # {"role": "user" | "assistant", "content": str}


@dataclass(frozen=True)
class CallContext:
    """Who a call is for: used by replay, the offline policy and call records."""

    run_id: str | None = None
    agent_id: str | None = None
    tick: int | None = None
    purpose: str = "decide"  # decide | repair | evaluate | design
    request: DecisionRequest | None = None  # the decision being made, when there is one


@dataclass
class CallMeter:
    """Per-call tallies a provider fills in while it works (retries, time spent waiting)."""

    retries: int = 0
    wait_ms: float = 0.0


@dataclass(frozen=True)
class LLMCall:
    """One normalised request handed to a provider."""

    model: str  # model name without the provider prefix, e.g. "llama3.2"
    model_id: str  # full id, e.g. "ollama/llama3.2"
    messages: tuple[Message, ...]
    system: str | None = None
    schema: dict[str, Any] | None = None
    temperature: float | None = None
    seed: int | None = None
    max_tokens: int | None = None
    context: CallContext = field(default_factory=CallContext)
    meter: CallMeter = field(default_factory=CallMeter, compare=False)


@dataclass(frozen=True)
class ProviderAnswer:
    """What a provider returns: the text plus its own usage figures."""

    text: str
    tokens_in: int = 0
    tokens_out: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    output_mode: str = ""  # how the answer's shape was asked for: json_schema, json_object, ...


@dataclass(frozen=True)
class LLMResponse:
    """A model's answer with its accounting; `latency_ms` excludes time queued for a slot."""

    provider: str
    model: str  # full model id
    text: str
    tokens_in: int
    tokens_out: int
    latency_ms: float
    wait_ms: float = 0.0
    retries: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    output_mode: str = ""
