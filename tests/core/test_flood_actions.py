"""Flood actions: boats and their capacity, travel time, sharing, treating, unloading."""

from __future__ import annotations

from simengine.core.simulation import Simulation
from simengine.core.worlds.flood.actions import apply_flood_action
from tests.core.helpers import Scripted, ctx, run_ticks, small_flood, spec_of, world_of


def fresh(**changes):
    return world_of(spec_of(small_flood(**changes)))


def test_a_boat_carries_its_capacity_and_on_foot_one_person() -> None:
    _, state = fresh()
    c = ctx()
    first = apply_flood_action(state, "Crew 1", {"type": "rescue"}, c)
    second = apply_flood_action(state, "Crew 2", {"type": "rescue"}, c)
    assert first.ok and first.details == {"location": "low", "count": 3, "injured": 1, "left": 1}
    assert state.agents["Crew 1"].boat and state.locations["low"].boats == 0
    assert second.ok and second.details["count"] == 1  # no boat left: carried on foot
    assert not state.agents["Crew 2"].boat
    full = apply_flood_action(state, "Crew 1", {"type": "rescue"}, c)
    assert not full.ok and full.text == "you cannot carry anyone else (3 with you)"


def test_rescue_takes_only_the_count_asked_for() -> None:
    _, state = fresh()
    outcome = apply_flood_action(state, "Crew 1", {"type": "rescue", "count": 2}, ctx())
    assert outcome.details["count"] == 2
    assert state.locations["low"].civilians == 2


def test_moving_takes_the_route_travel_time() -> None:
    spec = spec_of(small_flood())
    simulation = Simulation.create(spec, seed=1, run_id="t")
    maker = Scripted({("Medic", 1): [{"type": "move", "to": "low"}]})
    run_ticks(simulation, maker, 1)
    assert simulation.agents["Medic"].location is None
    assert simulation.agents["Medic"].details["in_transit"] == {
        "from": "mid",
        "to": "low",
        "ticks_left": 1,
    }
    run_ticks(simulation, maker, 1)
    assert simulation.agents["Medic"].location == "low"


def test_the_route_is_the_shortest_one_through_several_places() -> None:
    _, state = fresh()
    outcome = apply_flood_action(state, "Crew 1", {"type": "move", "to": "hill"}, ctx())
    assert outcome.details == {"from": "low", "to": "hill", "ticks": 3}


def test_travellers_can_only_talk_or_wait() -> None:
    _, state = fresh()
    apply_flood_action(state, "Crew 1", {"type": "move", "to": "hill"}, ctx())
    outcome = apply_flood_action(state, "Crew 1", {"type": "rescue"}, ctx())
    assert not outcome.ok
    assert outcome.text == "cannot rescue while travelling to hill (3 ticks left)"
    assert apply_flood_action(state, "Crew 1", {"type": "wait"}, ctx()).ok


def test_without_a_boat_no_one_enters_a_flooded_place() -> None:
    _, state = fresh()
    state.locations["low"].flooded_since = 1
    outcome = apply_flood_action(state, "Medic", {"type": "move", "to": "low"}, ctx())
    assert not outcome.ok and outcome.text == "low is flooded; you need a boat to get there"


def test_unloading_at_a_shelter_rescues_and_restocks() -> None:
    _, state = fresh()
    crew = state.agents["Crew 1"]
    crew.location, crew.carrying, crew.carrying_injured = "hill", 3, 1
    outcome = apply_flood_action(state, "Crew 1", {"type": "unload"}, ctx())
    assert outcome.ok and outcome.text == "brought 3 people to safety at hill"
    assert state.rescued == 3 and state.locations["hill"].civilians == 3
    assert state.locations["hill"].injured == 1
    assert (crew.food, crew.medkits) == (10.0, 4)
    assert outcome.details["restocked"] == {"food": 6.0, "medkits": 4}


def test_a_full_shelter_takes_no_more_people() -> None:
    _, state = fresh(
        **{
            "world.locations": [
                {"id": "hill", "elevation": 20, "shelter": True, "capacity": 2},
                {"id": "low", "elevation": 1, "civilians": 4, "boats": 1},
                {"id": "mid", "elevation": 3},
            ]
        }
    )
    crew = state.agents["Crew 1"]
    crew.location, crew.carrying = "hill", 3
    assert apply_flood_action(state, "Crew 1", {"type": "unload"}, ctx()).details["count"] == 2
    refused = apply_flood_action(state, "Crew 1", {"type": "unload"}, ctx())
    assert not refused.ok and refused.text == "hill is full (capacity 2)"


def test_sharing_food_with_an_agent_here_moves_it_and_builds_trust() -> None:
    _, state = fresh()
    action = {"type": "share", "resource": "food", "amount": 3, "to": "Crew 2"}
    outcome = apply_flood_action(state, "Crew 1", action, ctx())
    assert outcome.ok and outcome.text == "gave 3 food to Crew 2"
    assert (state.agents["Crew 1"].food, state.agents["Crew 2"].food) == (1.0, 7.0)
    [notice] = outcome.notices
    assert notice.witnesses == ("Crew 2",)
    assert notice.impulses[0].trust == {"Crew 1": 0.1}
    assert state.food_shared == 3


def test_sharing_with_the_people_here_feeds_the_place() -> None:
    _, state = fresh()
    action = {"type": "share", "resource": "food", "amount": 10, "to": "low"}
    outcome = apply_flood_action(state, "Crew 1", action, ctx())
    assert outcome.text == "gave 4 food to the people at low"
    assert state.locations["low"].food == 4.0


def test_sharing_with_someone_elsewhere_is_refused() -> None:
    _, state = fresh()
    action = {"type": "share", "resource": "food", "amount": 1, "to": "Medic"}
    outcome = apply_flood_action(state, "Crew 1", action, ctx())
    assert not outcome.ok and outcome.text == "Medic is not at low"


def test_an_agent_at_a_depot_hands_out_its_stock() -> None:
    _, state = fresh()
    state.agents["Medic"].location = "hill"
    action = {"type": "share", "resource": "food", "amount": 5, "to": "Medic"}
    outcome = apply_flood_action(state, "Chief", action, ctx())
    assert outcome.ok
    assert state.locations["hill"].food == 15.0 and state.agents["Medic"].food == 5.0


def test_treating_uses_own_medkits_first_then_the_place_stock() -> None:
    _, state = fresh()
    outcome = apply_flood_action(state, "Medic", {"type": "treat"}, ctx())
    assert outcome.ok and outcome.text == "treated 1 injured at mid; 1 still need care"
    assert state.agents["Medic"].medkits == 0 and state.medkits_used == 1
    refused = apply_flood_action(state, "Medic", {"type": "treat"}, ctx())
    assert refused.text == "no medkits: you have none and mid has none"
    state.agents["Medic"].location = "hill"
    state.locations["hill"].injured = state.locations["hill"].civilians = 3
    assert apply_flood_action(state, "Medic", {"type": "treat"}, ctx()).details["count"] == 3
    assert state.locations["hill"].medkits == 4  # 5 + 2 from resources - 3


def test_an_action_the_world_does_not_know_is_refused() -> None:
    _, state = fresh()
    outcome = apply_flood_action(state, "Crew 1", {"type": "swim"}, ctx())
    assert not outcome.ok and outcome.text == "unknown action 'swim'"
