"""Flood actions: their parameter schema, and their effect on the flood state.

Actions apply one agent at a time in the seeded order of the tick. Conflicts resolve by
that order: whoever acts first takes the last civilian, boat or medkit, and the loser's
rejection names who got there first (tracked in `ctx.claims`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from simengine.core.worlds.base import ActionOutcome, Impulse, Speech, WorldContext, WorldNotice
from simengine.core.worlds.flood.state import (
    FloodAgent,
    FloodState,
    Location,
    Transit,
    round_stock,
)
from simengine.core.worlds.flood.tables import RESOURCES

MAX_TEXT = 500
Handler = Callable[[FloodState, FloodAgent, Mapping[str, Any], WorldContext], ActionOutcome]


def flood_action_params(state: FloodState) -> dict[str, tuple[dict[str, Any], tuple[str, ...]]]:
    """Per action type: (JSON schema properties of its params, required param names)."""
    ids = sorted(state.locations)  # stable across a JSON round trip (jsonb reorders keys)
    text = {"text": {"type": "string"}}
    count = {"count": {"type": "integer", "minimum": 1}}
    return {
        "move": ({"to": {"type": "string", "enum": ids}}, ("to",)),
        "rescue": (count, ()),
        "unload": ({}, ()),
        "share": (
            {
                "resource": {"type": "string", "enum": list(RESOURCES)},
                "amount": {"type": "number", "minimum": 0},
                "to": {"type": "string"},
            },
            ("resource", "amount", "to"),
        ),
        "treat": (count, ()),
        "say": (text, ("text",)),
        "broadcast": (text, ("text",)),
        "wait": ({}, ()),
    }


def apply_flood_action(
    state: FloodState, name: str, action: Mapping[str, Any], ctx: WorldContext
) -> ActionOutcome:
    """Apply one action; every failure is a rejection with a reason, never an exception."""
    agent = state.agents.get(name)
    if agent is None:
        return ActionOutcome.rejected(f"{name} has no place in this world")
    kind = action.get("type")
    handler = HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        return ActionOutcome.rejected(f"unknown action {kind!r}")
    if agent.transit is not None and kind not in ("say", "broadcast", "wait"):
        t = agent.transit
        return ActionOutcome.rejected(
            f"cannot {kind} while travelling to {t.destination} ({_ticks(t.ticks_left)} left)"
        )
    return handler(state, agent, action, ctx)


def _move(
    state: FloodState, agent: FloodAgent, action: Mapping[str, Any], ctx: WorldContext
) -> ActionOutcome:
    target = action.get("to")
    here = _here(state, agent)
    if not isinstance(target, str) or target not in state.locations:
        return ActionOutcome.rejected(f"unknown location {target!r}")
    if target == here.id:
        return ActionOutcome.rejected(f"already at {target}")
    took_boat = _take_boat(state, agent, here, ctx)
    if here.flooded() and not agent.boat:
        return ActionOutcome.rejected(f"{here.id} is flooded and you have no boat")
    if state.locations[target].flooded() and not agent.boat:
        return ActionOutcome.rejected(f"{target} is flooded; you need a boat to get there")
    ticks = state.travel_times(here.id, by_boat=agent.boat).get(target)
    if ticks is None:
        return ActionOutcome.rejected(f"no passable route from {here.id} to {target}")
    agent.transit = Transit(origin=here.id, destination=target, ticks_left=ticks, total=ticks)
    agent.location = None
    boat = " in a boat from the moorings" if took_boat else ""
    text = f"set off from {here.id} to {target}{boat}, arriving in {_ticks(ticks)}"
    return ActionOutcome.done(text, details={"from": here.id, "to": target, "ticks": ticks})


def _rescue(
    state: FloodState, agent: FloodAgent, action: Mapping[str, Any], ctx: WorldContext
) -> ActionOutcome:
    here = _here(state, agent)
    if not agent.can_rescue:
        return ActionOutcome.rejected("you are not able to rescue people")
    if here.shelter:
        return ActionOutcome.rejected(f"{here.id} is a shelter: the people here are already safe")
    _take_boat(state, agent, here, ctx)
    space = state.capacity_of(agent) - agent.carrying
    if space <= 0:
        return ActionOutcome.rejected(f"you cannot carry anyone else ({agent.carrying} with you)")
    takers = ctx.claims.setdefault(f"rescue:{here.id}", [])
    if here.civilians <= 0:
        if takers:
            return ActionOutcome.rejected(
                f"no one left to rescue at {here.id}: {_names(takers)} took the last this tick",
                impulses=_resentment(agent.name, takers),
            )
        return ActionOutcome.rejected(f"no one is waiting to be rescued at {here.id}")
    wanted = _positive_int(action.get("count")) or space
    count = min(space, here.civilians, wanted)
    injured = min(count, here.injured)
    here.civilians -= count
    here.injured -= injured
    agent.carrying += count
    agent.carrying_injured += injured
    takers.append(agent.name)
    hurt = f" ({injured} injured)" if injured else ""
    text = f"took {count} people{hurt} on board at {here.id}; {here.civilians} still waiting"
    return ActionOutcome.done(
        text,
        details={"location": here.id, "count": count, "injured": injured, "left": here.civilians},
        impulses=(Impulse(agent.name, emotion={"hope": 0.05}),),
    )


def _unload(
    state: FloodState, agent: FloodAgent, action: Mapping[str, Any], ctx: WorldContext
) -> ActionOutcome:
    here = _here(state, agent)
    if agent.carrying <= 0 and not here.shelter:
        return ActionOutcome.rejected("you are not carrying anyone")
    count = agent.carrying
    if here.shelter:
        room = state.room_at(here)
        count = count if room is None else min(count, room)
        if agent.carrying > 0 and count == 0:
            return ActionOutcome.rejected(f"{here.id} is full (capacity {here.capacity})")
    injured = min(count, agent.carrying_injured)
    agent.carrying -= count
    agent.carrying_injured -= injured
    here.civilians += count
    here.injured += injured
    details: dict[str, Any] = {"location": here.id, "count": count, "injured": injured}
    impulses: tuple[Impulse, ...] = ()
    if here.shelter:
        state.rescued += count
        details["restocked"] = _restock(state, agent, here)
        text = f"brought {count} people to safety at {here.id}"
        if count:
            impulses = (Impulse(agent.name, emotion={"hope": 0.1, "stress": -0.05}),)
    else:
        text = f"set down {count} people at {here.id} (not a shelter)"
    if agent.carrying:
        text += f"; {agent.carrying} still with you"
    return ActionOutcome.done(text, details=details, impulses=impulses)


def _share(
    state: FloodState, agent: FloodAgent, action: Mapping[str, Any], ctx: WorldContext
) -> ActionOutcome:
    here = _here(state, agent)
    resource, to = action.get("resource"), action.get("to")
    if resource not in ("food", "medkits"):
        return ActionOutcome.rejected(f"cannot share {resource!r}: only food or medkits")
    amount = action.get("amount", 1)
    if not _finite(amount) or amount <= 0:
        return ActionOutcome.rejected(f"amount must be a positive number, got {amount!r}")
    if resource == "medkits":
        amount = int(amount)
    recipient = state.agents.get(to) if isinstance(to, str) else None
    if to == here.id or to == "here":
        to = here.id
    elif recipient is None or recipient.name == agent.name:
        return ActionOutcome.rejected(f"cannot share with {to!r}: name an agent here or {here.id}")
    elif recipient.location != here.id:
        return ActionOutcome.rejected(f"{to} is not at {here.id}")
    own = getattr(agent, resource)
    stock = getattr(here, resource) if recipient is not None else 0
    available = own + stock
    if available <= 0:
        users = ctx.claims.get(f"{resource}:{here.id}", [])
        if users:
            return ActionOutcome.rejected(
                f"no {resource} left at {here.id}: {_names(users)} took the last this tick",
                impulses=_resentment(agent.name, users),
            )
        return ActionOutcome.rejected(f"you have no {resource} to share")
    given = min(amount, available)
    from_own = min(given, own)
    _set(agent, resource, own - from_own)
    if given > from_own:
        _set(here, resource, stock - (given - from_own))
        ctx.claims.setdefault(f"{resource}:{here.id}", []).append(agent.name)
    holder: FloodAgent | Location = recipient if recipient is not None else here
    _set(holder, resource, getattr(holder, resource) + given)
    if resource == "food":
        state.food_shared = round_stock(state.food_shared + given)
    else:
        state.medkits_shared += int(given)
    return _shared(agent, recipient, here, resource, given)


def _shared(
    agent: FloodAgent, recipient: FloodAgent | None, here: Location, resource: str, given: float
) -> ActionOutcome:
    amount = _amount(given)
    details = {
        "resource": resource,
        "amount": given,
        "to": recipient.name if recipient else here.id,
    }
    if recipient is None:
        return ActionOutcome.done(
            f"gave {amount} {resource} to the people at {here.id}", details=details
        )
    notice = WorldNotice(
        kind="shared",
        text=f"{agent.name} gave you {amount} {resource}",
        details=details,
        witnesses=(recipient.name,),
        impulses=(Impulse(recipient.name, emotion={"hope": 0.05}, trust={agent.name: 0.1}),),
    )
    return ActionOutcome.done(
        f"gave {amount} {resource} to {recipient.name}", details=details, notices=(notice,)
    )


def _treat(
    state: FloodState, agent: FloodAgent, action: Mapping[str, Any], ctx: WorldContext
) -> ActionOutcome:
    here = _here(state, agent)
    healers = ctx.claims.setdefault(f"treat:{here.id}", [])
    if here.injured <= 0:
        if healers:
            return ActionOutcome.rejected(
                f"no injured left to treat at {here.id}:"
                f" {_names(healers)} treated the last this tick"
            )
        return ActionOutcome.rejected(f"no one is injured at {here.id}")
    if agent.medkits + here.medkits <= 0:
        return ActionOutcome.rejected(f"no medkits: you have none and {here.id} has none")
    limit = state.params["treat_per_tick"]
    wanted = _positive_int(action.get("count")) or limit
    count = min(wanted, limit, here.injured, agent.medkits + here.medkits)
    from_own = min(count, agent.medkits)
    agent.medkits -= from_own
    here.medkits -= count - from_own
    here.injured -= count
    state.medkits_used += count
    state.treated += count
    healers.append(agent.name)
    text = f"treated {count} injured at {here.id}; {here.injured} still need care"
    return ActionOutcome.done(
        text,
        details={"location": here.id, "count": count, "left": here.injured},
        impulses=(Impulse(agent.name, emotion={"hope": 0.05, "stress": -0.02}),),
    )


def _say(
    state: FloodState, agent: FloodAgent, action: Mapping[str, Any], ctx: WorldContext
) -> ActionOutcome:
    text = _text(action)
    if text is None:
        return ActionOutcome.rejected("say needs a non-empty text")
    if agent.location is None:
        return ActionOutcome.rejected("no one can hear you while you travel")
    listeners = tuple(n for n in state.people_at(agent.location) if n != agent.name)
    if not listeners:
        return ActionOutcome.rejected(f"no one else is at {agent.location} to hear you")
    return ActionOutcome.done(
        f"said to those at {agent.location}: {text}",
        details={"listeners": list(listeners)},
        speech=Speech(channel="local", text=text, recipients=listeners),
    )


def _broadcast(
    state: FloodState, agent: FloodAgent, action: Mapping[str, Any], ctx: WorldContext
) -> ActionOutcome:
    text = _text(action)
    if text is None:
        return ActionOutcome.rejected("broadcast needs a non-empty text")
    return ActionOutcome.done(f"broadcast: {text}", speech=Speech(channel="all", text=text))


def _wait(
    state: FloodState, agent: FloodAgent, action: Mapping[str, Any], ctx: WorldContext
) -> ActionOutcome:
    return ActionOutcome.done("waited")


HANDLERS: dict[str, Handler] = {
    "move": _move,
    "rescue": _rescue,
    "unload": _unload,
    "share": _share,
    "treat": _treat,
    "say": _say,
    "broadcast": _broadcast,
    "wait": _wait,
}


def _here(state: FloodState, agent: FloodAgent) -> Location:
    """Where the agent stands; only agents not in transit reach the place-bound actions."""
    assert agent.location is not None, f"{agent.name} is travelling"
    return state.locations[agent.location]


def _take_boat(state: FloodState, agent: FloodAgent, here: Location, ctx: WorldContext) -> bool:
    """Rescuers without a boat take a free one where they stand; first come, first served."""
    if agent.boat or not agent.can_rescue or here.boats <= 0:
        return False
    here.boats -= 1
    agent.boat = True
    ctx.claims.setdefault(f"boat:{here.id}", []).append(agent.name)
    return True


def _restock(state: FloodState, agent: FloodAgent, shelter: Location) -> dict[str, float]:
    """Top up the agent's supplies from a shelter's stock (unloading at a shelter does this)."""
    food = min(max(0.0, state.params["restock_food"] - agent.food), shelter.food)
    medkits = min(max(0, state.params["restock_medkits"] - agent.medkits), shelter.medkits)
    agent.food = round_stock(agent.food + food)
    shelter.food = round_stock(shelter.food - food)
    agent.medkits += medkits
    shelter.medkits -= medkits
    return {"food": food, "medkits": medkits}


def _resentment(loser: str, winners: list[str]) -> tuple[Impulse, ...]:
    trust = {w: -0.05 for w in winners if w != loser}
    return (Impulse(loser, emotion={"stress": 0.05}, trust=trust),)


def _text(action: Mapping[str, Any]) -> str | None:
    text = action.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    return text.strip()[:MAX_TEXT]


def _positive_int(value: Any) -> int | None:
    if not _finite(value) or value < 1:
        return None
    return int(value)


def _finite(value: Any) -> bool:
    """A real number a model may have written (not a bool, NaN or infinity)."""
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _names(names: list[str]) -> str:
    return ", ".join(dict.fromkeys(names))


def _ticks(n: int) -> str:
    return f"{n} tick" if n == 1 else f"{n} ticks"


def _amount(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _set(holder: FloodAgent | Location, resource: str, value: float) -> None:
    setattr(holder, resource, int(value) if resource == "medkits" else round_stock(value))
