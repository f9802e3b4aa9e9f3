"""The one registry of world kinds, keyed by `world.kind` (like healthchecks' TRANSPORTS).

Everything the rest of the project asks about a kind goes through here: the kind itself,
its metrics (with their direction), its offline policies and its starter scenario.
Adding a built-in kind: import its class below and add an instance to `BUILT_IN_KINDS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simengine.core.worlds.base import Policy, WorldKind
from simengine.core.worlds.dialogue import DialogueWorld
from simengine.core.worlds.flood import FloodWorld
from simengine.core.worlds.metric import (
    COMMON_METRICS,
    Direction,
    MetricContext,
    MetricDef,
    MetricValue,
)

BUILT_IN_KINDS: tuple[WorldKind, ...] = (
    DialogueWorld(),
    FloodWorld(),
)

WORLD_KINDS: dict[str, WorldKind] = {kind.name: kind for kind in BUILT_IN_KINDS}


def register_world(kind: WorldKind) -> WorldKind:
    """Make a world kind available under its `name` (plugins, tests); returns it."""
    if not getattr(kind, "name", ""):
        raise ValueError(f"{type(kind).__name__} has no name")
    WORLD_KINDS[kind.name] = kind
    return kind


def unregister_world(name: str) -> None:
    """Remove a registered kind (plugins that unload, tests)."""
    WORLD_KINDS.pop(name, None)


def get_world_kind(name: str) -> WorldKind:
    """The registered world kind called `name`; KeyError if there is none."""
    try:
        return WORLD_KINDS[name]
    except KeyError:
        raise KeyError(f"unknown world kind {name!r}") from None


def world_kind_names() -> list[str]:
    """Every registered kind's name, sorted."""
    return sorted(WORLD_KINDS)


# -- metrics --
def metric_definitions(kind: str) -> tuple[MetricDef, ...]:
    """Every metric of a kind, common ones first; only the common ones for an unknown kind."""
    known = WORLD_KINDS.get(kind)
    return known.metric_defs() if known is not None else COMMON_METRICS


def metric_names(kind: str) -> list[str]:
    """Every metric name available to a kind, in computation order."""
    return [metric.name for metric in metric_definitions(kind)]


def find_metric(name: str, kind: str | None = None) -> MetricDef | None:
    """A metric's definition: the kind's own if given, else the first kind that has one."""
    if kind is not None and kind in WORLD_KINDS:
        candidates: Iterable[MetricDef] = metric_definitions(kind)
    else:
        candidates = _every_definition()
    return next((metric for metric in candidates if metric.name == name), None)


def metric_bounds(kind: str) -> dict[str, tuple[float | None, float | None]]:
    """Each metric of a kind with its (low, high) bounds, None where it has none."""
    return {metric.name: (metric.low, metric.high) for metric in metric_definitions(kind)}


def metric_direction(name: str, kind: str | None = None) -> Direction:
    """Which way is better for a metric ("higher" or "lower"); "higher" when unknown."""
    metric = find_metric(name, kind)
    return metric.direction if metric is not None else "higher"


def compute_metrics(ctx: MetricContext) -> dict[str, MetricValue]:
    """Evaluate every metric of the context's world kind."""
    return {metric.name: metric.compute(ctx) for metric in metric_definitions(ctx.world_kind)}


def _every_definition() -> Iterable[MetricDef]:
    for kind in WORLD_KINDS.values():
        yield from kind.metric_defs()
    yield from COMMON_METRICS  # when no kind is registered at all


# -- offline policies --
def policy_names() -> list[str]:
    """Every name `offline/<name>` may use (over all kinds), sorted."""
    return sorted({name for kind in WORLD_KINDS.values() for name in kind.policies})


def find_policy(name: str, kind: str) -> Policy | None:
    """The offline policy `name` of world kind `kind`, if it has one."""
    known = WORLD_KINDS.get(kind)
    return known.policies.get(name) if known is not None else None


# -- the designer's blank page --
def starter_scenario(kind: str) -> dict[str, Any]:
    """A fresh copy of a kind's starter scenario (a minimal valid scenario document)."""
    return get_world_kind(kind).starter_scenario()
