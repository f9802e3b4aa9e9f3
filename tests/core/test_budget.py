"""Token budgets: an agent (or the run) over budget falls back to the offline policy."""

from __future__ import annotations

from simengine.core.simulation import Simulation
from tests.core.helpers import Scripted, events_of, run_ticks, small_flood, spec_of


def test_an_agent_over_its_budget_switches_to_the_offline_policy() -> None:
    data = small_flood(**{"budget": {"tokens_per_agent": 250}})
    for template in data["agent_templates"][1:]:
        template["model"] = "ollama/llama3.2"
    simulation = Simulation.create(spec_of(data), seed=1, run_id="b")
    maker = Scripted(tokens=100)
    results = run_ticks(simulation, maker, 4)
    exceeded = events_of(results, "BudgetExceeded")
    assert {e["agent"] for e in exceeded} == {"Crew 1", "Crew 2", "Medic", "Chief"}
    assert {e["tick"] for e in exceeded} == {3}
    assert exceeded[0]["data"] == {
        "scope": "agent",
        "used": 300,
        "limit": 250,
        "model": "offline/heuristic",
    }
    assert [r.agent.model for r in maker.requests_of("Medic")] == ["ollama/llama3.2"] * 3 + [
        "offline/heuristic"
    ]
    assert simulation.agents["Medic"].model == "offline/heuristic"


def test_a_run_over_its_budget_switches_everyone_once() -> None:
    data = small_flood(**{"budget": {"tokens_per_run": 500}})
    simulation = Simulation.create(spec_of(data), seed=1, run_id="b", model_override="ollama/x")
    results = run_ticks(simulation, Scripted(tokens=100), 3)
    [exceeded] = events_of(results, "BudgetExceeded")
    assert exceeded["tick"] == 2 and exceeded["agent"] is None
    assert exceeded["data"]["scope"] == "run" and exceeded["data"]["used"] == 800
    assert {a.model for a in simulation.agents.values() if a.kind != "environment"} == {
        "offline/heuristic"
    }


def test_the_budget_fallback_survives_a_restore() -> None:
    data = small_flood(**{"budget": {"tokens_per_agent": 50}})
    spec = spec_of(data)
    simulation = Simulation.create(spec, seed=1, run_id="b", model_override="ollama/x")
    run_ticks(simulation, Scripted(tokens=100), 1)
    restored = Simulation.restore(
        spec, simulation.snapshot(), run_id="b", model_override="ollama/x"
    )
    assert restored.agents["Crew 1"].model == "offline/heuristic"
    assert restored.states["Crew 1"].tokens_used == 100
