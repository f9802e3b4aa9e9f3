"""Memory rows: written with each tick, equal to the engine's, restored exactly after a crash."""

import signal

import numpy as np
import pytest

from agents_app.models import AgentMemory
from runs_app.models import Run
from runs_app.selectors import snapshot_at
from runs_app.services.adapters import decode_vector, encode_vector, memory_records
from runs_app.services.config import run_spec
from runs_app.services.runs import run_create
from simengine.core.memory import MemoryRecord
from simengine.core.offline import OfflineDecisionMaker
from simengine.core.simulation import Simulation
from tests.core.helpers import run_ticks
from tests.processes import celery_worker, start_celery_worker
from tests.runs_app.factories import small_flood_version, wait_for_run, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)

MEMORY = {"retrieve_k": 4, "token_budget": 200, "reflection_every": 5}


def rows(run: Run) -> list[tuple]:
    return list(
        AgentMemory.objects.filter(run=run)
        .order_by("agent__name", "seq")
        .values_list(
            "agent__name", "seq", "tick", "kind", "text", "importance", "embedding_model", "sources"
        )
    )


def vectors(run: Run) -> list[bytes]:
    memories = AgentMemory.objects.filter(run=run).order_by("agent__name", "seq")
    return [bytes(v) for v in memories.values_list("embedding", flat=True)]


def test_the_rows_hold_exactly_what_the_engine_remembered():
    run = wait_until_final(
        run_create(version=small_flood_version(max_ticks=15, memory=MEMORY), seed=4)
    )
    assert run.status == "completed"
    simulation = Simulation.create(run_spec(run), seed=4, run_id=str(run.pk))
    run_ticks(simulation, OfflineDecisionMaker(), 15)
    engine = sorted(simulation.memories(), key=lambda m: (m.agent, m.seq))

    assert rows(run) == [
        (m.agent, m.seq, m.tick, m.kind, m.text, m.importance, m.embedding_model, list(m.sources))
        for m in engine
    ]
    assert vectors(run) == [encode_vector(vector(m), m.embedding_model) for m in engine]
    assert all(len(v) < 1024 / 2 for v in vectors(run))  # local vectors: sparse
    kinds = {row[3] for row in rows(run)}
    assert {"observation", "action", "message", "reflection"} <= kinds
    last = snapshot_at(run, 15)
    assert last is not None
    assert last["agents"]["Mayor"]["store"]["count"] == sum(1 for r in engine if r.agent == "Mayor")
    restored = sorted(memory_records(run.pk, upto=15), key=lambda m: (m.agent, m.seq))
    assert [(m.agent, m.seq, vector(m).tobytes()) for m in restored] == [
        (m.agent, m.seq, vector(m).tobytes()) for m in engine
    ]
    # a worker keeps what it loaded and then reads only the ticks committed since
    early = memory_records(run.pk, upto=7, keep_as=run.created_at)
    later = memory_records(run.pk, upto=15, keep_as=run.created_at)
    assert {(m.agent, m.seq) for m in early} == {(m.agent, m.seq) for m in engine if m.tick <= 7}
    assert sorted((m.agent, m.seq, m.tick, m.text, vector(m).tobytes()) for m in later) == [
        (m.agent, m.seq, m.tick, m.text, vector(m).tobytes()) for m in engine
    ]


def test_a_run_without_a_memory_section_writes_no_memory_rows():
    run = wait_until_final(run_create(version=small_flood_version(max_ticks=4), seed=4))
    assert run.status == "completed" and not AgentMemory.objects.filter(run=run).exists()


def test_memories_survive_a_worker_killed_mid_run_exactly(settings, celery_broker):
    ticks = 120
    version = small_flood_version(max_ticks=ticks, name="Memory crash flood", memory=MEMORY)
    settings.SIMENGINE_EXECUTOR = "thread"
    reference = wait_until_final(run_create(version=version, seed=21), timeout=120)
    settings.SIMENGINE_EXECUTOR = "celery"

    first = start_celery_worker(
        broker_url=celery_broker.url, queue=celery_broker.queue, env=celery_broker.worker_env
    )
    try:
        run = run_create(version=version, seed=21)
        wait_for_run(run, lambda r: r.current_step >= 15)
        first.kill_group(signal.SIGKILL)
        first.proc.wait(10)
    finally:
        first.stop()
    run.refresh_from_db()
    killed_at = run.current_step
    assert run.status == "running" and killed_at < ticks
    assert AgentMemory.objects.filter(run=run, tick__gt=killed_at).count() == 0

    with celery_worker(
        broker_url=celery_broker.url, queue=celery_broker.queue, env=celery_broker.worker_env
    ):
        run = wait_until_final(run, timeout=120)

    assert (run.status, run.current_step) == ("completed", ticks)
    assert rows(run) == rows(reference)
    assert vectors(run) == vectors(reference)
    recalled = [
        list(r.events.filter(type="MemoriesRecalled").values_list("step", "agent", "data"))
        for r in (run, reference)
    ]
    assert recalled[0] == recalled[1] and recalled[0]


def vector(memory: MemoryRecord) -> np.ndarray:
    """A record's embedding (every stored record is embedded)."""
    assert memory.embedding is not None
    return memory.embedding


def decoded(raw: bytes, model: str) -> np.ndarray:
    vector = decode_vector(raw, model)
    assert vector is not None
    return vector


def test_a_vector_is_stored_exactly_sparse_for_the_local_model_and_dense_otherwise():
    local = np.zeros(256, dtype=np.float32)
    local[[3, 200, 255]] = [0.5, -0.25, 1e-7]
    stored = encode_vector(local, "local")
    assert len(stored) == 1 + 3 * 5
    assert np.array_equal(decoded(stored, "local"), local)
    assert np.array_equal(
        decoded(encode_vector(np.zeros(256, np.float32), "local"), "local"), np.zeros(256)
    )
    dense = local.astype("<f4").tobytes()  # rows written before sparse vectors
    assert np.array_equal(decoded(dense, "local"), local)
    remote = np.linspace(-1, 1, 768, dtype=np.float32)
    assert encode_vector(remote, "ollama/nomic-embed-text") == remote.astype("<f4").tobytes()
    assert np.array_equal(decoded(encode_vector(remote, "x"), "x"), remote)
    assert decode_vector(b"", "local") is None and encode_vector(None, "local") == b""
