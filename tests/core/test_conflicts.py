"""Conflicts resolve by the seeded order of the tick: the first to act wins, the loser is told."""

from __future__ import annotations

from simengine.core.agents import NEUTRAL_TRUST
from simengine.core.clock import seeded_order
from simengine.core.simulation import Simulation
from tests.core.helpers import Scripted, events_of, run_ticks, small_flood, spec_of

LAST_CIVILIAN = small_flood(
    **{
        "world.locations": [
            {"id": "hill", "elevation": 20, "shelter": True},
            {"id": "low", "elevation": 1, "civilians": 1, "boats": 2},
            {"id": "mid", "elevation": 3},
        ]
    }
)
BOTH_RESCUE = {("Crew 1", 1): [{"type": "rescue"}], ("Crew 2", 1): [{"type": "rescue"}]}


def first_crew(seed: int) -> str:
    order = seeded_order(["Crew 1", "Crew 2", "Medic", "Chief"], seed, 1)
    return next(name for name in order if name.startswith("Crew"))


def test_the_order_of_a_tick_depends_only_on_seed_and_tick() -> None:
    names = ["a", "b", "c", "d", "e"]
    assert seeded_order(names, 5, 3) == seeded_order(names, 5, 3)
    assert len({tuple(seeded_order(names, seed, 1)) for seed in range(20)}) > 1


def test_two_boats_and_one_last_civilian_go_to_whoever_the_seed_puts_first() -> None:
    winners = set()
    for seed in range(12):
        simulation = Simulation.create(spec_of(LAST_CIVILIAN), seed=seed, run_id="c")
        results = run_ticks(simulation, Scripted(BOTH_RESCUE), 1)
        winner = first_crew(seed)
        loser = "Crew 2" if winner == "Crew 1" else "Crew 1"
        [acted] = [
            e for e in events_of(results, "AgentActed") if e["data"]["action"]["type"] == "rescue"
        ]
        [rejected] = events_of(results, "ActionRejected")
        assert acted["agent"] == winner
        assert rejected["agent"] == loser
        assert (
            rejected["data"]["reason"]
            == f"no one left to rescue at low: {winner} took the last this tick"
        )
        winners.add(winner)
    assert winners == {"Crew 1", "Crew 2"}


def test_the_loser_of_a_conflict_trusts_the_winner_a_little_less() -> None:
    simulation = Simulation.create(spec_of(LAST_CIVILIAN), seed=0, run_id="c")
    before = simulation.agents["Crew 1"].trust.get("Crew 2", NEUTRAL_TRUST)
    run_ticks(simulation, Scripted(BOTH_RESCUE), 1)
    winner = first_crew(0)
    loser = "Crew 2" if winner == "Crew 1" else "Crew 1"
    assert before == NEUTRAL_TRUST  # never moved: not listed
    assert simulation.agents[loser].trust[winner] < before


def test_the_last_boat_goes_to_the_first_rescuer_to_act() -> None:
    data = small_flood()
    simulation = Simulation.create(spec_of(data), seed=4, run_id="c")
    run_ticks(simulation, Scripted(BOTH_RESCUE), 1)
    winner = first_crew(4)
    assert simulation.agents[winner].details["boat"] is True
    assert [name for name, a in simulation.agents.items() if a.details.get("boat")] == [winner]
