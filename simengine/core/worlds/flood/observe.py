"""What one agent perceives in the flood: itself, its place in detail, the map by radio."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from simengine.core.worlds.flood.state import FloodState, Location, round_stock

AGENTS_SHOWN = 20  # names an observation lists of the agents at the same place


def people_index(state: FloodState) -> dict[str, list[str]]:
    """Location id -> the agents standing there, in roster order (`people_at` for all)."""
    index: dict[str, list[str]] = {}
    for agent in state.agents.values():
        if agent.location is not None:
            index.setdefault(agent.location, []).append(agent.name)
    return index


def observe_all_flood(state: FloodState, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Every named agent's observation, sharing one index of who stands where."""
    index = people_index(state)
    return {name: observe_flood(state, name, index) for name in names}


def observe_flood(
    state: FloodState, name: str, index: Mapping[str, list[str]] | None = None
) -> dict[str, Any]:
    """The agent's local observation (JSON); other places are known only in outline.

    It names at most `AGENTS_SHOWN` of the other agents at the agent's place (roster
    order) and counts the rest in `more_agents_here`, so it does not grow with the run.
    """
    agent = state.agents.get(name)
    observation: dict[str, Any] = {
        "water_level": state.water_level,
        "levee": "breached" if state.levee_breached else "holding",
        "rain_intensity": state.rain_intensity,
        "expected_rise_per_tick": expected_rise(state),
    }
    if agent is None:
        observation["locations"] = [_outline(state, loc, None) for loc in state.locations.values()]
        return observation
    transit = agent.transit
    observation["you"] = {
        "location": agent.location,
        "in_transit": (
            {"from": transit.origin, "to": transit.destination, "ticks_left": transit.ticks_left}
            if transit
            else None
        ),
        "boat": agent.boat,
        "can_rescue": agent.can_rescue,
        "carrying": agent.carrying,
        "carrying_injured": agent.carrying_injured,
        "capacity": state.capacity_of(agent),
        "food": agent.food,
        "medkits": agent.medkits,
    }
    times: dict[str, int] = {}
    if agent.location is not None:
        here = state.locations[agent.location]
        people = index.get(here.id, []) if index is not None else state.people_at(here.id)
        others = _others(people, name)
        observation["here"] = {
            **_outline(state, here, 0),
            "food": here.food,
            "medkits": here.medkits,
            "free_boats": here.boats,
            "room_left": state.room_at(here) if here.shelter else None,
            "agents_here": others[:AGENTS_SHOWN],
        }
        more = len(people) - 1 - AGENTS_SHOWN  # the agent stands here: one of `people`
        if more > 0:
            observation["here"]["more_agents_here"] = more
        by_boat = agent.boat or (agent.can_rescue and here.boats > 0)
        times = state.travel_times(here.id, by_boat=by_boat)
        if not by_boat and here.flooded():
            times = {here.id: 0}
    observation["locations"] = [
        _outline(state, loc, times.get(loc.id) if agent.location else None)
        for loc in state.locations.values()
    ]
    return observation


def _others(people: list[str], name: str) -> list[str]:
    """The first `AGENTS_SHOWN` + 1 people but `name` (enough to know whether more wait)."""
    shown: list[str] = []
    for person in people:
        if person != name:
            shown.append(person)
            if len(shown) > AGENTS_SHOWN:
                break
    return shown


def expected_rise(state: FloodState) -> float:
    """Metres the water will rise next tick at the current rain (faster once the levee broke)."""
    rise = state.params["water_rise_per_tick"] * state.rain_intensity
    if state.levee_breached:
        rise *= state.params["breach_rise_factor"]
    return round_stock(rise)


def _outline(state: FloodState, loc: Location, travel: int | None) -> dict[str, Any]:
    return {
        "id": loc.id,
        "elevation": loc.elevation,
        "shelter": loc.shelter,
        "flooded": loc.flooded(),
        "margin": round_stock(loc.elevation - state.water_level),
        "civilians": loc.civilians,
        "injured": loc.injured,
        "lacks_food": state.lacks_food(loc),
        "travel_ticks": travel,
    }
