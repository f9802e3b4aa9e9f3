"""What a world kind reads from a validated scenario: read-only views of the spec's parts.

The spec models (`simengine.core.spec`) satisfy these protocols; world kinds depend on
them instead of the spec, so imports point one way (spec -> worlds, never back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class LocationSetup(Protocol):
    """A place on a map world (`world.locations[i]`)."""

    @property
    def id(self) -> str:
        """The place's name, as routes, events and agents' `start` refer to it."""

    @property
    def elevation(self) -> float:
        """Height of the ground; the place floods once the water rises above it."""

    @property
    def shelter(self) -> bool:
        """Whether people brought here are safe."""

    @property
    def capacity(self) -> int | None:
        """How many people a shelter holds; None for no limit."""

    @property
    def civilians(self) -> int:
        """People waiting here at the start."""

    @property
    def injured(self) -> int:
        """How many of those people are injured."""

    @property
    def boats(self) -> int:
        """Boats moored here at the start."""

    @property
    def food(self) -> float:
        """Food stocked here."""

    @property
    def medkits(self) -> int:
        """Medkits stocked here."""

    @property
    def x(self) -> float | None:
        """Where the place is drawn on the map, left to right (None: laid out from routes)."""

    @property
    def y(self) -> float | None:
        """Where the place is drawn on the map, top to bottom (None: laid out from routes)."""


class RouteSetup(Protocol):
    """A two-way route between two locations (`world.routes[i]`)."""

    @property
    def a(self) -> str:
        """One end of the route (a location id)."""

    @property
    def b(self) -> str:
        """The other end of the route (a location id)."""

    @property
    def ticks(self) -> int:
        """How many ticks the trip takes, either way."""


class WorldSetup(Protocol):
    """The `world` section of a scenario."""

    @property
    def kind(self) -> str:
        """The registered world kind's name."""

    @property
    def params(self) -> Mapping[str, Any]:
        """The kind's parameters as written; the kind resolves their defaults."""

    @property
    def locations(self) -> Sequence[LocationSetup]:
        """The map's places, in declaration order (empty without a map)."""

    @property
    def routes(self) -> Sequence[RouteSetup]:
        """The map's routes between places."""

    @property
    def resources(self) -> Mapping[str, float]:
        """Extra stocks by name (food, medkits) a kind places in the world, e.g. at a shelter."""


class TemplateSetup(Protocol):
    """An agent template (`agent_templates[i]`), as far as a world kind checks it."""

    @property
    def id(self) -> str:
        """The template's id, as rooms and error paths name it."""

    @property
    def kind(self) -> str:
        """The agent kind: human, environment, designer or evaluator."""

    @property
    def start(self) -> str | None:
        """The location its agents start at; None in worlds without a map."""

    @property
    def params(self) -> Mapping[str, Any]:
        """Kind-specific agent parameters, as written."""


class EventSetup(Protocol):
    """A scripted event (`events[i]`)."""

    @property
    def at_tick(self) -> int:
        """The tick the event fires at."""

    @property
    def type(self) -> str:
        """The event type, one the world kind declares."""

    @property
    def params(self) -> Mapping[str, Any]:
        """The event's parameters, checked against the kind's table."""


class ScenarioSetup(Protocol):
    """A whole validated scenario, as far as a world kind builds its first state from it."""

    @property
    def world(self) -> WorldSetup:
        """The world section."""


class AgentSetup(Protocol):
    """One agent expanded from a template."""

    @property
    def id(self) -> str:
        """The agent's id, unique in the run."""

    @property
    def name(self) -> str:
        """The name other agents and messages use."""

    @property
    def kind(self) -> str:
        """The agent kind: human, environment, designer or evaluator."""

    @property
    def actions(self) -> Sequence[str]:
        """The action types this agent may take."""

    @property
    def start(self) -> str | None:
        """The location the agent starts at; None in worlds without a map."""

    @property
    def params(self) -> Mapping[str, Any]:
        """Kind-specific agent parameters, as written."""
