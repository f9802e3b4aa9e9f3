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
    def id(self) -> str: ...
    @property
    def elevation(self) -> float: ...
    @property
    def shelter(self) -> bool: ...
    @property
    def capacity(self) -> int | None: ...
    @property
    def civilians(self) -> int: ...
    @property
    def injured(self) -> int: ...
    @property
    def boats(self) -> int: ...
    @property
    def food(self) -> float: ...
    @property
    def medkits(self) -> int: ...


class RouteSetup(Protocol):
    """A two-way route between two locations (`world.routes[i]`)."""

    @property
    def a(self) -> str: ...
    @property
    def b(self) -> str: ...
    @property
    def ticks(self) -> int: ...


class WorldSetup(Protocol):
    """The `world` section of a scenario."""

    @property
    def kind(self) -> str: ...
    @property
    def params(self) -> Mapping[str, Any]: ...
    @property
    def locations(self) -> Sequence[LocationSetup]: ...
    @property
    def routes(self) -> Sequence[RouteSetup]: ...
    @property
    def resources(self) -> Mapping[str, float]: ...


class TemplateSetup(Protocol):
    """An agent template (`agent_templates[i]`), as far as a world kind checks it."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def start(self) -> str | None: ...
    @property
    def params(self) -> Mapping[str, Any]: ...


class EventSetup(Protocol):
    """A scripted event (`events[i]`)."""

    @property
    def at_tick(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def params(self) -> Mapping[str, Any]: ...


class ScenarioSetup(Protocol):
    """A whole validated scenario, as far as a world kind builds its first state from it."""

    @property
    def world(self) -> WorldSetup: ...


class AgentSetup(Protocol):
    """One agent expanded from a template."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def actions(self) -> Sequence[str]: ...
    @property
    def start(self) -> str | None: ...
    @property
    def params(self) -> Mapping[str, Any]: ...
