"""The `flood` world: rising water, a levee, boats, routes, civilians, food and medkits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from typing_extensions import override

from simengine.core.worlds.base import (
    DEFAULT_POLICY,
    ActionOutcome,
    WorldContext,
    WorldKind,
    WorldNotice,
)
from simengine.core.worlds.flood.actions import apply_flood_action, flood_action_params
from simengine.core.worlds.flood.dynamics import advance_flood, apply_flood_event
from simengine.core.worlds.flood.memory import flood_importance, flood_situation
from simengine.core.worlds.flood.metrics import METRICS
from simengine.core.worlds.flood.observe import observe_all_flood, observe_flood
from simengine.core.worlds.flood.policy import flood_heuristic
from simengine.core.worlds.flood.rules import flood_rules
from simengine.core.worlds.flood.starter import STARTER
from simengine.core.worlds.flood.state import FloodAgent, FloodState, Location
from simengine.core.worlds.flood.tables import AGENT_PARAMS, EVENTS, PARAMS, RESOURCES
from simengine.core.worlds.flood.view import flood_view
from simengine.core.worlds.params import resolve_params
from simengine.core.worlds.setup import AgentSetup, EventSetup, ScenarioSetup, WorldSetup
from simengine.core.worlds.view import ViewContext, WorldView


class FloodWorld(WorldKind):
    """A city flooding: agents rescue civilians before the water reaches them."""

    name = "flood"
    actions = {
        "move": "travel to a location along the routes (takes the route's travel time)",
        "rescue": "take people waiting here into your boat (or carry one on foot)",
        "unload": "set down everyone you carry here; at a shelter they are safe and you restock",
        "share": "give food or medkits to an agent here or to the people at your location",
        "treat": "use medkits to treat injured people at your location",
        "say": "speak to the agents at your location",
        "broadcast": "radio a message to every agent",
        "wait": "do nothing this tick",
    }
    params = PARAMS
    agent_params = AGENT_PARAMS
    events = EVENTS
    metrics = METRICS
    policies = {DEFAULT_POLICY: flood_heuristic}
    starter = STARTER
    cooperative_actions = frozenset({"rescue", "share", "treat"})
    has_map = True

    @override
    def view(self, state: FloodState, context: ViewContext | None = None) -> WorldView:
        return flood_view(state, context or ViewContext())

    @override
    def validate_world(self, world: WorldSetup) -> list[str]:
        errors = []
        if not world.locations:
            errors.append("world.locations: world kind 'flood' needs at least one location")
        ids: set[str] = set()
        for i, location in enumerate(world.locations):
            if location.id in ids:
                errors.append(f"world.locations[{i}].id: duplicate location id '{location.id}'")
            ids.add(location.id)
            if location.injured > location.civilians:
                limit = location.civilians
                errors.append(f"world.locations[{i}].injured: must not exceed civilians ({limit})")
            errors += _position_errors(world, i)
        if world.locations and not any(loc.shelter for loc in world.locations):
            errors.append("world.locations: needs at least one location with shelter: true")
        for i, route in enumerate(world.routes):
            for j, end in enumerate((route.a, route.b)):
                if end not in ids:
                    errors.append(f"world.routes[{i}][{j}]: unknown location '{end}'")
            if route.a == route.b:
                errors.append(f"world.routes[{i}]: a route must join two different locations")
        for name in world.resources:
            if name not in RESOURCES:
                errors.append(
                    f"world.resources.{name}: unknown resource (known: {', '.join(RESOURCES)})"
                )
        return errors

    @override
    def validate_event(self, event: EventSetup, path: str, world: WorldSetup) -> list[str]:
        location = event.params.get("location")
        known = list(dict.fromkeys(loc.id for loc in world.locations))
        if isinstance(location, str) and location not in known:
            return [
                f"{path}.params.location: unknown location '{location}' (known: {', '.join(known)})"
            ]
        return []

    @override
    def initial_state(self, spec: ScenarioSetup, agents: Sequence[AgentSetup]) -> FloodState:
        params = resolve_params(spec.world.params, PARAMS)
        locations = {
            loc.id: Location(
                id=loc.id,
                elevation=float(loc.elevation),
                shelter=loc.shelter,
                capacity=loc.capacity,
                civilians=loc.civilians,
                injured=loc.injured,
                boats=loc.boats,
                food=float(loc.food),
                medkits=loc.medkits,
            )
            for loc in spec.world.locations
        }
        depot = next(loc for loc in locations.values() if loc.shelter)
        depot.food += float(spec.world.resources.get("food", 0))
        depot.medkits += int(spec.world.resources.get("medkits", 0))
        bodies = {}
        for agent in agents:
            if agent.kind == "environment":
                continue
            own = resolve_params(agent.params, AGENT_PARAMS)
            bodies[agent.name] = FloodAgent(
                name=agent.name,
                location=agent.start,
                can_rescue="rescue" in agent.actions,
                food=own["food"],
                medkits=own["medkits"],
            )
        return FloodState(
            params=params,
            water_level=params["initial_water_level"],
            rain_intensity=params["rain_intensity"],
            levee_breached=False,
            locations=locations,
            routes=[[r.a, r.b, r.ticks] for r in spec.world.routes],
            agents=bodies,
            at_risk_total=sum(loc.civilians for loc in locations.values() if not loc.shelter),
        )

    @override
    def load_state(self, data: Mapping[str, Any]) -> FloodState:
        return FloodState.from_json(data)

    @override
    def observe(self, state: FloodState, agent: str) -> dict[str, Any]:
        return observe_flood(state, agent)

    @override
    def observe_all(self, state: FloodState, agents: Sequence[str]) -> dict[str, dict[str, Any]]:
        return observe_all_flood(state, agents)

    @override
    def agent_details(self, state: FloodState, agent: str) -> dict[str, Any]:
        body = state.agents.get(agent)
        if body is None:
            return {"location": None}
        transit = body.transit
        return {
            "location": body.location,
            "in_transit": (
                {
                    "from": transit.origin,
                    "to": transit.destination,
                    "ticks_left": transit.ticks_left,
                }
                if transit
                else None
            ),
            "boat": body.boat,
            "carrying": body.carrying,
            "food": body.food,
            "medkits": body.medkits,
        }

    @override
    def action_params(self, state: FloodState) -> dict[str, tuple[dict[str, Any], tuple[str, ...]]]:
        return flood_action_params(state)

    @override
    def rules(self, state: FloodState) -> str:
        return flood_rules(state)

    @override
    def apply_action(
        self, state: FloodState, agent: str, action: Mapping[str, Any], ctx: WorldContext
    ) -> ActionOutcome:
        return apply_flood_action(state, agent, action, ctx)

    @override
    def apply_event(
        self, state: FloodState, kind: str, params: Mapping[str, Any], ctx: WorldContext
    ) -> list[WorldNotice]:
        return apply_flood_event(state, kind, params, ctx)

    @override
    def advance(self, state: FloodState, ctx: WorldContext) -> list[WorldNotice]:
        return advance_flood(state, ctx)

    @override
    def situation(self, state: FloodState, agent: str, observation: Mapping[str, Any]) -> str:
        """Where the agent is, who waits there, what it carries, the water."""
        return flood_situation(observation)

    @override
    def memory_importance(self, kind: str, text: str, tags: Mapping[str, Any]) -> float | None:
        """Deaths, breaches and rescues high; danger at the agent's place high."""
        return flood_importance(kind, tags)

    @override
    def check_state(self, state: FloodState) -> list[str]:
        errors = []
        for place in state.locations.values():
            for field in ("civilians", "injured", "boats", "medkits", "food"):
                if getattr(place, field) < 0:
                    errors.append(f"locations.{place.id}.{field} must not be negative")
            if place.injured > place.civilians:
                errors.append(f"locations.{place.id}.injured must not exceed its civilians")
        if state.rain_intensity < 0:
            errors.append("rain_intensity must not be negative")
        for body in state.agents.values():
            if body.location is not None and body.location not in state.locations:
                known = ", ".join(state.locations)
                errors.append(
                    f"agents.{body.name}.location: unknown location '{body.location}'"
                    f" (known: {known})"
                )
        return errors

    def check_event(
        self, kind: str, params: Mapping[str, Any], state: Mapping[str, Any]
    ) -> list[str]:
        """The generic checks, and a `location` parameter must name a place of this world."""
        errors = super().check_event(kind, params, state)
        location = params.get("location")
        known = list(state.get("locations", {}))
        if not errors and isinstance(location, str) and location not in known:
            errors.append(
                f"event.location: unknown location '{location}' (known: {', '.join(known)})"
            )
        return errors


def _position_errors(world: WorldSetup, i: int) -> list[str]:
    """A place's map position: x and y together, and on every place or on none."""
    location = world.locations[i]
    x, y = location.x, location.y
    if (x is None) != (y is None):
        missing, given = ("y", "x") if y is None else ("x", "y")
        return [f"world.locations[{i}].{missing}: required when {given} is given"]
    placed = [loc.id for loc in world.locations if loc.x is not None and loc.y is not None]
    if x is None and placed:
        return [
            f"world.locations[{i}]: x and y missing; give them on every location or on none"
            f" (given on: {', '.join(placed)})"
        ]
    return []
