"""Pluggable world kinds. Importing this package registers the built-in ones."""

from simengine.core.worlds import dialogue, flood  # noqa: F401  (registration)
from simengine.core.worlds.base import (
    ActionOutcome,
    Impulse,
    Speech,
    WorldContext,
    WorldKind,
    WorldNotice,
)
from simengine.core.worlds.registry import (
    WORLD_KINDS,
    get_world_kind,
    register_world,
    world_kind_names,
)

__all__ = [
    "WORLD_KINDS",
    "ActionOutcome",
    "Impulse",
    "Speech",
    "WorldContext",
    "WorldKind",
    "WorldNotice",
    "get_world_kind",
    "register_world",
    "world_kind_names",
]
