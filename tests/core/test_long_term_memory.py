"""Long-term memory: scoring order, bounded prompts, reproducible runs, recall across ticks."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest
from qdrant_client import QdrantClient

from simengine.core.memory import (
    LOCAL_MODEL,
    EpisodicStore,
    MemoryConfig,
    MemoryRecord,
    embed_local,
    use_vector_index,
)
from simengine.core.offline import OfflineDecisionMaker
from simengine.core.runner import run_headless, trace_line
from simengine.core.simulation import Simulation
from simengine.core.spec import SpecError
from simengine.llm.prompts import build_prompt
from simengine.llm.qdrant_index import qdrant_indexes
from tests.core.helpers import Scripted, run_ticks, sample, say, small_flood, spec_of

DECAY = MemoryConfig().recency_decay
FACT = "Old Tom is trapped in the attic of the grain mill with a broken leg"


@pytest.fixture(params=["numpy", "qdrant"])
def vector_store(request: pytest.FixtureRequest) -> Iterator[str]:
    """Stores made in the test search with numpy (the default) or embedded Qdrant."""
    if request.param == "qdrant":
        use_vector_index(qdrant_indexes(QdrantClient(":memory:")))
    yield request.param
    use_vector_index(None)


def store_with(*rows: tuple[int, str, float], **config: object) -> EpisodicStore:
    """A local-embedding store holding (tick, text, importance) records."""
    store = EpisodicStore("A", MemoryConfig(**config), LOCAL_MODEL)  # type: ignore[arg-type]
    for tick, text, importance in rows:
        store.add(tick, "world", text, importance)
    store.attach([embed_local(r.text) for r in store.unembedded()], LOCAL_MODEL)
    return store


def texts(recalled) -> list[str]:
    return [r.record.text for r in recalled]


@pytest.mark.usefixtures("vector_store")
def test_recency_decides_between_equally_important_unrelated_memories() -> None:
    store = store_with((1, "the bakery smells of bread", 0.5), (9, "a cat sleeps on a wall", 0.5))
    recalled = store.retrieve(10, embed_local("boats and rope"))
    assert texts(recalled) == ["a cat sleeps on a wall", "the bakery smells of bread"]
    assert recalled[0].recency == round(DECAY**1, 4) and recalled[1].recency == round(DECAY**9, 4)
    assert [r.relevance for r in recalled] == [0.0, 0.0]


@pytest.mark.usefixtures("vector_store")
def test_importance_beats_a_few_ticks_of_recency() -> None:
    store = store_with((2, "a bridge collapsed", 0.9), (9, "a cat sleeps on a wall", 0.2))
    recalled = store.retrieve(10, embed_local("boats and rope"))
    assert texts(recalled) == ["a bridge collapsed", "a cat sleeps on a wall"]
    assert recalled[0].score == round(DECAY**8 + 0.9, 4)


@pytest.mark.usefixtures("vector_store")
def test_relevance_to_the_situation_beats_recency_and_importance() -> None:
    store = store_with(
        (1, "the school roof is leaking and children wait on the school roof", 0.3),
        (8, "a bridge collapsed", 0.6),
        (9, "a cat sleeps on a wall", 0.3),
    )
    recalled = store.retrieve(10, embed_local("children wait at the school roof"))
    assert texts(recalled)[0].startswith("the school roof")
    assert recalled[0].relevance > 0.5
    first = recalled[0]
    assert abs(first.score - (first.recency + first.importance + 2 * first.relevance)) < 1e-3


@pytest.mark.usefixtures("vector_store")
def test_top_k_the_token_budget_and_the_current_tick_bound_what_is_recalled() -> None:
    long = "water " * 100  # 600 characters: 150 tokens
    store = store_with(
        (1, "first", 0.1),
        (2, long.strip(), 1.0),
        (3, "third", 0.2),
        (4, "fourth", 0.3),
        (5, "now", 1.0),
        retrieve_k=2,
        token_budget=40,
    )
    recalled = store.retrieve(5, embed_local("water"))
    assert texts(recalled) == ["fourth", "third"]  # too long for the budget; tick 5 is now
    assert store.retrieve(5, None, exclude={3, 2}) != recalled
    assert texts(store.retrieve(5, None, exclude={3})) == ["third", "first"]


@pytest.mark.usefixtures("vector_store")
def test_ties_go_to_the_newer_record() -> None:
    store = store_with((3, "same words", 0.5), (3, "same words", 0.5))
    assert [r.record.seq for r in store.retrieve(4, None)] == [1, 0]


def test_a_reflection_condenses_the_periods_most_important_memories() -> None:
    store = store_with(
        (1, "waited", 0.1),
        (2, "3 people drowned at the docks", 1.0),
        (3, "brought 4 people to safety", 0.7),
        (4, "moved to the school", 0.3),
        reflection_every=4,
    )
    assert store.reflect(3) is None
    reflection = store.reflect(4)
    assert reflection is not None and reflection.kind == "reflection"
    assert reflection.text == (
        "Looking back on ticks 1-4: 3 people drowned at the docks; brought 4 people to safety;"
        " moved to the school"
    )
    assert (reflection.sources, reflection.importance, reflection.tick) == ((1, 2, 3), 1.0, 4)
    assert store.reflect(6) is None


@pytest.mark.usefixtures("vector_store")
def test_a_fact_heard_at_tick_5_reaches_the_prompt_at_tick_200_when_relevant() -> None:
    data = small_flood(
        **{"termination": {"max_ticks": 200}, "world.params.water_rise_per_tick": 0.0}
    )
    data["memory"] = {"retrieve_k": 4, "token_budget": 200, "reflection_every": 0}
    script = {
        ("Chief", 4): say("agent:Crew 1", FACT),  # heard at tick 5
        ("Medic", 4): say("agent:Crew 2", FACT),
        ("Chief", 199): say("agent:Crew 1", "Is anyone trapped at the grain mill attic?"),
    }
    for tick in range(6, 199):  # plenty of chatter in between
        script[("Chief", tick)] = say("room:ops", f"Status check {tick}: all crews hold position.")
    maker = Scripted(script)
    simulation = Simulation.create(spec_of(data), seed=1, run_id="m")
    results = run_ticks(simulation, maker, 200)

    asked = maker.requests_of("Crew 1")[-1]
    assert asked.tick == 200
    heard = f"t5 Chief (direct): {FACT}"
    assert heard in asked.recalled
    assert heard not in asked.recent_memory
    prompt = build_prompt(asked).turn
    recalled_block = prompt.split("<<<RECALLED\n", 1)[1].split("\nRECALLED>>>", 1)[0]
    assert json.dumps(heard) in recalled_block
    not_asked = maker.requests_of("Crew 2")[-1]
    assert f"t5 Medic (direct): {FACT}" not in not_asked.recalled  # not relevant there
    [event] = [
        e for e in results[-1].events if e["type"] == "MemoriesRecalled" and e["agent"] == "Crew 1"
    ]
    assert event["data"]["memories"][0]["tick"] == 5


def test_offline_traces_with_memory_are_byte_identical_per_seed() -> None:
    spec = sample("riverside_flood.yaml").with_max_ticks(40)
    assert spec.memory is not None

    def trace(seed: int) -> tuple[list[str], int]:
        summary = run_headless(
            spec, seed=seed, decision_maker=OfflineDecisionMaker(), keep_trace=True
        )
        return [trace_line(e) for e in summary.trace], summary.ticks

    first, again, other = trace(5), trace(5), trace(6)
    assert first == again
    assert first != other
    assert any('"type": "MemoriesRecalled"' in line for line in first[0])


def test_an_offline_run_searching_in_qdrant_has_the_numpy_runs_trace() -> None:
    spec = sample("riverside_flood.yaml").with_max_ticks(30)

    def trace() -> list[str]:
        summary = run_headless(spec, seed=5, decision_maker=OfflineDecisionMaker(), keep_trace=True)
        return [trace_line(e) for e in summary.trace]

    with_numpy = trace()
    use_vector_index(qdrant_indexes(QdrantClient(":memory:")))
    try:
        with_qdrant = trace()
    finally:
        use_vector_index(None)
    assert with_qdrant == with_numpy
    assert sum('"type": "MemoriesRecalled"' in line for line in with_qdrant) > 10


def test_memory_records_are_identical_for_the_same_seed() -> None:
    spec = sample("riverside_flood.yaml").with_max_ticks(30)

    def records(seed: int) -> list[tuple]:
        simulation = Simulation.create(spec, seed=seed, run_id="r")
        run_ticks(simulation, OfflineDecisionMaker(), 30)
        return [
            (m.agent, m.seq, m.tick, m.kind, m.text, m.importance, vector_bytes(m))
            for m in simulation.memories()
        ]

    assert records(3) == records(3)


def test_prompts_stay_bounded_however_long_the_run() -> None:
    data = small_flood(
        **{"termination": {"max_ticks": 300}, "world.params.water_rise_per_tick": 0.0}
    )
    data["memory"] = {}
    script = {
        ("Chief", t): say("room:ops", f"Radio check {t}: the river is calm.") for t in range(300)
    }
    maker = Scripted(script)
    simulation = Simulation.create(spec_of(data), seed=2, run_id="r")
    run_ticks(simulation, maker, 300)
    name = "Crew 1"
    sizes = {r.tick: len(build_prompt(r).turn) for r in maker.requests_of(name)}
    store = simulation.states[name].memory.store
    assert store is not None and len(store) > 300
    assert sizes[300] <= 1.2 * sizes[100]


def test_memory_is_off_without_a_memory_section_and_offline_agents_embed_locally() -> None:
    off = Simulation.create(spec_of(small_flood()), seed=1, run_id="r")
    assert all(a.memory.store is None for a in off.states.values())
    data = small_flood()
    data["memory"] = {"embedding_model": "ollama/nomic-embed-text"}
    on = Simulation.create(spec_of(data), seed=1, run_id="r")
    stores = {n: a.memory.store for n, a in on.states.items()}
    assert stores["Weather"] is None  # environment agents keep no memory
    assert {s.model for n, s in stores.items() if s is not None} == {LOCAL_MODEL}


def test_a_template_overrides_the_scenarios_memory_settings() -> None:
    data = small_flood()
    data["memory"] = {"retrieve_k": 3, "token_budget": 100}
    data["agent_templates"][2]["memory"] = {"retrieve_k": 8}
    data["agent_templates"][3]["memory"] = {"enabled": False}
    agents = {a.name: a.memory for a in spec_of(data).agents()}
    assert agents["Crew 1"] == MemoryConfig(retrieve_k=3, token_budget=100)
    assert agents["Medic"] == MemoryConfig(retrieve_k=8, token_budget=100)
    assert agents["Chief"] is None


def test_bad_memory_settings_are_reported_with_their_paths() -> None:
    data = small_flood()
    data["memory"] = {
        "retrieve_k": -1,
        "token_budget": "lots",
        "embedding_model": "openai/text-embedding-3",
        "recency_decay": 0,
        "reflect": 5,
    }
    data["agent_templates"][1]["memory"] = {"reflection_every": 2.5, "enabled": "yes"}
    data["agent_templates"][2]["memory"] = ["retrieve_k", 3]
    with pytest.raises(SpecError) as caught:
        spec_of(data)
    assert caught.value.errors == [
        "agent_templates[1].memory.enabled: expected true or false, got 'yes'",
        "agent_templates[1].memory.reflection_every: expected an integer, got 2.5",
        "agent_templates[2].memory: expected a mapping, got a list",
        "memory.retrieve_k: must be >= 0, got -1",
        "memory.token_budget: expected an integer, got 'lots'",
        "memory.embedding_model: unknown embedding model 'openai/text-embedding-3': use"
        " 'local' or 'ollama/<model>' (e.g. 'ollama/nomic-embed-text')",
        "memory.recency_decay: must be >= 0.01, got 0",
        "memory.reflect: unknown field",
    ]


def test_a_memory_section_round_trips_through_the_canonical_form() -> None:
    data = small_flood()
    data["memory"] = {"embedding_model": "ollama", "reflection_every": 0}
    spec = spec_of(data)
    assert spec.to_dict()["memory"] == {
        "embedding_model": "ollama/nomic-embed-text",
        "reflection_every": 0,
    }
    assert spec_of(spec.to_dict()) == spec


def test_embeddings_are_unit_vectors_of_shared_words() -> None:
    a, b, c = (embed_local(t) for t in ("Boats at the docks", "the dock boat", "Medkits"))
    assert a.dtype == np.float32 and a.shape == (256,)
    assert abs(float(np.linalg.norm(a)) - 1) < 1e-6
    assert float(a @ b) > 0.6 and abs(float(a @ c)) < 0.3
    assert not embed_local("123 !!").any()


def vector_bytes(memory: MemoryRecord) -> bytes:
    """A record's embedding as bytes (every stored record is embedded)."""
    assert memory.embedding is not None
    return memory.embedding.tobytes()
