"""The flood's view: a map of places, routes, agents as tokens, words and events marked.

Each place shows its elevation against the water, its people and supplies; this tick's
words are bubbles, the levee and events (breach, supply drop) are marked.

The model is the `"map"` renderer's shape (see `flood_view`); positions come from
`simengine.core.worlds.layout.map_layout`, so they do not move between ticks.
"""

from __future__ import annotations

import math
from typing import Any

from simengine.core.worlds.flood.state import FloodState, Location
from simengine.core.worlds.layout import MapLayout, Point, map_layout
from simengine.core.worlds.view import ViewContext, WorldView, bubble_left, bubble_width

PLACE_RADIUS = 22.0
TOKEN_GAP = 22.0  # tokens stand in rows of TOKEN_ROW to the right of their place
TOKEN_ROW = 3
MARKED = ("levee_breach", "supply_drop", "location_flooded", "casualties", "stranded")
LISTED = (*MARKED, "location_drained", "food_shortage", "rain_change")  # worth a line


def flood_layout(state: FloodState, context: ViewContext) -> MapLayout:
    """Where each place is drawn: the scenario's x/y when given, else laid out from routes."""
    places = list(state.locations)
    given: list[Point | None] = []
    if context.world is not None:
        by_id = {loc.id: loc for loc in context.world.locations}
        for place in places:
            loc = by_id.get(place)
            x, y = getattr(loc, "x", None), getattr(loc, "y", None)
            given.append((float(x), float(y)) if x is not None and y is not None else None)
    routes = [(str(a), str(b), float(t)) for a, b, t in state.routes]
    heights = [state.locations[p].elevation for p in places]
    return map_layout(places, routes, given=given, heights=heights)


def flood_view(state: FloodState, context: ViewContext) -> WorldView:
    """The `"map"` view model of a flood at `context.tick`.

    Data keys: `width`, `height`, `tick`, `layout` ("scenario" | "auto"), `water_level`,
    `rain_intensity`, `levee` ({height, breached, breach_tick, breached_now}),
    `locations` (one dict per place, see `_place`), `edges` ({a, b, ticks, x1, y1, x2,
    y2}), `tokens` (one per agent body, see `_tokens`), `bubbles` ({speaker, text, x, y}),
    `happenings` ({kind, text, location, x, y}).
    """
    layout = flood_layout(state, context)
    at = layout.positions
    tokens = _tokens(state, context, at)
    token_at = {token["name"]: (token["x"], token["y"]) for token in tokens}
    bubbles = []
    for utterance in context.utterances:
        if utterance.speaker in token_at:
            x, y = token_at[utterance.speaker]
            text = utterance.short()
            bubbles.append(
                {
                    "speaker": utterance.speaker,
                    "text": text,
                    "x": x,
                    "y": y,
                    "width": bubble_width(text),
                    "left": bubble_left(x, bubble_width(text), layout.width),
                }
            )
    lowest = min(state.locations.values(), key=lambda loc: loc.elevation, default=None)
    happenings = []
    for happening in context.happenings:
        if happening.kind not in LISTED:
            continue  # arrivals and the like: the tokens already show them
        place = happening.details.get("location")
        if happening.kind == "levee_breach" and lowest is not None:
            place = lowest.id  # the levee guards the low town
        x, y = at.get(str(place), (None, None)) if place else (None, None)
        happenings.append(
            {
                "kind": happening.kind,
                "label": happening.kind.replace("_", " "),
                "text": happening.text,
                "location": place,
                "x": x,
                "y": y,
                "marked": happening.kind in MARKED and x is not None,
            }
        )
    return WorldView(
        template="map",
        title="flood",
        data={
            "width": layout.width,
            "height": layout.height,
            "tick": context.tick,
            "layout": layout.source,
            "water_level": state.water_level,
            "rain_intensity": state.rain_intensity,
            "levee": {
                "height": state.params.get("levee_height"),
                "breached": state.levee_breached,
                "breach_tick": state.breach_tick,
                "breached_now": state.breach_tick is not None and state.breach_tick == context.tick,
            },
            "locations": [_place(state, loc, at[loc.id]) for loc in state.locations.values()],
            "edges": [
                {
                    "a": a,
                    "b": b,
                    "ticks": ticks,
                    "x1": at[a][0],
                    "y1": at[a][1],
                    "x2": at[b][0],
                    "y2": at[b][1],
                }
                for a, b, ticks in state.routes
                if a in at and b in at
            ],
            "tokens": tokens,
            "bubbles": bubbles,
            "happenings": happenings,
            "rescued": state.rescued,
            "casualties": state.casualties,
        },
    )


def _place(state: FloodState, loc: Location, point: Point) -> dict[str, Any]:
    depth = round(state.water_level - loc.elevation, 2)
    return {
        "id": loc.id,
        "x": point[0],
        "y": point[1],
        "r": PLACE_RADIUS,
        "elevation": loc.elevation,
        "flooded": loc.flooded(),
        "depth": max(depth, 0.0),
        "clearance": max(-depth, 0.0),  # how far the ground stands above the water
        "civilians": loc.civilians,
        "injured": loc.injured,
        "shelter": loc.shelter,
        "capacity": loc.capacity,
        "food": loc.food,
        "medkits": loc.medkits,
        "boats": loc.boats,
        "casualties": loc.casualties,
        "people": state.people_at(loc.id),
        "in_transit_to": [
            a.name for a in state.agents.values() if a.transit and a.transit.destination == loc.id
        ],
    }


def _tokens(state: FloodState, context: ViewContext, at: dict[str, Point]) -> list[dict[str, Any]]:
    """One token per agent body: in rows beside its place, or along its route when moving."""
    seats: dict[str, int] = {}
    crowd: dict[str, int] = {}
    for body in state.agents.values():
        transit = body.transit
        key = body.location or (_route_key(transit.origin, transit.destination) if transit else "")
        crowd[key] = crowd.get(key, 0) + 1
    tokens = []
    for body in state.agents.values():
        participant = context.participant(body.name)
        moving = None
        if (
            body.transit is not None
            and body.transit.origin in at
            and body.transit.destination in at
        ):
            transit = body.transit
            key = _route_key(transit.origin, transit.destination)
            (x1, y1), (x2, y2) = at[transit.origin], at[transit.destination]
            done = (transit.total - transit.ticks_left) / max(transit.total, 1)
            done = min(max(done, 0.3), 0.7)  # clear of both places
            seat = seats.get(key, 0)
            seats[key] = seat + 1
            # side by side across the route, so travellers on one route do not overlap
            length = math.hypot(x2 - x1, y2 - y1) or 1.0
            nx, ny = -(y2 - y1) / length, (x2 - x1) / length
            shift = (seat - (crowd[key] - 1) / 2) * 14
            x, y = x1 + (x2 - x1) * done + nx * shift, y1 + (y2 - y1) * done + ny * shift
            moving = {
                "from": transit.origin,
                "to": transit.destination,
                "ticks_left": transit.ticks_left,
            }
        elif body.location in at:
            key = body.location
            seat = seats.get(key, 0)
            seats[key] = seat + 1
            rows = math.ceil(crowd[key] / TOKEN_ROW)
            cx, cy = at[key]
            x = cx + PLACE_RADIUS + 14 + (seat % TOKEN_ROW) * TOKEN_GAP
            y = cy + (seat // TOKEN_ROW - (rows - 1) / 2) * TOKEN_GAP
        else:
            continue
        emotion = dict(participant.emotion)
        feelings = {k: v for k, v in emotion.items() if isinstance(v, int | float)}
        tokens.append(
            {
                "name": body.name,
                "label": "".join(word[0] for word in body.name.split())[:3].upper(),
                "x": round(x, 1),
                "y": round(y, 1),
                "location": body.location,
                "moving": moving,
                "boat": body.boat,
                "carrying": body.carrying,
                "status": participant.status,
                "role": participant.role,
                "mood": max(feelings, key=lambda k: feelings[k]) if feelings else "",
                "fear": feelings.get("fear"),
            }
        )
    return tokens


def _route_key(a: str, b: str) -> str:
    """One key for both directions of a route (travellers either way share its lanes)."""
    return "|".join(sorted((a, b)))
