"""The sink: one transaction per tick, then a notification to the run's watchers.

On PostgreSQL (psycopg 3) a tick is written with a handful of statements whatever its
size: the step (its snapshot as a keyframe or a delta, `runs_app.services.snapshots`),
then the messages, events, LLM calls and memory records each as one COPY, every agent in
one UPDATE ... FROM unnest(...), and the run's counters in one UPDATE ... RETURNING.
Other databases take the ORM path; both write the same values (see `adapters`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from agents_app.models import Agent, AgentMemory
from runs_app.broadcast import broadcast_to_run, tick_committed_payload
from runs_app.models import Event, LLMCall, Message, PendingControl, Run, Step
from runs_app.services.adapters import (
    AGENT_STATE_FIELDS,
    AGENT_UPDATE_FIELDS,
    agent_changes,
    agent_ids,
    agent_updates,
    event_fields,
    event_rows,
    llm_call_field_rows,
    llm_call_rows,
    memory_fields,
    memory_rows,
    message_fields,
    message_rows,
)
from runs_app.services.json_text import json_text
from runs_app.services.snapshots import snapshot_fields
from simengine.core.simulation import AgentView, TickResult


def commit_tick(
    run_id: int,
    result: TickResult,
    controls: Sequence[PendingControl],
    agents: dict[str, AgentView],
    *,
    consume_step: bool,
    owners: Mapping[str, int] | None = None,
    previous_snapshot: dict[str, Any] | None = None,
) -> None:
    """Persist a tick atomically; IntegrityError when this tick was already committed.

    `owners` maps agent names to Agent pks for the tick's memory rows (looked up when
    not given). `previous_snapshot` is the snapshot committed for the tick before: the
    step is then stored as a delta against it (else as a keyframe).
    """
    step = result.tick
    if result.memories and owners is None:
        owners = agent_ids(run_id)
    tokens = (
        sum(call.tokens_in for call in result.calls),
        sum(call.tokens_out for call in result.calls),
    )
    write = _write_bulk if _bulk_writes_supported() else _write_orm
    stored = snapshot_fields(step, result.snapshot, previous_snapshot)
    with transaction.atomic():
        status = write(
            run_id, result, stored, agents, tokens, owners or {}, consume_step=consume_step
        )
        if controls:
            PendingControl.objects.filter(pk__in=[c.pk for c in controls]).update(applied_step=step)
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


def _write_orm(
    run_id: int,
    result: TickResult,
    stored: dict[str, Any],
    agents: dict[str, AgentView],
    tokens: tuple[int, int],
    owners: Mapping[str, int],
    *,
    consume_step: bool,
) -> str:
    step = result.tick
    names = {view.id: name for name, view in agents.items()}
    Step.objects.create(run_id=run_id, index=step, metrics=result.metrics, **stored)
    AgentMemory.objects.bulk_create(memory_rows(run_id, result.memories, owners))
    Message.objects.bulk_create(message_rows(run_id, step, result.messages))
    Event.objects.bulk_create(event_rows(run_id, step, result.events))
    LLMCall.objects.bulk_create(llm_call_rows(run_id, step, result.calls, names))
    Agent.objects.bulk_update(agent_updates(run_id, agents, result.calls), AGENT_UPDATE_FIELDS)
    updates: dict[str, Any] = {
        "current_step": step,
        "metrics": result.metrics,
        "tokens_in": F("tokens_in") + tokens[0],
        "tokens_out": F("tokens_out") + tokens[1],
    }
    if consume_step:
        updates["pending_steps"] = F("pending_steps") - 1
    Run.objects.filter(pk=run_id).update(**updates)
    return Run.objects.filter(pk=run_id).values_list("status", flat=True).get()


# -- PostgreSQL ------------------------------------------------------------------------------


def _bulk_writes_supported() -> bool:
    if connection.vendor != "postgresql":
        return False
    # django-stubs has no stubs for this module of Django's PostgreSQL backend.
    from django.db.backends.postgresql.psycopg_any import is_psycopg3  # type: ignore[import-untyped]

    return is_psycopg3


def _write_bulk(
    run_id: int,
    result: TickResult,
    stored: dict[str, Any],
    agents: dict[str, AgentView],
    tokens: tuple[int, int],
    owners: Mapping[str, int],
    *,
    consume_step: bool,
) -> str:
    step = result.tick
    now = timezone.now()
    names = {view.id: name for name, view in agents.items()}
    with connection.cursor() as cursor:
        cursor.execute(
            _step_insert_sql(),
            [
                run_id,
                step,
                stored["snapshot_data"],
                stored["keyframe"],
                json.dumps(result.metrics),
                now,
            ],
        )
        _copy(cursor, Message, [message_fields(run_id, step, m) for m in result.messages], now)
        _copy(cursor, Event, [event_fields(run_id, step, e) for e in result.events], now)
        _copy(cursor, LLMCall, llm_call_field_rows(run_id, step, result.calls, names), now)
        memories = [memory_fields(run_id, owners[r.agent], r) for r in result.memories]
        _copy(cursor, AgentMemory, memories, now)
        _update_agents(cursor, run_id, agent_changes(agents, result.calls))
        cursor.execute(
            _run_update_sql(consume_step), [step, json.dumps(result.metrics), *tokens, run_id]
        )
        return cursor.fetchone()[0]


def _copy(cursor, model: type[models.Model], rows: list[dict[str, Any]], now) -> None:
    """Insert `rows` (field name -> value, the same names in each) with one COPY."""
    if not rows:
        return
    names = tuple(rows[0])
    statement, json_names = _copy_sql(model, names)
    with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([_json(row[n]) if n in json_names else row[n] for n in names] + [now])


def _json(value: Any) -> str | None:
    """What Django's JSONField stores: the value as JSON text, None as SQL NULL."""
    return None if value is None else json_text(value)


def _update_agents(cursor, run_id: int, changes: dict[str, dict[str, Any]]) -> None:
    """Every agent's state and token increments in one UPDATE ... FROM unnest(...)."""
    if not changes:
        return
    columns: list[list[Any]] = [list(changes)]
    columns += [[c[f] for c in changes.values()] for f in AGENT_STATE_FIELDS if f != "emotion"]
    emotions = [json_text(c["emotion"]) for c in changes.values()]
    spent = [[c[f] for c in changes.values()] for f in ("tokens_in", "tokens_out")]
    cursor.execute(_agent_update_sql(), [*columns, emotions, *spent, run_id])


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(model: type[models.Model], field: str) -> str:
    return _q(_db_column(model, field))


def _db_column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} is not a database column")
    return field.column


@cache
def _copy_sql(model: type[models.Model], names: tuple[str, ...]) -> tuple[str, frozenset[str]]:
    """COPY into `names` plus created_at; also which of the names are JSON fields."""
    all_names = (*names, "created_at")
    columns = ", ".join(_column(model, name) for name in all_names)
    fields = [model._meta.get_field(name) for name in all_names]
    json_names = frozenset(f.name for f in fields if isinstance(f, models.JSONField))
    return f"COPY {_q(model._meta.db_table)} ({columns}) FROM STDIN", json_names


@cache
def _step_insert_sql() -> str:
    fields = ("run", "index", "snapshot_data", "keyframe", "metrics", "created_at")
    columns = ", ".join(_column(Step, f) for f in fields)
    return (
        f"INSERT INTO {_q(Step._meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s, %s::jsonb, %s)"
    )


@cache
def _run_update_sql(consume_step: bool) -> str:
    def col(field: str) -> str:
        return _column(Run, field)

    sets = [
        f"{col('current_step')} = %s",
        f"{col('metrics')} = %s::jsonb",
        f"{col('tokens_in')} = {col('tokens_in')} + %s",
        f"{col('tokens_out')} = {col('tokens_out')} + %s",
    ]
    if consume_step:
        sets.append(f"{col('pending_steps')} = {col('pending_steps')} - 1")
    return (
        f"UPDATE {_q(Run._meta.db_table)} SET {', '.join(sets)} "
        f"WHERE {col('id')} = %s RETURNING {col('status')}"
    )


@cache
def _agent_update_sql() -> str:
    """A fixed statement whatever the number of agents (psycopg caches short statements)."""
    table = _q(Agent._meta.db_table)
    counters = ("tokens_in", "tokens_out")
    texts = [f for f in AGENT_STATE_FIELDS if f != "emotion"]
    sets = [f"{_column(Agent, f)} = v.{f}" for f in AGENT_STATE_FIELDS]
    sets += [f"{_column(Agent, f)} = {table}.{_column(Agent, f)} + v.{f}" for f in counters]
    # %b: arrays go over in binary, with no per-character escaping of the JSON text
    arrays = ["%b::text[]"] * (1 + len(texts)) + ["%b::text[]::jsonb[]"] + ["%b::bigint[]"] * 2
    names = ", ".join(("name", *texts, "emotion", *counters))
    return (
        f"UPDATE {table} SET {', '.join(sets)} FROM unnest({', '.join(arrays)}) AS v({names}) "
        f"WHERE {table}.{_column(Agent, 'run')} = %s AND {table}.{_column(Agent, 'name')} = v.name"
    )
