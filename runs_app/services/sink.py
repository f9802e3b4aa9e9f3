"""The sink: one transaction per tick, then a notification to the run's watchers."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F

from agents_app.models import Agent
from runs_app.broadcast import broadcast_to_run, tick_committed_payload
from runs_app.models import Event, LLMCall, Message, PendingControl, Run, Step
from runs_app.services.adapters import (
    AGENT_UPDATE_FIELDS,
    agent_updates,
    event_rows,
    llm_call_rows,
    message_rows,
)
from simengine.core.simulation import AgentView, TickResult


def commit_tick(
    run_id: int,
    result: TickResult,
    controls: Sequence[PendingControl],
    agents: dict[str, AgentView],
    *,
    consume_step: bool,
) -> None:
    """Persist a tick atomically; IntegrityError when this tick was already committed."""
    step = result.tick
    names = {view.id: name for name, view in agents.items()}
    tokens_in = sum(call.tokens_in for call in result.calls)
    tokens_out = sum(call.tokens_out for call in result.calls)
    with transaction.atomic():
        Step.objects.create(
            run_id=run_id, index=step, snapshot=result.snapshot, metrics=result.metrics
        )
        Message.objects.bulk_create(message_rows(run_id, step, result.messages))
        Event.objects.bulk_create(event_rows(run_id, step, result.events))
        LLMCall.objects.bulk_create(llm_call_rows(run_id, step, result.calls, names))
        Agent.objects.bulk_update(agent_updates(run_id, agents, result.calls), AGENT_UPDATE_FIELDS)
        if controls:
            PendingControl.objects.filter(pk__in=[c.pk for c in controls]).update(applied_step=step)
        updates = {
            "current_step": step,
            "metrics": result.metrics,
            "tokens_in": F("tokens_in") + tokens_in,
            "tokens_out": F("tokens_out") + tokens_out,
        }
        if consume_step:
            updates["pending_steps"] = F("pending_steps") - 1
        Run.objects.filter(pk=run_id).update(**updates)
        status = Run.objects.filter(pk=run_id).values_list("status", flat=True).get()
        payload = tick_committed_payload(
            run_id=run_id,
            step=step,
            status=status,
            metrics=result.metrics,
            messages=[
                {k: m[k] for k in ("id", "sender", "channel", "recipient", "text")}
                for m in result.messages
            ],
        )
        transaction.on_commit(lambda: broadcast_to_run(run_id, payload))
