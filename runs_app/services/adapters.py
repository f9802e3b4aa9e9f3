"""The one module that maps ORM rows to engine objects and back.

Each kind of row has one field mapping (`*_fields`), used both for ORM objects and for
the PostgreSQL bulk path of the sink, so the two write exactly the same values.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from agents_app.models import Agent, AgentMemory
from runs_app.event_data import pack_event_data
from runs_app.models import Event, LLMCall, Message, PendingControl, Run
from runs_app.prompts import answer_fields
from runs_app.services.prompt_texts import stored_prompts
from simengine.core.call_outcomes import CallFacts, call_outcomes
from simengine.core.controls import Control, control_from_json
from simengine.core.decision import LLMCallRecord
from simengine.core.memory import DIMENSION, LOCAL_MODEL, MemoryRecord
from simengine.core.simulation import AgentView, Simulation
from simengine.core.spec import ScenarioSpec


def control_from_row(row: PendingControl) -> Control:
    """The engine control that a pending control row describes."""
    return control_from_json({"kind": row.kind, **row.payload})


def audience_text(names: Iterable[str]) -> str:
    """Recipient names as `|a|b|`, so one `contains` query finds every message a name heard."""
    names = list(names)
    return f"|{'|'.join(names)}|" if names else ""


def message_fields(run_id: int, step: int, m: dict[str, Any]) -> dict[str, Any]:
    """One engine message's row fields."""
    return {
        "run_id": run_id,
        "step": step,
        "message_id": m["id"],
        "sender": m["sender"],
        "channel": m["channel"],
        "recipient": m.get("recipient", ""),
        "audience": audience_text(m.get("recipients", ())),
        "text": m["text"],
        "metadata": m.get("metadata", {}),
    }


def event_fields(run_id: int, step: int, e: dict[str, Any]) -> dict[str, Any]:
    """One engine event's row fields."""
    return {
        "run_id": run_id,
        "step": step,
        "agent": e.get("agent") or "",
        "type": e["type"],
        "data": pack_event_data(e["type"], e.get("data", {})),
    }


def llm_call_fields(
    run_id: int, step: int, call: LLMCallRecord, names: dict[str, str], outcome: str
) -> dict[str, Any]:
    """One call's row but its prompt (`stored_prompts`); `names` maps agent ids to names."""
    return {
        "run_id": run_id,
        "step": step,
        "agent": names.get(call.agent_id or "", call.agent_id or ""),
        "provider": call.provider,
        "model": call.model,
        "purpose": call.purpose,
        "response_text": call.response_text,
        **answer_fields(call.response_text, call.parsed),
        "tokens_in": call.tokens_in,
        "tokens_out": call.tokens_out,
        "latency_ms": call.latency_ms,
        "retries": call.retries,
        "error": call.error or "",
        "output_mode": call.output_mode,
        "outcome": outcome,
    }


def llm_call_field_rows(
    run_id: int, step: int, calls: Sequence[LLMCallRecord], names: dict[str, str]
) -> list[dict[str, Any]]:
    """The rows of calls made together (a tick's, an evaluation's), each with its outcome.

    Their prompt texts are stored here (`prompt_texts`), so call it inside the transaction
    that writes the rows.
    """
    facts = [
        CallFacts(
            who=call.agent_id or "",
            purpose=call.purpose,
            usable=call.parsed is not None,
            error=call.error or "",
            timed_out=call.timed_out,
        )
        for call in calls
    ]
    rows = [
        llm_call_fields(run_id, step, call, names, outcome)
        for call, outcome in zip(calls, call_outcomes(facts), strict=True)
    ]
    prompts = stored_prompts(run_id, step, calls, [row["agent"] for row in rows])
    return [row | prompt for row, prompt in zip(rows, prompts, strict=True)]


def message_rows(run_id: int, step: int, messages: Sequence[dict[str, Any]]) -> list[Message]:
    """Unsaved Message rows for the tick's messages."""
    return [Message(**message_fields(run_id, step, m)) for m in messages]


def event_rows(run_id: int, step: int, events: Sequence[dict[str, Any]]) -> list[Event]:
    """Unsaved Event rows for the tick's events."""
    return [Event(**event_fields(run_id, step, e)) for e in events]


def llm_call_rows(
    run_id: int, step: int, calls: Sequence[LLMCallRecord], names: dict[str, str]
) -> list[LLMCall]:
    """Rows for the tick's calls; `names` maps the engine's agent ids to agent names."""
    return [LLMCall(**fields) for fields in llm_call_field_rows(run_id, step, calls, names)]


EMBEDDING_DTYPE = "<f4"  # little-endian float32, whatever the machine


def encode_vector(vector: np.ndarray | None, model: str) -> bytes:
    """A record's vector as stored: little-endian float32, sparse for the local embedding.

    The local embedding hashes a text's few words into `DIMENSION` buckets, so most of its
    values are zero: it is stored as the non-zero positions (one byte each) followed by
    their float32 values, about a third of the dense size and exactly the same vector.
    """
    if vector is None:
        return b""
    if model == LOCAL_MODEL and len(vector) == DIMENSION <= 256:
        positions = np.flatnonzero(vector)
        values = vector[positions].astype(EMBEDDING_DTYPE)
        return SPARSE_MARK + positions.astype(np.uint8).tobytes() + values.tobytes()
    return vector.astype(EMBEDDING_DTYPE).tobytes()


def decode_vector(raw: bytes, model: str) -> np.ndarray | None:
    """The float32 vector `encode_vector` stored (None for none)."""
    if not raw:
        return None
    if model == LOCAL_MODEL and raw[:1] == SPARSE_MARK and len(raw) != DIMENSION * 4:
        count = (len(raw) - 1) // 5
        positions = np.frombuffer(raw, dtype=np.uint8, count=count, offset=1)
        vector = np.zeros(DIMENSION, dtype=np.float32)
        vector[positions] = np.frombuffer(raw, dtype=EMBEDDING_DTYPE, offset=1 + count)
        return vector
    return np.frombuffer(raw, dtype=EMBEDDING_DTYPE).astype(np.float32)


SPARSE_MARK = b"s"  # a sparse vector's first byte (its length, 1 + 5n, is never 4 x 256)


def memory_fields(run_id: int, agent_id: int, record: MemoryRecord) -> dict[str, Any]:
    """One memory record's row; `agent_id` is the pk of the Agent row that owns it."""
    return {
        "run_id": run_id,
        "agent_id": agent_id,
        "seq": record.seq,
        "tick": record.tick,
        "kind": record.kind,
        "text": record.text,
        "importance": record.importance,
        "embedding": encode_vector(record.embedding, record.embedding_model),
        "embedding_model": record.embedding_model,
        "sources": list(record.sources),
    }


def memory_rows(
    run_id: int, records: Sequence[MemoryRecord], agent_ids: Mapping[str, int]
) -> list[AgentMemory]:
    """Rows for the tick's new memory records; `agent_ids` maps agent names to Agent pks."""
    return [AgentMemory(**memory_fields(run_id, agent_ids[r.agent], r)) for r in records]


def memory_record(agent: str, row: Mapping[str, Any]) -> MemoryRecord:
    """The engine's record from a row's values (`MEMORY_VALUES`)."""
    return MemoryRecord(
        agent=agent,
        seq=row["seq"],
        tick=row["tick"],
        kind=row["kind"],
        text=row["text"],
        importance=row["importance"],
        embedding=decode_vector(bytes(row["embedding"]), row["embedding_model"]),
        embedding_model=row["embedding_model"],
        sources=tuple(row["sources"]),
    )


MEMORY_VALUES = ("seq", "tick", "kind", "text", "importance", "embedding", "embedding_model")


# runs whose records this process loaded last: (run id, identity) -> (upto, records)
_loaded_records: OrderedDict[tuple[int, object], tuple[int, list[MemoryRecord]]] = OrderedDict()
LOADED_RUNS_KEPT = 8
LOADED_RECORDS_KEPT = 50_000  # about 75 MB; the run just loaded is kept whatever its size


def memory_records(run_id: int, *, upto: int, keep_as: object = None) -> list[MemoryRecord]:
    """Every agent's memory records of a run up to tick `upto`: what restoring needs.

    Records never change once committed (a tick's records commit with the tick). With
    `keep_as` (something that tells this run from another that reused its id, such as its
    creation time) the process keeps the records it loaded for its last few runs and
    reads only the ticks committed since: the next slice of a run restores without
    reading its whole history again (that read grew with the run, and so did each slice).
    """
    key = (run_id, keep_as)
    kept = _loaded_records.pop(key, None) if keep_as is not None else None
    since, records = (kept[0], list(kept[1])) if kept and kept[0] <= upto else (-1, [])
    names = dict(Agent.objects.filter(run_id=run_id).values_list("id", "name"))
    fields = ("agent_id", "sources", *MEMORY_VALUES)
    rows = (
        AgentMemory.objects.filter(run_id=run_id, tick__gt=since, tick__lte=upto)
        .order_by("agent_id", "seq")
        .values_list(*fields)
    )
    records += [
        memory_record(names[row[0]], dict(zip(fields, row, strict=True)))
        for row in rows.iterator(chunk_size=5000)
    ]
    if keep_as is not None:
        _loaded_records[key] = (upto, records)
        while len(_loaded_records) > 1 and (
            len(_loaded_records) > LOADED_RUNS_KEPT
            or sum(len(entry[1]) for entry in _loaded_records.values()) > LOADED_RECORDS_KEPT
        ):
            _loaded_records.popitem(last=False)
    return list(records)


def agent_ids(run_id: int) -> dict[str, int]:
    """Agent name -> Agent pk for a run (the owners of its memory rows)."""
    return dict(Agent.objects.filter(run_id=run_id).values_list("name", "id"))


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
        rows += _agent_rows(run, simulation)
    Agent.objects.bulk_create(rows, batch_size=1000)


def agent_rows_for_simulation(run: Run, simulation: Simulation) -> dict[str, int]:
    """Create a run's Agent rows from a simulation's agents as they stand (a fork's, at k).

    Returns agent name -> Agent pk.
    """
    Agent.objects.bulk_create(_agent_rows(run, simulation), batch_size=1000)
    return agent_ids(run.pk)


def _agent_rows(run: Run, simulation: Simulation) -> list[Agent]:
    """Unsaved Agent rows for the simulation's agents as they stand."""
    return [
        Agent(
            run=run,
            key=view.id,
            name=name,
            template_id=view.template_id,
            kind=view.kind,
            role=view.role,
            persona=simulation.states[name].spec.persona,
            **_agent_fields(view),
        )
        for name, view in simulation.agents.items()
    ]


def agent_rows_for_new_run(run: Run, spec: ScenarioSpec) -> None:
    """Create one new run's Agent rows (see `agent_rows_for_new_runs`)."""
    agent_rows_for_new_runs([(run, spec)])


def agent_changes(
    views: dict[str, AgentView], calls: Sequence[LLMCallRecord]
) -> dict[str, dict[str, Any]]:
    """Per agent name: its current picture (`AGENT_STATE_FIELDS`) and the tokens it spent now.

    The token figures are increments (`tokens_in`, `tokens_out`) to add to the stored totals.
    """
    names = {view.id: name for name, view in views.items()}
    tokens: dict[str, tuple[int, int]] = {}
    for call in calls:
        name = names.get(call.agent_id or "", "")
        spent_in, spent_out = tokens.get(name, (0, 0))
        tokens[name] = (spent_in + call.tokens_in, spent_out + call.tokens_out)
    changes = {}
    for name, view in views.items():
        spent_in, spent_out = tokens.get(name, (0, 0))
        changes[name] = {**_agent_fields(view), "tokens_in": spent_in, "tokens_out": spent_out}
    return changes


def agent_updates(
    run_id: int, views: dict[str, AgentView], calls: Sequence[LLMCallRecord]
) -> list[Agent]:
    """Agent rows carrying the engine's current picture and token totals, for a bulk update."""
    changes = agent_changes(views, calls)
    rows = Agent.objects.filter(run_id=run_id).only("id", "name", "tokens_in", "tokens_out")
    updates = []
    for row in rows:
        change = changes.get(row.name)
        if change is None:
            continue
        updates.append(
            Agent(
                id=row.id,
                **{
                    **change,
                    "tokens_in": row.tokens_in + change["tokens_in"],
                    "tokens_out": row.tokens_out + change["tokens_out"],
                },
            )
        )
    return updates


AGENT_STATE_FIELDS = ["status", "emotion", "location", "model"]
AGENT_UPDATE_FIELDS = [*AGENT_STATE_FIELDS, "tokens_in", "tokens_out"]
