"""Flood dynamics after each tick's actions, and the scripted events of the flood world.

Order within a tick: arrivals, water rise (and overtopping), flooding by elevation,
drowning after the delay, deaths among the untreated injured, food consumption.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from simengine.core.text import format_number
from simengine.core.worlds.base import Impulse, WorldContext, WorldNotice
from simengine.core.worlds.flood.state import FloodState, Location, round_stock


def advance_flood(state: FloodState, ctx: WorldContext) -> list[WorldNotice]:
    """One tick of the world: every change it makes is returned as a notice."""
    notices = _arrivals(state)
    notices += _rise(state, ctx)
    notices += _flooding(state, ctx)
    notices += _drowning(state, ctx)
    notices += _injuries(state, ctx)
    notices += _hunger(state, ctx)
    return notices


def _arrivals(state: FloodState) -> list[WorldNotice]:
    notices = []
    for agent in state.agents.values():
        if agent.transit is None:
            continue
        agent.transit.ticks_left -= 1
        if agent.transit.ticks_left > 0:
            continue
        destination = agent.transit.destination
        agent.location, agent.transit = destination, None
        place = state.locations[destination]
        status = "flooded" if place.flooded() else "dry"
        notices.append(
            WorldNotice(
                kind="arrived",
                text=f"{agent.name} arrived at {destination} ({status}, {place.civilians} waiting)",
                details={"agent": agent.name, "location": destination},
                witnesses=(agent.name,),
            )
        )
    return notices


def _rise(state: FloodState, ctx: WorldContext) -> list[WorldNotice]:
    params = state.params
    variability = params["rain_variability"]
    noise = 1.0 + ctx.rng("rain").uniform(-variability, variability) if variability else 1.0
    rise = params["water_rise_per_tick"] * state.rain_intensity * noise
    if state.levee_breached:
        rise *= params["breach_rise_factor"]
    state.water_level = round_stock(state.water_level + rise)
    if not state.levee_breached and state.water_level >= params["levee_height"]:
        return [breach(state, ctx, surge=params["breach_surge"], cause="overtopped")]
    return []


def breach(state: FloodState, ctx: WorldContext, *, surge: float, cause: str) -> WorldNotice:
    """Break the levee: the water jumps by `surge` and rises faster from now on."""
    if state.levee_breached:
        return WorldNotice(kind="levee_breach", text="the levee is already breached", details={})
    state.levee_breached = True
    state.breach_tick = ctx.tick
    state.water_level = round_stock(state.water_level + surge)
    level = format_number(state.water_level)
    return WorldNotice(
        kind="levee_breach",
        text=f"the levee {'was overtopped and ' if cause == 'overtopped' else ''}breached:"
        f" water surged {format_number(surge)} m to {level} m",
        details={"cause": cause, "surge": surge, "water_level": state.water_level},
        impulses=_everyone(state, {"fear": 0.2, "stress": 0.1, "hope": -0.05}),
    )


def _flooding(state: FloodState, ctx: WorldContext) -> list[WorldNotice]:
    notices = []
    for place in state.locations.values():
        under = state.water_level > place.elevation
        if under and not place.flooded():
            place.flooded_since = ctx.tick
            present = tuple(state.people_at(place.id))
            depth = format_number(round_stock(state.water_level - place.elevation))
            notices.append(
                WorldNotice(
                    kind="location_flooded",
                    text=f"water reached {place.id} ({depth} m deep,"
                    f" {place.civilians} people there)",
                    details={"location": place.id, "civilians": place.civilians},
                    impulses=tuple(
                        Impulse(n, emotion={"fear": 0.25, "stress": 0.15, "hope": -0.1})
                        for n in present
                    ),
                )
            )
        elif not under and place.flooded():
            place.flooded_since = None
            notices.append(
                WorldNotice(
                    kind="location_drained",
                    text=f"the water receded from {place.id}",
                    details={"location": place.id},
                )
            )
    return notices


def _drowning(state: FloodState, ctx: WorldContext) -> list[WorldNotice]:
    notices = []
    delay, rate = state.params["casualty_delay_ticks"], state.params["casualty_rate"]
    for place in state.locations.values():
        if place.flooded_since is None or place.civilians <= 0:
            continue
        if ctx.tick - place.flooded_since < delay:
            continue
        deaths = min(place.civilians, math.ceil(rate * place.civilians))
        notices.append(_deaths(state, ctx, place, deaths, cause="drowned"))
    return notices


def _injuries(state: FloodState, ctx: WorldContext) -> list[WorldNotice]:
    notices = []
    base = state.params["injury_death_rate"]
    for place in state.locations.values():
        if place.injured <= 0 or base <= 0:
            continue
        rate = base * (2 if state.lacks_food(place) else 1)
        rng = ctx.rng(f"injury:{place.id}")
        deaths = sum(1 for _ in range(place.injured) if rng.random() < rate)
        if deaths:
            notices.append(_deaths(state, ctx, place, deaths, cause="died of untreated injuries"))
    return notices


def _deaths(
    state: FloodState, ctx: WorldContext, place: Location, deaths: int, *, cause: str
) -> WorldNotice:
    injured = min(deaths, place.injured) if cause == "drowned" else deaths
    place.civilians -= deaths
    place.injured -= injured
    place.casualties += deaths
    state.casualties += deaths
    if state.first_casualty_tick is None:
        state.first_casualty_tick = ctx.tick
    present = set(state.people_at(place.id))
    impulses = tuple(
        Impulse(n, emotion={"stress": 0.15, "fear": 0.1, "hope": -0.1})
        if n in present
        else Impulse(n, emotion={"stress": 0.05, "hope": -0.05})
        for n in state.agents
    )
    who = "person" if deaths == 1 else "people"
    return WorldNotice(
        kind="casualties",
        text=f"{deaths} {who} {cause} at {place.id}; {place.civilians} still there",
        details={"location": place.id, "deaths": deaths, "cause": cause, "total": state.casualties},
        impulses=impulses,
    )


def _hunger(state: FloodState, ctx: WorldContext) -> list[WorldNotice]:
    notices = []
    per_person = state.params["food_per_person"]
    for place in state.locations.values():
        if place.civilians > 0 and per_person > 0:
            place.food = round_stock(max(0.0, place.food - place.civilians * per_person))
        lacking = state.lacks_food(place)
        if lacking and place.hungry_since is None:
            place.hungry_since = ctx.tick
            notices.append(
                WorldNotice(
                    kind="food_shortage",
                    text=f"{place.id} is running out of food ({place.civilians} people there)",
                    details={"location": place.id, "food": place.food},
                )
            )
        elif not lacking:
            place.hungry_since = None
    return notices


def apply_flood_event(
    state: FloodState, kind: str, params: Mapping[str, Any], ctx: WorldContext
) -> list[WorldNotice]:
    """Scripted or operator-triggered events: levee_breach, rain_change, supply_drop, stranded."""
    if kind == "levee_breach":
        surge = params.get("surge", state.params["breach_surge"])
        return [breach(state, ctx, surge=float(surge), cause="scripted")]
    if kind == "rain_change":
        state.rain_intensity = float(params["intensity"])
        text = f"the rain changed: intensity now {format_number(state.rain_intensity)}"
        return [
            WorldNotice(kind="rain_change", text=text, details={"intensity": state.rain_intensity})
        ]
    if kind == "supply_drop":
        place = state.locations[params["location"]]
        food, medkits = float(params.get("food", 0)), int(params.get("medkits", 0))
        place.food = round_stock(place.food + food)
        place.medkits += medkits
        text = f"supplies were dropped at {place.id}: {format_number(food)} food, {medkits} medkits"
        return [
            WorldNotice(
                kind="supply_drop",
                text=text,
                details={"location": place.id, "food": food, "medkits": medkits},
                impulses=tuple(
                    Impulse(n, emotion={"hope": 0.1}) for n in state.people_at(place.id)
                ),
            )
        ]
    if kind == "stranded":
        place = state.locations[params["location"]]
        civilians, injured = int(params["civilians"]), int(params.get("injured", 0))
        place.civilians += civilians
        place.injured += min(injured, civilians)
        if not place.shelter:
            state.at_risk_total += civilians
        text = f"{civilians} more people were reported stranded at {place.id}"
        return [
            WorldNotice(
                kind="stranded",
                text=text,
                details={"location": place.id, "civilians": civilians, "injured": injured},
                impulses=_everyone(state, {"stress": 0.05}),
            )
        ]
    raise ValueError(f"unknown flood event {kind!r}")


def _everyone(state: FloodState, emotion: dict[str, float]) -> tuple[Impulse, ...]:
    return tuple(Impulse(name, emotion=emotion) for name in state.agents)
