"""Observations and prompts do not grow with the number of agents in a run."""

from __future__ import annotations

from simengine.core.simulation import Simulation
from simengine.core.worlds.flood.memory import flood_situation
from simengine.core.worlds.flood.observe import AGENTS_SHOWN, observe_all_flood, observe_flood
from tests.core.helpers import Scripted, run_ticks, sample


def crowd(rescuers: int):
    spec = sample("riverside_flood.yaml")
    templates = [
        t.model_copy(update={"count": rescuers}) if t.id == "rescuer" else t
        for t in spec.agent_templates
    ]
    return spec.model_copy(update={"agent_templates": templates})


def test_an_agent_sees_at_most_twenty_others_here_and_a_count_of_the_rest() -> None:
    simulation = Simulation.create(crowd(60), seed=1, run_id="c")
    state = simulation.state
    here = state.agents["Rescuer 1"].location
    together = [n for n in state.people_at(here) if n != "Rescuer 1"]
    assert len(together) > AGENTS_SHOWN
    seen = observe_flood(state, "Rescuer 1")["here"]
    assert seen["agents_here"] == together[:AGENTS_SHOWN]
    assert seen["more_agents_here"] == len(together) - AGENTS_SHOWN
    assert f"and {len(together) - AGENTS_SHOWN} others" in flood_situation(
        {"here": seen, "water_level": 1}
    )


def test_observing_everyone_at_once_sees_what_observing_each_sees() -> None:
    simulation = Simulation.create(crowd(30), seed=1, run_id="c")
    names = list(simulation.state.agents)
    together = observe_all_flood(simulation.state, names)
    assert together == {n: observe_flood(simulation.state, n) for n in names}


def test_a_small_group_sees_everyone_here_as_before() -> None:
    simulation = Simulation.create(sample("riverside_flood.yaml"), seed=1, run_id="c")
    state = simulation.state
    for name, body in state.agents.items():
        if body.location is None:
            continue
        seen = observe_flood(state, name)["here"]
        assert seen["agents_here"] == [n for n in state.people_at(body.location) if n != name]
        assert "more_agents_here" not in seen


def test_the_prompt_of_an_agent_does_not_grow_with_the_number_of_agents() -> None:
    def observation_size(rescuers: int) -> int:
        maker = Scripted({})
        simulation = Simulation.create(crowd(rescuers), seed=1, run_id="c")
        run_ticks(simulation, maker, 3)
        return max(len(repr(r.observation)) for r in maker.requests)

    assert observation_size(150) <= observation_size(25) * 1.1
