"""Reads of runs, batches and their records: the run list filters, console reads, comparisons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from importlib import import_module
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.db.models import Q, QuerySet

from agents_app.models import Agent, AgentMemory
from runs_app.models import (
    PROMPT_RELATIONS,
    Batch,
    Evaluation,
    Event,
    LLMCall,
    Message,
    Run,
    RunStatus,
    Step,
)
from runs_app.services.config import run_spec
from runs_app.services.snapshots import snapshot_at as stored_snapshot_at
from runs_app.services.snapshots import snapshot_latest
from simengine.web.access import visible


def run_list_recent(*, limit: int | None = 50) -> QuerySet[Run]:
    """The newest runs, for the home page's table (all of them with `limit` None)."""
    runs = Run.objects.select_related("scenario_version__scenario", "batch")
    return runs if limit is None else runs[:limit]


def run_list(
    *,
    scenario: int | None = None,
    version: int | None = None,
    status: str | None = None,
    outcome: str | None = None,
    batch: int | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    seed: int | None = None,
    param: tuple[str, Any] | None = None,
    parent: int | None = None,
) -> QuerySet[Run]:
    """Runs, newest first, narrowed by ids, status, outcome, creation time, seed and a parameter.

    `param` is `(name, value)`: a batch grid cell's or the run's own override; `parent`
    keeps the forks of that run.
    """
    runs = Run.objects.select_related("scenario_version__scenario", "batch", "created_by")
    if scenario is not None:
        runs = runs.filter(scenario_version__scenario_id=scenario)
    if version is not None:
        runs = runs.filter(scenario_version_id=version)
    if status is not None:
        runs = runs.filter(status=status)
    if outcome is not None:
        runs = runs.filter(outcome=outcome)
    if batch is not None:
        runs = runs.filter(batch_id=batch)
    if created_after is not None:
        runs = runs.filter(created_at__gte=created_after)
    if created_before is not None:
        runs = runs.filter(created_at__lt=created_before)
    if seed is not None:
        runs = runs.filter(seed=seed)
    if parent is not None:
        runs = runs.filter(parent_id=parent)
    if param is not None:
        name, value = param
        runs = runs.filter(
            Q(**{f"grid_cell__{name}": value}) | Q(**{f"overrides__params__{name}": value})
        )
    return runs


def batch_list(*, scenario: int | None = None, status: str | None = None) -> QuerySet[Batch]:
    """Batches with their version and creator loaded, narrowed by scenario and status."""
    batches = Batch.objects.select_related("scenario_version__scenario", "created_by")
    if scenario is not None:
        batches = batches.filter(scenario_version__scenario_id=scenario)
    if status is not None:
        batches = batches.filter(status=status)
    return batches


def batch_completed_finals(*, batch: Batch) -> Iterator[tuple[str, dict, dict]]:
    """`(cell_key, grid_cell, final metrics)` of the batch's completed runs, cell by cell."""
    rows = batch.runs.filter(status=RunStatus.COMPLETED).order_by("cell_key", "seed")
    return rows.values_list("cell_key", "grid_cell", "metrics").iterator(chunk_size=500)


def run_rooms_of_agent(*, run: Run, agent_name: str) -> list[str]:
    """Ids of the rooms `agent_name` belongs to in this run (templates expanded)."""
    members = run_spec(run).room_members()
    return [room for room, names in members.items() if agent_name in names]


def message_list(
    *,
    run: Run,
    agent: str | None = None,
    room: str | None = None,
    from_step: int | None = None,
    to_step: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Message]:
    """A run's messages in (step, id) order.

    `agent`: what that agent sent or could read (direct to it, its rooms, broadcasts,
    words spoken where it stood);
    `room`: what was said in that room; steps are inclusive, `since` inclusive and
    `until` exclusive.
    """
    messages = Message.objects.filter(run=run)
    if agent is not None:
        rooms = run_rooms_of_agent(run=run, agent_name=agent)
        messages = messages.filter(
            Q(sender=agent)
            | Q(channel=Message.Channel.DIRECT, recipient=agent)
            | Q(channel=Message.Channel.ROOM, recipient__in=rooms)
            | Q(channel=Message.Channel.ALL)
            | Q(audience__contains=f"|{agent}|")
        )
    if room is not None:
        messages = messages.filter(channel=Message.Channel.ROOM, recipient=room)
    messages = _step_range(messages, "step", from_step, to_step)
    if since is not None:
        messages = messages.filter(created_at__gte=since)
    if until is not None:
        messages = messages.filter(created_at__lt=until)
    return messages.order_by("step", "id")


def step_list(
    *, run: Run, from_step: int | None = None, to_step: int | None = None
) -> QuerySet[Step]:
    """A run's committed steps in index order, within an inclusive step range."""
    return _step_range(Step.objects.filter(run=run), "index", from_step, to_step).order_by(
        "index", "id"
    )


def event_list(
    *,
    run: Run,
    type: str | None = None,
    agent: str | None = None,
    from_step: int | None = None,
    to_step: int | None = None,
) -> QuerySet[Event]:
    """A run's events in (step, id) order, narrowed by type, agent and an inclusive step range."""
    events = Event.objects.filter(run=run)
    if type is not None:
        events = events.filter(type=type)
    if agent is not None:
        events = events.filter(agent=agent)
    return _step_range(events, "step", from_step, to_step).order_by("step", "id")


def llm_call_list(
    *,
    run: Run,
    agent: str | None = None,
    purpose: str | None = None,
    from_step: int | None = None,
    to_step: int | None = None,
) -> QuerySet[LLMCall]:
    """A run's model calls in (step, id) order, narrowed by agent, purpose and step range."""
    calls = LLMCall.objects.filter(run=run).select_related(*PROMPT_RELATIONS)
    if agent is not None:
        calls = calls.filter(agent=agent)
    if purpose is not None:
        calls = calls.filter(purpose=purpose)
    return _step_range(calls, "step", from_step, to_step).order_by("step", "id")


def llm_call_search(
    *,
    run: int | None = None,
    agent: str | None = None,
    model: str | None = None,
    purpose: str | None = None,
    outcome: str | None = None,
    from_step: int | None = None,
    to_step: int | None = None,
    user: Any = None,
) -> QuerySet[LLMCall]:
    """Model calls across runs (the call explorer), narrowed by each filter given.

    With `user`, only calls of runs that user may read. Unordered: the explorer's keyset
    pagination orders by the chosen sort key and id.
    """
    calls = LLMCall.objects.all()
    if user is not None:
        calls = calls.filter(run__in=visible(Run.objects.all(), user).values("pk"))
    if run is not None:
        calls = calls.filter(run_id=run)
    if agent is not None:
        calls = calls.filter(agent=agent)
    if model is not None:
        calls = calls.filter(model=model)
    if purpose is not None:
        calls = calls.filter(purpose=purpose)
    if outcome is not None:
        calls = calls.filter(outcome=outcome)
    return _step_range(calls, "step", from_step, to_step)


def llm_call_models() -> list[str]:
    """Every model id that has recorded calls (the explorer's model filter)."""
    return _distinct_call_values("model")


def llm_call_purposes() -> list[str]:
    """Every purpose that has recorded calls."""
    return _distinct_call_values("purpose")


def _distinct_call_values(field: Literal["model", "purpose"]) -> list[str]:
    """The distinct values of an indexed call column, one index probe per value.

    `SELECT DISTINCT` reads every call (millions after a large batch); this walks the
    `(field, id)` index from each value to the next one instead (a "loose index scan").
    """
    table = connection.ops.quote_name(LLMCall._meta.db_table)
    column = connection.ops.quote_name(field)  # plain fields: the column has the field's name
    sql = f"""
        WITH RECURSIVE found(value) AS (
            SELECT MIN({column}) FROM {table}
            UNION ALL
            SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > found.value)
            FROM found WHERE found.value IS NOT NULL
        )
        SELECT value FROM found WHERE value IS NOT NULL
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return sorted(row[0] for row in cursor.fetchall())


def llm_call_neighbours(*, call: LLMCall) -> tuple[LLMCall | None, LLMCall | None]:
    """The same agent's calls of the same purpose at the tick before and the tick after."""
    same = LLMCall.objects.filter(run_id=call.run_id, agent=call.agent, purpose=call.purpose)
    before = same.filter(step__lt=call.step).order_by("-step", "id").first()
    after = same.filter(step__gt=call.step).order_by("step", "id").first()
    return before, after


def llm_call_get(*, pk: int, user: Any = None) -> LLMCall:
    """One recorded call with its run (LLMCall.DoesNotExist when there is none).

    With `user`, a call of a run that user may not read does not exist either.
    """
    calls = LLMCall.objects.select_related("run__scenario_version__scenario", *PROMPT_RELATIONS)
    if user is not None:
        calls = calls.filter(run__in=visible(Run.objects.all(), user).values("pk"))
    return calls.get(pk=pk)


def llm_call_prompt_at(*, run: int, agent: str, step: int, purpose: str = "decide") -> LLMCall:
    """The agent's first `purpose` call at `step` (LLMCall.DoesNotExist when there is none)."""
    calls = LLMCall.objects.filter(run_id=run, agent=agent, step=step, purpose=purpose)
    call = calls.select_related(*PROMPT_RELATIONS).order_by("id").first()
    if call is None:
        raise LLMCall.DoesNotExist(f"{agent} made no {purpose} call at step {step} of run {run}")
    return call


def evaluation_list(*, run: int | None = None) -> QuerySet[Evaluation]:
    """Evaluations, newest first, of one run or of all."""
    evaluations = Evaluation.objects.select_related("run")
    if run is not None:
        evaluations = evaluations.filter(run_id=run)
    return evaluations.order_by("-created_at", "-id")


def _step_range(queryset: QuerySet, field: str, low: int | None, high: int | None) -> QuerySet:
    if low is not None:
        queryset = queryset.filter(**{f"{field}__gte": low})
    if high is not None:
        queryset = queryset.filter(**{f"{field}__lte": high})
    return queryset


# -- console reads: live updates, the timeline, decisions, comparisons --


def run_exists(*, pk: int, user: Any = None) -> bool:
    """Whether a run with this id exists (for `user`: one that user may read)."""
    runs = Run.objects.filter(pk=pk)
    return (runs if user is None else visible(runs, user)).exists()


def run_get(*, pk: int) -> Run:
    """One run with its scenario, batch and creator loaded (`Run.DoesNotExist` otherwise)."""
    return Run.objects.select_related("scenario_version__scenario", "batch", "created_by").get(
        pk=pk
    )


def run_metric_series(*, run_id: int, after: int = 0) -> list[dict]:
    """`[{"i": step index, "m": metrics}, ...]` for the run's steps after `after`."""
    rows = Step.objects.filter(run_id=run_id, index__gt=after).order_by("index")
    return [{"i": index, "m": metrics} for index, metrics in rows.values_list("index", "metrics")]


def runs_metric_series(*, run_ids: list[int]) -> dict[int, list[dict]]:
    """Per run id, `[{"i": step index, "m": metrics}, ...]` for every step, for the charts."""
    series: dict[int, list[dict]] = {run_id: [] for run_id in run_ids}
    rows = Step.objects.filter(run_id__in=run_ids).order_by("run_id", "index")
    for run_id, index, metrics in rows.values_list("run_id", "index", "metrics").iterator(
        chunk_size=2000
    ):
        series[run_id].append({"i": index, "m": metrics})
    return series


# -- one tick of a run (the console's scrubber, the step API) ---------------------------------


def step_metrics_at(*, run: Run, index: int) -> dict[str, Any] | None:
    """The metrics committed with tick `index`, or None when the run has no such tick."""
    row = Step.objects.filter(run=run, index=index).values_list("metrics", flat=True).first()
    return dict(row) if isinstance(row, dict) else None


def step_last_index(*, run: Run) -> int:
    """The newest stored tick of a run (0 before its first tick)."""
    last = Step.objects.filter(run=run).order_by("-index").values_list("index", flat=True)
    return last.first() or 0


def step_messages_at(*, run: Run, index: int) -> list[Message]:
    """The messages sent during tick `index`, in order."""
    return list(Message.objects.filter(run=run, step=index).order_by("id"))


def step_world_events_at(*, run: Run, index: int) -> list[Event]:
    """The world's notices (`EnvironmentEvent`) of tick `index`, in order."""
    return list(Event.objects.filter(run=run, step=index, type="EnvironmentEvent").order_by("id"))


def run_events_after(
    *, run_id: int, step: int, exclude: set[int], limit: int = 1000
) -> list[Event]:
    """Events at `step` or later not yet sent (newest `limit`), oldest first."""
    events = Event.objects.filter(run_id=run_id, step__gte=step).exclude(id__in=exclude)
    return list(events.order_by("-step", "-id")[:limit])[::-1]


def run_messages_after(
    *, run_id: int, step: int, exclude: set[int], limit: int = 1000
) -> list[Message]:
    """Messages at `step` or later not yet sent (newest `limit`), oldest first."""
    messages = Message.objects.filter(run_id=run_id, step__gte=step).exclude(id__in=exclude)
    return list(messages.order_by("-step", "-id")[:limit])[::-1]


def timeline_list(
    *,
    run: Run,
    agent: str | None = None,
    type: str | None = None,
    limit: int = 300,
    until: int | None = None,
) -> list[Event]:
    """The newest `limit` events matching the filters, up to tick `until`, oldest first."""
    events = Event.objects.filter(run=run)
    if until is not None:
        events = events.filter(step__lte=until)
    if agent:
        events = events.filter(agent=agent)
    if type:
        events = events.filter(type=type)
    return list(events.order_by("-step", "-id")[:limit])[::-1]


def run_event_types(*, run: Run) -> list[str]:
    """The distinct event types a run has recorded, sorted, for the timeline filter."""
    return sorted(set(Event.objects.filter(run=run).values_list("type", flat=True).distinct()))


def decision_calls(*, event: Event, agent_ids: list[str]) -> list[LLMCall]:
    """The model calls behind an agent's decision (its calls at the event's step)."""
    if not event.agent:
        return []
    return list(
        LLMCall.objects.filter(
            run_id=event.run_id, step=event.step, agent__in=[event.agent, *agent_ids]
        )
        .select_related(*PROMPT_RELATIONS)
        .order_by("id")
    )


def chat_messages(
    *,
    run: Run,
    target: str,
    text: str = "",
    sender: str = "",
    limit: int = 300,
    until: int | None = None,
) -> list[Message]:
    """The newest messages an agent saw (`agent:<name>`), of a room (`room:<id>`), or all.

    Narrowed to those containing `text` (any case), sent by `sender` and sent at or before
    tick `until`, when given.
    """
    kind, _, name = target.partition(":")
    if kind == "agent" and name:
        messages = message_list(run=run, agent=name)
    elif kind == "room" and name:
        messages = message_list(run=run, room=name)
    else:
        messages = Message.objects.filter(run=run)
    if text:
        messages = messages.filter(text__icontains=text)
    if sender:
        messages = messages.filter(sender=sender)
    if until is not None:
        messages = messages.filter(step__lte=until)
    return list(messages.order_by("-step", "-id")[:limit])[::-1]


def runs_for_comparison(
    *, run_ids: list[int] | None = None, batch: int | None = None, user: Any = None
) -> list[Run]:
    """The runs to compare side by side: the given ids, or every run of a batch.

    With `user`, only the runs that user may read (`simengine.web.access.visible`).
    """
    runs = Run.objects.select_related("scenario_version__scenario", "batch")
    if user is not None:
        runs = visible(runs, user)
    runs = runs.filter(batch_id=batch) if batch is not None else runs.filter(pk__in=run_ids or [])
    return list(runs.prefetch_related("evaluations").order_by("batch_id", "cell_key", "seed", "id"))


# -- long-term memory --------------------------------------------------------------------------


def memory_list(
    *,
    agent: Agent,
    kind: str | None = None,
    from_step: int | None = None,
    to_step: int | None = None,
    min_importance: float | None = None,
    q: str | None = None,
    recalled_at: int | None = None,
) -> QuerySet[AgentMemory]:
    """An agent's memory records in order, narrowed by kind, ticks, importance and text.

    `recalled_at` keeps the records retrieved for the agent's decision at that step.
    """
    memories = AgentMemory.objects.filter(agent=agent).defer("embedding")
    if kind is not None:
        memories = memories.filter(kind=kind)
    memories = _step_range(memories, "tick", from_step, to_step)
    if min_importance is not None:
        memories = memories.filter(importance__gte=min_importance)
    if q:
        memories = memories.filter(text__icontains=q)
    if recalled_at is not None:
        recalled = memory_recall(agent=agent, step=recalled_at)
        memories = memories.filter(seq__in=[r["seq"] for r in recalled])
    return memories


def memory_recall(*, agent: Agent, step: int) -> list[dict[str, Any]]:
    """The retrievals for the agent's decision at `step` (best first): seq, tick, scores."""
    event = (
        Event.objects.filter(
            run_id=agent.run_id, step=step, agent=agent.name, type="MemoriesRecalled"
        )
        .only("data")
        .first()
    )
    return list(event.data.get("memories", [])) if event else []


def memory_recalled_for_decision(*, event: Event) -> list[dict[str, Any]]:
    """What the decision `event` recalled: each retrieval's scores with the record's text."""
    agent = Agent.objects.filter(run_id=event.run_id, name=event.agent).first()
    if agent is None:
        return []
    recalled = memory_recall(agent=agent, step=event.step)
    texts = dict(
        AgentMemory.objects.filter(agent=agent, seq__in=[r["seq"] for r in recalled]).values_list(
            "seq", "text"
        )
    )
    return [{**r, "text": texts.get(r["seq"], "")} for r in recalled]


def memory_recall_counts(*, agent: Agent) -> dict[int, dict[str, Any]]:
    """Per record seq: how often it was recalled, and its latest retrieval's step and score."""
    counts: dict[int, dict[str, Any]] = {}
    events = Event.objects.filter(
        run_id=agent.run_id, agent=agent.name, type="MemoriesRecalled"
    ).order_by("step")
    for step, data in events.values_list("step", "data"):
        for recalled in data.get("memories", []):
            entry = counts.setdefault(recalled["seq"], {"times": 0})
            entry.update(times=entry["times"] + 1, step=step, score=recalled["score"])
    return counts


def memory_store_of(*, agent: Agent) -> dict[str, Any] | None:
    """The agent's memory store as the run's latest step left it (model, fallback, count)."""
    last = snapshot_latest(agent.run_id)
    if last is None:
        return None
    return last[1].get("agents", {}).get(agent.name, {}).get("store")


def snapshot_at(run: Run | int, index: int) -> dict[str, Any] | None:
    """The full state snapshot committed for tick `index` of `run` (None if it has none).

    The one way to read a run's state at a tick (scrubber, forks, API): steps are stored
    as keyframes and deltas (`runs_app.services.snapshots`), decoded here exactly. The
    dict is the caller's own.
    """
    return stored_snapshot_at(run if isinstance(run, int) else run.pk, index)


def session_is_signed_in(session_key: str) -> bool:
    """Whether the login session `session_key` still exists, unexpired, with a user in it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return SESSION_KEY in store.load()
