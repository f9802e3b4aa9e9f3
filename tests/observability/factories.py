"""Recorded model calls written through the sink's own row mapping (outcomes included)."""

from __future__ import annotations

from typing import Any

from runs_app.models import LLMCall, Run
from runs_app.services.adapters import llm_call_rows
from simengine.core.decision import LLMCallRecord

DECISION = {"thought": "Move to the school.", "actions": [{"type": "wait"}]}


def record(
    agent: str = "Rescuer 1",
    *,
    model: str = "ollama/llama3.2",
    purpose: str = "decide",
    parsed: dict[str, Any] | None = DECISION,
    error: str | None = None,
    timed_out: bool = False,
    tokens: tuple[int, int] = (400, 60),
    latency_ms: float = 120.0,
    system: str = "You are a rescuer.",
    prompt: str = "Tick 1: water is rising.",
) -> LLMCallRecord:
    return LLMCallRecord(
        provider=model.partition("/")[0],
        model=model,
        purpose=purpose,
        system=system,
        messages=({"role": "user", "content": prompt},),
        response_text="" if error else '{"thought": "..."}',
        parsed=None if error else parsed,
        tokens_in=0 if error else tokens[0],
        tokens_out=0 if error else tokens[1],
        latency_ms=latency_ms,
        error=error,
        agent_id=agent,
        timed_out=timed_out,
    )


def store(run: Run, step: int, *records: LLMCallRecord) -> list[LLMCall]:
    """Write the calls of one tick as the sink does; returns them in order with their ids."""
    LLMCall.objects.bulk_create(llm_call_rows(run.pk, step, records, {}))
    return list(LLMCall.objects.filter(run=run, step=step).order_by("id"))
