"""Event mode: an agent takes a turn only when a message or an event reaches it."""

from __future__ import annotations

from simengine.core.controls import InjectCommand
from simengine.core.simulation import Simulation
from tests.core.helpers import Scripted, events_of, run_ticks, say, small_flood, spec_of


def event_flood(**changes) -> Simulation:
    data = small_flood(mode="event", **{"world.params.water_rise_per_tick": 0.0}, **changes)
    return Simulation.create(spec_of(data), seed=1, run_id="ev")


def deciders(maker: Scripted, tick: int) -> list[str]:
    return sorted(r.agent.name for r in maker.requests if r.tick == tick)


def test_everyone_decides_at_the_first_tick_then_only_those_reached() -> None:
    simulation = event_flood()
    maker = Scripted({("Chief", 1): say("agent:Medic", "Report in")})
    run_ticks(simulation, maker, 3)
    assert deciders(maker, 1) == ["Chief", "Crew 1", "Crew 2", "Medic"]
    assert deciders(maker, 2) == ["Medic"]
    assert deciders(maker, 3) == []


def test_an_agent_that_acted_is_reached_by_the_result_of_its_action() -> None:
    simulation = event_flood()
    maker = Scripted({("Crew 1", 1): [{"type": "rescue"}]})
    run_ticks(simulation, maker, 2)
    assert deciders(maker, 2) == ["Crew 1"]


def test_arriving_somewhere_wakes_the_traveller() -> None:
    simulation = event_flood()
    maker = Scripted({("Crew 1", 1): [{"type": "move", "to": "hill"}]})  # a 3-tick trip
    run_ticks(simulation, maker, 4)
    assert deciders(maker, 2) == ["Crew 1"]  # the result of its move reached it
    assert deciders(maker, 3) == []  # it waited in transit
    assert deciders(maker, 4) == ["Crew 1"]  # it arrived at the end of tick 3
    assert (
        "t3 Crew 1 arrived at hill (dry, 0 waiting)"
        in maker.requests_of("Crew 1")[-1].recent_memory
    )


def test_an_operator_command_wakes_its_agent() -> None:
    simulation = event_flood()
    maker = Scripted()
    run_ticks(simulation, maker, 3, {3: [InjectCommand(agent="Crew 2", text="Check the school")]})
    assert deciders(maker, 3) == ["Crew 2"]


def test_world_events_reach_everyone() -> None:
    simulation = event_flood(events=[{"at_tick": 2, "type": "levee_breach"}])
    maker = Scripted()
    results = run_ticks(simulation, maker, 3)
    assert events_of(results, "EnvironmentEvent")[0]["data"]["kind"] == "levee_breach"
    assert deciders(maker, 3) == ["Chief", "Crew 1", "Crew 2", "Medic"]


def test_a_still_dialogue_in_event_mode_ends_as_idle() -> None:
    data = {
        "name": "Quiet",
        "mode": "event",
        "world": {"kind": "dialogue", "params": {"topic": "t", "options": ["a", "b"]}},
        "agent_templates": [{"id": "p", "count": 2, "name": "P{n}"}],
    }
    simulation = Simulation.create(spec_of(data), seed=1, run_id="q")
    results = run_ticks(simulation, Scripted(), 5)
    assert len(results) == 1 and results[0].end_reason == "idle"
