"""Rendering the run console's live regions: the fragments a watcher is missing.

A watcher holds a cursor: the last step it saw, the events and messages at or after it
that it already has, and what its header, agent rows and evaluation panel showed.
`live_update` renders everything newer than the cursor as htmx out-of-band fragments:
the header (only when it changed, so buttons stay put while a run ticks), the metric
tiles, each changed agent's cells and buttons (in place, by id), the new timeline rows
(`<template>`-wrapped: table rows cannot stand outside a table), the new chat messages,
the evaluation panel when an evaluation arrived, and the new per-tick metrics for the
charts. The WebSocket consumer pushes these after every payload to a watcher that asked
to catch up; `GET /runs/<id>/since/<step>/` serves the same for a client that lost its
socket, so a reconnecting client catches up from the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string

from agents_app.models import Agent
from runs_app.models import FINAL_RUN_STATUSES, ControlKind, PendingControl, Run, RunStatus, Step
from runs_app.selectors import (
    run_events_after,
    run_get,
    run_messages_after,
    run_metric_series,
)
from runs_app.services.evaluation_panel import evaluation_context, evaluation_key
from runs_app.services.world_view import world_view_at

LIVE_STATUSES = tuple(status for status in RunStatus if status not in FINAL_RUN_STATUSES)

# What an agent control queued for the next tick will do, as the agent's row says it.
_PENDING_AGENT_WORDS = {
    ControlKind.PAUSE_AGENT: "pausing",
    ControlKind.RESUME_AGENT: "resuming",
    ControlKind.MUTE_AGENT: "muting",
    ControlKind.TERMINATE_AGENT: "terminating",
    ControlKind.SET_EMOTION: "emotion set",
}


@dataclass
class LiveCursor:
    """What one watcher has: the last step, and ids (-> step) of rows sent at or after it."""

    step: int
    events: dict[int, int] = field(default_factory=dict)
    messages: dict[int, int] = field(default_factory=dict)
    header: str = ""  # what the header showed; it is re-sent only when this changes
    agents: dict[int, str] = field(default_factory=dict)  # agent id -> what its cells showed
    buttons: dict[int, str] = field(default_factory=dict)  # agent id -> what its buttons were
    evaluation: str | None = None  # what the evaluation panel showed (None: not known yet)


def run_controls(run: Run) -> dict[str, bool]:
    """Which control buttons apply to the run's current status."""
    final = run.status in FINAL_RUN_STATUSES
    paused = run.status == RunStatus.PAUSED
    return {
        "start": paused and run.current_step == 0 and not run.pending_steps,
        "resume": (paused and run.current_step > 0 and not run.pending_steps)
        or run.status == RunStatus.FAILED,  # a failed run resumes from its last tick
        "pause": run.status in (RunStatus.RUNNING, RunStatus.QUEUED),
        "step": paused and not run.pending_steps,
        "stop": not final and run.status != RunStatus.STOPPING,
        "final": final,
    }


def header_context(run: Run) -> dict[str, Any]:
    """What the console header shows: controls, latest metrics, progress, pending controls."""
    latest = Step.objects.filter(run=run).order_by("-index").values_list("metrics", flat=True)
    metrics = latest.first() or run.metrics or {}
    return {
        "run": run,
        "controls": run_controls(run),
        "metrics": {k: v for k, v in metrics.items() if isinstance(v, int | float) or v is None},
        "progress": round(100 * run.current_step / run.max_ticks) if run.max_ticks else 0,
        "pending": list(PendingControl.objects.filter(run=run, applied_step=None).order_by("id")),
    }


def agents_with_pending(run: Run, pending: list[PendingControl]) -> list[Agent]:
    """The run's agents in order, each with `pending`: what queued controls will do to it."""
    agents = list(run.agents.order_by("id"))
    for agent in agents:
        agent.pending = [  # type: ignore[attr-defined]
            _PENDING_AGENT_WORDS[ControlKind(c.kind)]
            for c in pending
            if c.kind in _PENDING_AGENT_WORDS and c.payload.get("agent") == agent.name
        ]
    return agents


def _agent_cells_key(agent: Agent) -> str:
    parts = [agent.status, agent.location, agent.emotion, agent.tokens_in, agent.tokens_out]
    return json.dumps([*parts, getattr(agent, "pending", [])], sort_keys=True, default=str)


def _agent_buttons_key(agent: Agent, final: bool) -> str:
    return f"{agent.status}|{final}"


def live_update(run_id: int, cursor: LiveCursor) -> tuple[str, LiveCursor]:
    """The fragments a watcher at `cursor` is missing, and its cursor afterwards."""
    run = run_get(pk=run_id)
    series = run_metric_series(run_id=run_id, after=cursor.step)
    events = run_events_after(run_id=run_id, step=cursor.step, exclude=set(cursor.events))
    messages = run_messages_after(run_id=run_id, step=cursor.step, exclude=set(cursor.messages))
    step = max([cursor.step, *(point["i"] for point in series)])
    sent_events = {**cursor.events, **{e.id: e.step for e in events}}
    sent_messages = {**cursor.messages, **{m.id: m.step for m in messages}}
    header = header_context(run)
    final = header["controls"]["final"]
    header_key = "|".join(
        str(part)
        for part in (
            run.status,
            run.pending_steps,
            [control.pk for control in header["pending"]],
            run.end_reason,
            len(run.notes),
            bool(run.error),
        )
    )
    agents = agents_with_pending(run, header["pending"])
    cells = {agent.pk: _agent_cells_key(agent) for agent in agents}
    buttons = {agent.pk: _agent_buttons_key(agent, final) for agent in agents}
    evaluation = evaluation_key(run)
    context: dict[str, Any] = {
        **header,
        # Controls answered over HTTP also redraw the header, so it is only left
        # alone while a running run ticks (its buttons stay clickable).
        "header_changed": header_key != cursor.header or run.status != RunStatus.RUNNING,
        "changed_agents": [a for a in agents if cursor.agents.get(a.pk) != cells[a.pk]],
        "changed_buttons": [a for a in agents if cursor.buttons.get(a.pk) != buttons[a.pk]],
        "new_events": events,
        "new_messages": messages,
        "new_series": series,
        "cursor_step": step,
        "live": run.status in LIVE_STATUSES,
        "evaluation_changed": cursor.evaluation is not None and evaluation != cursor.evaluation,
    }
    if context["evaluation_changed"]:
        context.update(evaluation_context(run))
    # The world view follows the newest tick: redrawn when a tick arrived, or for a
    # watcher that is catching up (it has no agent cells yet).
    if series or not cursor.agents:
        view = world_view_at(run, step) if step > 0 else None
        context.update(
            world_changed=view is not None, world=view.to_json() if view else None, world_tick=step
        )
    html = render_to_string("runs_app/run_console.html#live", context)
    return html, LiveCursor(
        step=step,
        events={k: s for k, s in sent_events.items() if s >= step},
        messages={k: s for k, s in sent_messages.items() if s >= step},
        header=header_key,
        agents=cells,
        buttons=buttons,
        evaluation=evaluation,
    )
