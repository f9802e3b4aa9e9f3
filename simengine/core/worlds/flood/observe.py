"""What one agent perceives in the flood: itself, its place in detail, the map by radio."""

from __future__ import annotations

from typing import Any

from simengine.core.worlds.flood.state import FloodState, Location, round_stock


def observe_flood(state: FloodState, name: str) -> dict[str, Any]:
    """The agent's local observation (JSON); other places are known only in outline."""
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
        observation["here"] = {
            **_outline(state, here, 0),
            "food": here.food,
            "medkits": here.medkits,
            "free_boats": here.boats,
            "room_left": state.room_at(here) if here.shelter else None,
            "agents_here": [n for n in state.people_at(here.id) if n != name],
        }
        by_boat = agent.boat or (agent.can_rescue and here.boats > 0)
        times = state.travel_times(here.id, by_boat=by_boat)
        if not by_boat and here.flooded():
            times = {here.id: 0}
    observation["locations"] = [
        _outline(state, loc, times.get(loc.id) if agent.location else None)
        for loc in state.locations.values()
    ]
    return observation


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
