"""Token and latency accounting over call records, per agent, per model and per run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simengine.core.decision import LLMCallRecord

RecordLike = LLMCallRecord | Mapping[str, Any]


@dataclass(frozen=True)
class Usage:
    """Summed figures for a set of calls."""

    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: float = 0.0
    retries: int = 0
    errors: int = 0

    @property
    def tokens(self) -> int:
        """Prompt plus response tokens."""
        return self.tokens_in + self.tokens_out

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            calls=self.calls + other.calls,
            tokens_in=self.tokens_in + other.tokens_in,
            tokens_out=self.tokens_out + other.tokens_out,
            latency_ms=self.latency_ms + other.latency_ms,
            retries=self.retries + other.retries,
            errors=self.errors + other.errors,
        )

    def to_json(self) -> dict[str, Any]:
        """A plain dict for sinks, payloads and templates."""
        return {
            "calls": self.calls,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "tokens": self.tokens,
            "latency_ms": round(self.latency_ms, 3),
            "retries": self.retries,
            "errors": self.errors,
        }


def _fields(record: RecordLike) -> Mapping[str, Any]:
    return record.to_json() if isinstance(record, LLMCallRecord) else record


def usage_of_record(record: RecordLike) -> Usage:
    """The usage of one call record (a dataclass or its dict form)."""
    data = _fields(record)
    return Usage(
        calls=1,
        tokens_in=int(data.get("tokens_in") or 0),
        tokens_out=int(data.get("tokens_out") or 0),
        latency_ms=float(data.get("latency_ms") or 0.0),
        retries=int(data.get("retries") or 0),
        errors=1 if data.get("error") else 0,
    )


def usage_total(records: Iterable[RecordLike]) -> Usage:
    """Everything summed: a run's usage when given the run's records."""
    total = Usage()
    for record in records:
        total += usage_of_record(record)
    return total


def _usage_by(records: Iterable[RecordLike], field: str) -> dict[str, Usage]:
    groups: dict[str, Usage] = {}
    for record in records:
        key = str(_fields(record).get(field))
        groups[key] = groups.get(key, Usage()) + usage_of_record(record)
    return groups


def usage_by_agent(records: Iterable[RecordLike]) -> dict[str, Usage]:
    """Usage per `agent_id`."""
    return _usage_by(records, "agent_id")


def usage_by_model(records: Iterable[RecordLike]) -> dict[str, Usage]:
    """Usage per full model id."""
    return _usage_by(records, "model")


def over_budget(usage: Usage, max_tokens: int | None) -> bool:
    """True when a token budget is set and `usage` has reached it."""
    return max_tokens is not None and usage.tokens >= max_tokens
