"""A run restored from a snapshot continues exactly as the uninterrupted run."""

from __future__ import annotations

import asyncio
import json

import pytest

from simengine.core.controls import Control, InjectMessage, PauseAgent
from simengine.core.offline import OfflineDecisionMaker
from simengine.core.simulation import Simulation, SimulationFinished
from simengine.core.spec import ScenarioSpec, TerminationSpec
from tests.core.helpers import run_ticks, sample


def memory_rows(result) -> list:
    return [
        (m.agent, m.seq, m.tick, m.kind, m.text, m.importance, m.embedding.tobytes())
        for m in result.memories
    ]


def comparable(results) -> list:
    return [
        (r.tick, r.events, r.messages, r.metrics, r.snapshot, r.finished, memory_rows(r))
        for r in results
    ]


@pytest.mark.parametrize("scenario", ["riverside_flood.yaml", "dialogue_dilemma.yaml"])
def test_ten_ticks_then_restore_then_ten_equals_twenty_straight(scenario: str) -> None:
    spec = sample(scenario)
    spec = spec.model_copy(update={"termination": TerminationSpec(max_ticks=40)})
    maker = OfflineDecisionMaker()
    controls: dict[int, list[Control]] = {
        3: [PauseAgent(agent=spec.agents()[1].name)],
        12: [InjectMessage(to="all", text="Hold")],
    }
    straight = run_ticks(Simulation.create(spec, seed=11, run_id="r"), maker, 20, controls)

    first = Simulation.create(spec, seed=11, run_id="r")
    head = run_ticks(first, maker, 10, controls)
    snapshot = json.loads(json.dumps(head[-1].snapshot))  # as a database would store it
    memories = [m for result in head for m in result.memories]  # as the memory rows hold them
    resumed = Simulation.restore(spec, snapshot, run_id="r", memories=memories)
    assert resumed.tick == 10 and resumed.metrics == first.metrics
    tail = run_ticks(resumed, maker, 10, controls)
    assert comparable(head + tail) == comparable(straight)


def as_jsonb(value):
    """What PostgreSQL's jsonb gives back: every object's keys by length, then bytes."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        return {k: as_jsonb(value[k]) for k in keys}
    if isinstance(value, list):
        return [as_jsonb(v) for v in value]
    return value


def crowded_flood() -> ScenarioSpec:
    """The sample flood with 13 rescuers (several arrive at a place in the same tick)."""
    spec = sample("riverside_flood.yaml")
    templates = [
        t.model_copy(update={"count": 13}) if t.id == "rescuer" else t for t in spec.agent_templates
    ]
    return spec.model_copy(update={"agent_templates": templates})


@pytest.mark.parametrize("scenario", ["riverside_flood.yaml", "dialogue_dilemma.yaml", "crowd"])
def test_a_restore_from_a_jsonb_column_continues_exactly(scenario: str) -> None:
    spec = crowded_flood() if scenario == "crowd" else sample(scenario)
    spec = spec.model_copy(update={"termination": TerminationSpec(max_ticks=40)})
    maker = OfflineDecisionMaker()
    straight = run_ticks(Simulation.create(spec, seed=3, run_id="r"), maker, 30)
    results = []
    simulation = Simulation.create(spec, seed=3, run_id="r")
    for _ in range(6):  # a slice of 5 ticks, then a restore, as workers do
        results += run_ticks(simulation, maker, 5)
        memories = [m for result in results for m in result.memories]
        snapshot = as_jsonb(json.loads(json.dumps(results[-1].snapshot)))
        simulation = Simulation.restore(spec, snapshot, run_id="r", memories=memories)
    assert [(r.tick, r.events, r.messages) for r in results] == [
        (r.tick, r.events, r.messages) for r in straight
    ]


def test_a_snapshot_is_plain_json_data() -> None:
    simulation = Simulation.create(sample("riverside_flood.yaml"), seed=1, run_id="r")
    [result] = run_ticks(simulation, OfflineDecisionMaker(), 1)
    assert json.loads(json.dumps(result.snapshot)) == result.snapshot
    assert set(result.snapshot) >= {"tick", "world", "agents", "bus", "finished", "end_reason"}
    assert result.snapshot == simulation.snapshot()


def test_restoring_a_finished_run_keeps_it_finished() -> None:
    spec = sample("riverside_flood.yaml").with_max_ticks(2)
    simulation = Simulation.create(spec, seed=1, run_id="r")
    run_ticks(simulation, OfflineDecisionMaker(), 5)
    restored = Simulation.restore(
        spec, simulation.snapshot(), run_id="r", memories=simulation.memories()
    )
    assert restored.finished and restored.end_reason == "max_ticks"
    with pytest.raises(SimulationFinished):
        asyncio.run(restored.step(OfflineDecisionMaker()))


def test_a_snapshot_from_another_format_version_is_refused() -> None:
    spec = sample("riverside_flood.yaml")
    snapshot = {**Simulation.create(spec, seed=1, run_id="r").snapshot(), "version": 99}
    with pytest.raises(ValueError, match="unsupported snapshot version 99"):
        Simulation.restore(spec, snapshot, run_id="r")


def test_a_restore_without_the_runs_memory_records_is_refused() -> None:
    spec = sample("riverside_flood.yaml")
    simulation = Simulation.create(spec, seed=1, run_id="r")
    run_ticks(simulation, OfflineDecisionMaker(), 3)
    some = simulation.memories()[:-1]
    with pytest.raises(ValueError, match=r"memory of .*: the snapshot holds \d+ records"):
        Simulation.restore(spec, simulation.snapshot(), run_id="r", memories=some)
