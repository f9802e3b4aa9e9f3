"""The offline flood brain: a rescuer's rules of thumb, no model needed.

It heads for the most endangered reachable place, rescues, carries to shelter, unloads,
treats, shares where food is short, and speaks briefly in character.

Deterministic for a given request: all randomness comes from `request.seed`.
"""

from __future__ import annotations

import random
from typing import Any

from simengine.core.decision import DecisionRequest
from simengine.core.worlds.policy import decision, emotion_report, greeting_reply, room_or_all

SECOND_CHOICE = 0.3  # chance of heading for the runner-up place (spreads the crews out)
CHATTINESS = 0.35
SAFE_TICKS = 8  # a place further than this from flooding can wait while its people are fed


def flood_heuristic(request: DecisionRequest) -> dict[str, Any]:
    """The decision JSON an LLM would give, from the agent's observation alone."""
    obs = request.observation
    me = obs.get("you") or {}
    rng = random.Random(request.seed)
    allowed = set(obs.get("your_actions", ()))
    action, thought, news = _plan(obs, me, allowed, rng)
    message = _message(request, obs, allowed, news, rng)
    here = obs.get("here") or {}
    feeling = emotion_report(
        request.emotion,
        fear=0.25 * bool(here.get("flooded")) + 0.1 * (obs.get("levee") == "breached"),
        stress=0.05 * min(4, sum(1 for loc in obs.get("locations", ()) if loc["flooded"])),
        hope=0.1 if action.get("type") in ("rescue", "unload", "treat") else -0.02,
    )
    return decision(thought, [action], message, feeling)


def _plan(
    obs: dict[str, Any], me: dict[str, Any], allowed: set[str], rng: random.Random
) -> tuple[dict[str, Any], str, str | None]:
    """(action, thought, news worth telling others or None)."""
    if me.get("in_transit"):
        transit = me["in_transit"]
        return {"type": "wait"}, f"On my way to {transit['to']}.", None
    here = obs.get("here")
    if here is None or not me:
        return {"type": "wait"}, "I have no place in this world to act.", None
    places = obs.get("locations", [])
    if me.get("carrying", 0) > 0:
        return _deliver(here, me, places, allowed)
    if (
        "treat" in allowed
        and here["injured"] > 0
        and (me.get("medkits", 0) or here.get("medkits", 0))
    ):
        return {"type": "treat"}, f"{here['injured']} injured here need care now.", None
    hungry = (
        here["lacks_food"] and here["civilians"] > 0 and _ticks_to_flood(obs, here) > SAFE_TICKS
    )
    if "share" in allowed and me.get("food", 0) >= 1 and hungry:
        amount = min(me["food"], 5)
        action = {"type": "share", "resource": "food", "amount": amount, "to": here["id"]}
        return action, f"The people at {here['id']} are short of food.", None
    can_rescue = "rescue" in allowed and me.get("capacity", 0) > 0
    if can_rescue and not here["shelter"] and here["civilians"] > 0:
        news = f"Taking people aboard at {here['id']}, {here['civilians']} waiting."
        return {"type": "rescue"}, f"{here['civilians']} people are waiting right here.", news
    target = _target(obs, me, allowed, rng)
    if _needs_restock(here, me, allowed):
        return {"type": "unload"}, "Restocking medkits at the shelter.", None
    if target is not None and target != here["id"] and "move" in allowed:
        place = next(p for p in places if p["id"] == target)
        news = f"Heading to {target}: {place['civilians']} people there."
        return (
            {"type": "move", "to": target},
            f"{target} is the most urgent place I can reach.",
            news,
        )
    return {"type": "wait"}, "Nothing I can do from here right now.", None


def _deliver(
    here: dict[str, Any], me: dict[str, Any], places: list[dict[str, Any]], allowed: set[str]
) -> tuple[dict[str, Any], str, str | None]:
    if here["shelter"] and "unload" in allowed:
        count = me["carrying"]
        return (
            {"type": "unload"},
            f"Bringing {count} people to safety.",
            f"{count} more safe at {here['id']}.",
        )
    shelters = [p for p in places if p["shelter"] and p["travel_ticks"] is not None]
    if shelters and "move" in allowed:
        nearest = min(shelters, key=lambda p: (p["travel_ticks"], p["id"]))
        return {"type": "move", "to": nearest["id"]}, f"Carrying people to {nearest['id']}.", None
    if "unload" in allowed and not here["flooded"]:
        return {"type": "unload"}, "No way to a shelter: setting people down on dry ground.", None
    return {"type": "wait"}, "Holding on to the people with me until a way opens.", None


def _target(
    obs: dict[str, Any], me: dict[str, Any], allowed: set[str], rng: random.Random
) -> str | None:
    """The place to head for: endangered people for rescuers, injured people for medics."""
    medic = "treat" in allowed and (me.get("medkits", 0) > 0)
    scored = []
    for place in obs.get("locations", []):
        if place["shelter"] or place["travel_ticks"] is None:
            continue
        people = place["injured"] if medic else place["civilians"]
        if people <= 0 or ("rescue" not in allowed and not medic):
            continue
        ticks_to_flood = _ticks_to_flood(obs, place)
        score = people / ((1 + place["travel_ticks"]) * (1 + ticks_to_flood / 4))
        scored.append((score, place["id"]))
    if not scored:
        return None
    scored.sort(key=lambda s: (-s[0], s[1]))
    if len(scored) > 1 and rng.random() < SECOND_CHOICE:
        return scored[1][1]
    return scored[0][1]


def _ticks_to_flood(obs: dict[str, Any], place: dict[str, Any]) -> float:
    """About how long until the water reaches a place at the current rise (0 if it has)."""
    if place["flooded"]:
        return 0.0
    rise = max(0.01, float(obs.get("expected_rise_per_tick") or 0.01))
    return max(0.0, place["margin"] / rise)


def _needs_restock(here: dict[str, Any], me: dict[str, Any], allowed: set[str]) -> bool:
    return (
        "treat" in allowed
        and "unload" in allowed
        and here["shelter"]
        and me.get("medkits", 0) == 0
        and here.get("medkits", 0) > 0
    )


def _message(
    request: DecisionRequest,
    obs: dict[str, Any],
    allowed: set[str],
    news: str | None,
    rng: random.Random,
) -> dict[str, str] | None:
    reply = greeting_reply(request, rng)
    if reply is not None:
        return reply
    to = room_or_all(obs)
    if "move" not in allowed and "rescue" not in allowed:
        if obs.get("tick", 1) % 4 == 1:
            return {"to": to, "text": _status_report(obs)}
        return None
    if news is not None and rng.random() < CHATTINESS:
        return {"to": to, "text": news}
    return None


def _status_report(obs: dict[str, Any]) -> str:
    waiting = [p for p in obs.get("locations", []) if not p["shelter"] and p["civilians"] > 0]
    level = obs.get("water_level", 0)
    if not waiting:
        return f"Water at {level} m. Everyone is out; hold at the shelter."
    worst = min(waiting, key=lambda p: (p["margin"], p["id"]))
    total = sum(p["civilians"] for p in waiting)
    return (
        f"Water at {level} m, levee {obs.get('levee', 'holding')}. {total} people still out there."
        f" Priority: {worst['id']} ({worst['civilians']} waiting)."
    )
