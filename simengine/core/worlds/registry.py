"""The world kinds a scenario may name, keyed by `world.kind` (like healthchecks' TRANSPORTS)."""

from __future__ import annotations

from simengine.core.worlds.base import WorldKind

WORLD_KINDS: dict[str, WorldKind] = {}


def register_world(kind: type[WorldKind]) -> type[WorldKind]:
    """Class decorator: make a world kind available under its `name`."""
    WORLD_KINDS[kind.name] = kind()
    return kind


def get_world_kind(name: str) -> WorldKind:
    """The registered world kind called `name`; KeyError if there is none."""
    try:
        return WORLD_KINDS[name]
    except KeyError:
        raise KeyError(f"unknown world kind {name!r}") from None


def world_kind_names() -> list[str]:
    return sorted(WORLD_KINDS)
