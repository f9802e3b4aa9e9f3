"""Reading a run from the database into the core's bounded `RunSummary`.

Only sampled steps are loaded (metrics and agents' emotions at `sample_ticks`), and events
and messages are streamed once in id order, so memory stays flat however long the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from agents_app.models import Agent
from runs_app.models import Event, Message, Run, Step
from runs_app.services.snapshots import snapshots_at
from simengine.core.evaluation import (
    AgentInfo,
    RunFacts,
    RunSummary,
    SummaryBuilder,
    SummaryLimits,
)
from simengine.core.spec import ScenarioSpec
from simengine.core.worlds import get_world_kind

SUMMARY_EVENT_TYPES = ("AgentDecided", "AgentActed", "ActionRejected", "EnvironmentEvent")
CHUNK = 2000


def run_facts(run: Run, spec: ScenarioSpec) -> RunFacts:
    """What the evaluator is told about a run: scenario, end conditions, agents, final metrics."""
    termination = spec.termination
    agents = tuple(
        AgentInfo(name, role, kind)
        for name, role, kind in Agent.objects.filter(run=run)
        .order_by("id")
        .values_list("name", "role", "kind")
    )
    return RunFacts(
        run_id=str(run.pk),
        scenario=spec.name,
        world_kind=spec.world.kind,
        status=run.status,
        end_reason=run.end_reason,
        ticks=run.current_step,
        max_ticks=run.max_ticks,
        description=spec.description,
        success=termination.success.describe() if termination.success else None,
        failure=termination.failure.describe() if termination.failure else None,
        agents=agents,
        final_metrics=dict(run.metrics or {}),
        cooperative_actions=get_world_kind(spec.world.kind).cooperative_actions,
    )


def _emotions(run: Run, ticks: list[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, snapshot in snapshots_at(run.pk, ticks):
        agents = snapshot.get("agents")
        if isinstance(agents, dict):
            yield (
                index,
                {
                    name: data.get("emotion", {})
                    for name, data in agents.items()
                    if isinstance(data, dict)
                },
            )


def _events(run: Run) -> Iterator[dict[str, Any]]:
    rows = Event.objects.filter(run=run, type__in=SUMMARY_EVENT_TYPES).order_by("step", "id")
    for step, kind, agent, data in rows.values_list("step", "type", "agent", "data").iterator(
        chunk_size=CHUNK
    ):
        yield {"tick": step, "type": kind, "agent": agent, "data": data}


def _recipient(channel: str, recipient: str) -> str:
    if channel == Message.Channel.ROOM:
        return f"#{recipient}"
    if channel == Message.Channel.LOCAL:
        return f"those at {recipient}" if recipient else "those nearby"
    return recipient or "all"


def _messages(run: Run) -> Iterator[dict[str, Any]]:
    rows = Message.objects.filter(run=run).order_by("step", "id")
    fields = ("step", "sender", "channel", "recipient", "text")
    for step, sender, channel, recipient, text in rows.values_list(*fields).iterator(
        chunk_size=CHUNK
    ):
        to = _recipient(channel, recipient)
        yield {"tick": step, "sender": sender, "to": to, "channel": channel, "text": text}


def run_summary(run: Run, spec: ScenarioSpec, limits: SummaryLimits | None = None) -> RunSummary:
    """The bounded summary of a run as it stands in the database."""
    builder = SummaryBuilder(run_facts(run, spec), limits)
    metrics = Step.objects.filter(run=run, index__in=builder.ticks).order_by("index")
    builder.add_metrics(metrics.values_list("index", "metrics"))
    builder.add_emotions(_emotions(run, builder.ticks))
    builder.add_events(_events(run))
    builder.add_messages(_messages(run))
    return builder.build()
