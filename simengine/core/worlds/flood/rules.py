"""The flood world's rules, as told to every agent (stable across ticks)."""

from __future__ import annotations

from simengine.core.text import format_number
from simengine.core.worlds.flood.state import FloodState


def flood_rules(state: FloodState) -> str:
    """Plain-language rules with this scenario's numbers filled in."""
    p = state.params
    n = format_number
    return "\n".join(
        [
            "World: a city is flooding. Each tick every agent decides at once; actions are "
            "then carried out one agent at a time in an order drawn by lot.",
            f"- Water rises about {n(p['water_rise_per_tick'])} m per tick times the rain "
            f"intensity. If it reaches {n(p['levee_height'])} m the levee breaks: the water "
            f"jumps {n(p['breach_surge'])} m and then rises {n(p['breach_rise_factor'])}x faster.",
            "- A place floods when the water is above its elevation ('margin' below 0). "
            f"People left at a flooded place start to drown after {p['casualty_delay_ticks']} "
            f"ticks: {n(round(p['casualty_rate'] * 100))}% of those left each tick.",
            "- move: travel along routes; you are in transit for the route's travel time and "
            "can only talk or wait meanwhile. Without a boat you cannot enter or leave a "
            "flooded place.",
            f"- rescue: a boat carries {p['boat_capacity']} people, on foot you carry "
            f"{p['foot_capacity']}. Rescuers take a free boat where they stand. Injured "
            "people are taken first. The first to act takes the last people.",
            "- unload: at a shelter the people you carry are safe (rescued) and you restock "
            f"up to {n(p['restock_food'])} food and {p['restock_medkits']} medkits from its "
            "stock; elsewhere you just set them down.",
            f"- treat: one medkit treats one injured person, up to {p['treat_per_tick']} per "
            "tick; your own medkits are used first, then the place's. Untreated injured may "
            "die, more often where food is short.",
            f"- share: give food or medkits to an agent at your place, or to the people at "
            f"your place (to = the place id). Each person eats {n(p['food_per_person'])} "
            "food per tick.",
            "- say speaks to agents at your place; broadcast reaches everyone; the "
            "'message' field sends to one agent (agent:<name>), a room you are in "
            "(room:<id>) or everyone (all).",
        ]
    )
