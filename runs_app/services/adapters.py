"""The one module that maps ORM rows to engine objects and back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from agents_app.models import Agent
from runs_app.models import Event, LLMCall, Message, PendingControl, Run
from simengine.core.controls import Control, control_from_json
from simengine.core.decision import LLMCallRecord
from simengine.core.simulation import AgentView, Simulation
from simengine.core.spec import ScenarioSpec


def control_from_row(row: PendingControl) -> Control:
    return control_from_json({"kind": row.kind, **row.payload})


def audience_text(names: Iterable[str]) -> str:
    names = list(names)
    return f"|{'|'.join(names)}|" if names else ""


def message_rows(run_id: int, step: int, messages: Sequence[dict[str, Any]]) -> list[Message]:
    return [
        Message(
            run_id=run_id,
            step=step,
            message_id=m["id"],
            sender=m["sender"],
            channel=m["channel"],
            recipient=m.get("recipient", ""),
            audience=audience_text(m.get("recipients", ())),
            text=m["text"],
            metadata=m.get("metadata", {}),
        )
        for m in messages
    ]


def event_rows(run_id: int, step: int, events: Sequence[dict[str, Any]]) -> list[Event]:
    return [
        Event(
            run_id=run_id,
            step=step,
            agent=e.get("agent") or "",
            type=e["type"],
            data=e.get("data", {}),
        )
        for e in events
    ]


def llm_call_rows(
    run_id: int, step: int, calls: Sequence[LLMCallRecord], names: dict[str, str]
) -> list[LLMCall]:
    """Rows for the tick's calls; `names` maps the engine's agent ids to agent names."""
    return [
        LLMCall(
            run_id=run_id,
            step=step,
            agent=names.get(call.agent_id or "", call.agent_id or ""),
            provider=call.provider,
            model=call.model,
            purpose=call.purpose,
            system=call.system,
            messages=[dict(m) for m in call.messages],
            response_text=call.response_text,
            parsed=call.parsed,
            tokens_in=call.tokens_in,
            tokens_out=call.tokens_out,
            latency_ms=call.latency_ms,
            retries=call.retries,
            error=call.error or "",
        )
        for call in calls
    ]


def _agent_fields(view: AgentView) -> dict[str, Any]:
    return {
        "status": view.status,
        "emotion": {**view.emotion, "trust": view.trust},
        "location": view.location or "",
        "model": view.model,
    }


def agent_rows_for_new_runs(runs: Sequence[tuple[Run, ScenarioSpec]]) -> None:
    """Create each run's Agent rows as the engine expands its templates."""
    rows: list[Agent] = []
    for run, spec in runs:
        simulation = Simulation.create(
            spec,
            seed=run.seed,
            run_id=str(run.pk),
            model_override=run.overrides.get("model_override") or None,
        )
        for name, view in simulation.agents.items():
            state = simulation.states[name]
            rows.append(
                Agent(
                    run=run,
                    key=view.id,
                    name=name,
                    template_id=view.template_id,
                    kind=view.kind,
                    role=view.role,
                    persona=state.spec.persona,
                    **_agent_fields(view),
                )
            )
    Agent.objects.bulk_create(rows, batch_size=1000)


def agent_rows_for_new_run(run: Run, spec: ScenarioSpec) -> None:
    agent_rows_for_new_runs([(run, spec)])


def agent_updates(
    run_id: int, views: dict[str, AgentView], calls: Sequence[LLMCallRecord]
) -> list[Agent]:
    """Agent rows carrying the engine's current picture and token totals, for a bulk update."""
    names = {view.id: name for name, view in views.items()}
    tokens: dict[str, tuple[int, int]] = {}
    for call in calls:
        name = names.get(call.agent_id or "", "")
        spent_in, spent_out = tokens.get(name, (0, 0))
        tokens[name] = (spent_in + call.tokens_in, spent_out + call.tokens_out)
    rows = Agent.objects.filter(run_id=run_id).only("id", "name", "tokens_in", "tokens_out")
    updates = []
    for row in rows:
        view = views.get(row.name)
        if view is None:
            continue
        spent_in, spent_out = tokens.get(row.name, (0, 0))
        updates.append(
            Agent(
                id=row.id,
                tokens_in=row.tokens_in + spent_in,
                tokens_out=row.tokens_out + spent_out,
                **_agent_fields(view),
            )
        )
    return updates


AGENT_UPDATE_FIELDS = ["status", "emotion", "location", "model", "tokens_in", "tokens_out"]
