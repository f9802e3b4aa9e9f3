"""What a flood agent's memories say and how much they matter.

Deaths, breaches and rescues rate high; routine moves and waiting low; an observation is
important when the agent's own place is under water or about to be (danger).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simengine.core.text import format_number

NOTICE_IMPORTANCE = {
    "casualties": 1.0,
    "levee_breach": 0.95,
    "stranded": 0.85,
    "location_flooded": 0.8,
    "food_shortage": 0.6,
    "supply_drop": 0.5,
    "shared": 0.5,
    "rain_change": 0.35,
    "location_drained": 0.35,
    "arrived": 0.3,
}
ACTION_IMPORTANCE = {
    "rescue": 0.75,
    "unload": 0.7,
    "treat": 0.65,
    "share": 0.5,
    "move": 0.3,
    "say": 0.3,
    "broadcast": 0.3,
    "wait": 0.1,
}
DANGER_MARGIN = 1.0  # metres above the water under which a place counts as in danger
DANGER = 0.75
CALM = 0.2


def flood_importance(kind: str, tags: Mapping[str, Any]) -> float | None:
    """The flood's importance for a memory, or None for the generic rule."""
    if kind == "world":
        return NOTICE_IMPORTANCE.get(str(tags.get("notice", "")))
    if kind == "action":
        return ACTION_IMPORTANCE.get(str(tags.get("action", "")))
    if kind == "observation":
        here = tags.get("observation", {}).get("here")
        if not isinstance(here, Mapping):
            return CALM
        margin = here.get("margin")
        in_danger = here.get("flooded") or (
            isinstance(margin, int | float) and margin < DANGER_MARGIN and here.get("civilians")
        )
        return DANGER if in_danger else CALM
    return None


def flood_situation(observation: Mapping[str, Any]) -> str:
    """One line: where the agent is, who waits there, what it carries, the water."""
    you = observation.get("you") or {}
    water = (
        f"water {format_number(observation.get('water_level', 0))} m,"
        f" levee {observation.get('levee', '?')}"
    )
    transit = you.get("in_transit")
    if transit:
        return (
            f"travelling from {transit['from']} to {transit['to']}"
            f" ({transit['ticks_left']} ticks left); {water}"
        )
    here = observation.get("here")
    if not here:
        return water
    state = "flooded" if here["flooded"] else f"{format_number(here['margin'])} m above the water"
    parts = [f"at {here['id']} ({state})"]
    waiting = f"{here['civilians']} people waiting"
    if here["injured"]:
        waiting += f", {here['injured']} injured"
    parts.append(waiting)
    if here.get("free_boats"):
        parts.append(f"{here['free_boats']} free boats")
    if here.get("agents_here"):
        company = "with " + ", ".join(sorted(here["agents_here"]))  # not dict order
        if here.get("more_agents_here"):
            company += f" and {here['more_agents_here']} others"
        parts.append(company)
    if you.get("carrying") or you.get("carrying_injured"):
        parts.append(
            f"carrying {you.get('carrying', 0)} ({you.get('carrying_injured', 0)} injured)"
        )
    return "; ".join(parts) + f"; {water}"
