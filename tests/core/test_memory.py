"""Memory is bounded: recent entries verbatim, older ones folded into a fixed-size summary."""

from __future__ import annotations

from simengine.core.agents import Memory
from simengine.core.simulation import Simulation
from tests.core.helpers import Scripted, run_ticks, small_flood, spec_of


def test_memory_keeps_only_the_last_entries_verbatim() -> None:
    memory = Memory(capacity=3)
    for tick in range(1, 8):
        memory.remember(tick, "world" if tick % 2 else "action", f"event {tick}")
    assert memory.lines() == ("t5 event 5", "t6 event 6", "t7 event 7")
    assert memory.summary() == (
        "Earlier (ticks 1-4): 2 actions taken, 2 world events. Key moments: t1 event 1; t3 event 3."
    )


def test_the_summary_does_not_grow_with_the_length_of_the_run() -> None:
    memory = Memory(capacity=4)
    for tick in range(1, 2000):
        memory.remember(tick, "world", f"the water rose again at tick {tick}")
    assert len(memory.lines()) == 4
    assert len(memory.summary()) < 300


def test_long_entries_are_cut() -> None:
    memory = Memory()
    memory.remember(1, "message", "x" * 1000)
    assert len(memory.lines()[0]) < 260


def test_a_prompts_memory_is_bounded_however_long_the_run() -> None:
    data = small_flood(
        **{"termination": {"max_ticks": 200}, "world.params.water_rise_per_tick": 0.0}
    )
    simulation = Simulation.create(spec_of(data), seed=1, run_id="m")
    script = {("Chief", t): [{"type": "broadcast", "text": f"update {t}"}] for t in range(1, 201)}
    maker = Scripted(script)
    run_ticks(simulation, maker, 200)
    last = maker.requests_of("Crew 1")[-1]
    assert len(last.recent_memory) == 12
    assert len(last.memory_summary) < 700
    assert last.memory_summary.startswith("Earlier (ticks 1-")


def test_memory_survives_a_round_trip_through_json() -> None:
    memory = Memory(capacity=2)
    for tick in range(5):
        memory.remember(tick, "refusal", f"no {tick}")
    assert Memory.from_json(memory.to_json()) == memory
