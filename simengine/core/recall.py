"""Long-term memory within a tick: situation records, embedding, retrieval, reflections.

`Simulation.step` calls these around the decisions: `note_situation` before an agent's
request is built, `embed_pending` once the tick's new records exist (before retrieval and
again at the end of the tick), and `recall` per decision
(`simengine.core.rating.settle` rates and reflects after the dynamics).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simengine.core.events import MemoriesRecalled, MemoryFallback
from simengine.core.memory import (
    LOCAL_MODEL,
    Embeddings,
    EmbeddingUnavailable,
    EpisodicStore,
    LocalEmbeddings,
    MemoryRecord,
    embed_local,
)
from simengine.core.run_state import SimulationState
from simengine.core.turns import Turns

QUERY_KINDS = frozenset({"observation", "message", "command"})


def note_situation(turns: Turns, name: str, observation: Mapping[str, Any]) -> None:
    """Record what the agent perceives now as an observation memory, unless unchanged."""
    run = turns.run
    store = run.agents[name].memory.store
    if store is None:
        return
    text = run.kind.situation(run.world, name, observation)
    last = store.last_situation
    if last is not None and store.records[last].text == " ".join(text.split()):
        return
    turns.perceive(
        name, "observation", text, wake=False, tags={"observation": observation}, window=False
    )


async def embed_pending(run: SimulationState, embeddings: Embeddings | None, turns: Turns) -> None:
    """Give every new record its vector: one call per embedding model for the whole tick.

    A model that cannot be served moves its stores to the local embedding for good (an
    event says why), so the run goes on.
    """
    groups: dict[str, list[EpisodicStore]] = {}
    for name in run.roster:
        store = run.agents[name].memory.store
        if store is not None and store.unembedded():
            groups.setdefault(store.model, []).append(store)
    for model, stores in groups.items():
        if model == LOCAL_MODEL:
            for store in stores:
                store.attach([embed_local(r.text) for r in store.unembedded()], LOCAL_MODEL)
            continue
        texts = [r.text for store in stores for r in store.unembedded()]
        try:
            vectors = await (embeddings or LocalEmbeddings()).embed(model, texts)
        except EmbeddingUnavailable as exc:
            for store in stores:
                store.use_local(str(exc))
                store.attach([embed_local(r.text) for r in store.unembedded()], LOCAL_MODEL)
                turns.log.add(
                    MemoryFallback(
                        turns.tick, store.agent, requested=model, model=LOCAL_MODEL, reason=str(exc)
                    )
                )
            continue
        start = 0
        for store in stores:
            count = len(store.unembedded())
            store.attach(vectors[start : start + count], model)
            start += count


def recall(turns: Turns, name: str, since: int, window: set[int]) -> tuple[str, ...]:
    """The agent's retrieved memories as prompt lines (best first); logs which and why.

    The query is the situation: the records this tick added from `since` on (what it
    perceives and hears now), else its latest observation.
    """
    store = turns.run.agents[name].memory.store
    if store is None:
        return ()
    seqs = [r.seq for r in store.records[since:] if r.kind in QUERY_KINDS]
    if store.last_situation is not None and store.last_situation not in seqs:
        seqs.append(store.last_situation)
    # the query's own records are what the prompt shows as "now": never recalled
    recalled = store.retrieve(turns.tick, store.query(seqs), exclude=window | set(seqs))
    if recalled:
        turns.log.add(MemoriesRecalled(turns.tick, name, memories=[r.to_json() for r in recalled]))
    return tuple(r.record.line() for r in recalled)


def drain(run: SimulationState) -> list[MemoryRecord]:
    """Every store's records new since the last tick, in roster order."""
    records: list[MemoryRecord] = []
    for name in run.roster:
        store = run.agents[name].memory.store
        if store is not None:
            records.extend(store.drain())
    return records
