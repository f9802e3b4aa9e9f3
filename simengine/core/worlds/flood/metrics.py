"""Flood metrics: casualties, rescues, resources and the water itself."""

from __future__ import annotations

from simengine.core.metrics import MetricContext, register_metric


@register_metric("casualties", kind="flood")
def casualties(ctx: MetricContext) -> int:
    return ctx.state.casualties


@register_metric("rescued", kind="flood")
def rescued(ctx: MetricContext) -> int:
    """People brought to a shelter."""
    return ctx.state.rescued


@register_metric("rescued_fraction", kind="flood")
def rescued_fraction(ctx: MetricContext) -> float:
    """Rescued over everyone who was ever at risk (outside shelters)."""
    total = ctx.state.at_risk_total
    return round(ctx.state.rescued / total, 4) if total else 0.0


@register_metric("resources_used", kind="flood")
def resources_used(ctx: MetricContext) -> float:
    """Food handed out plus medkits used for treatment."""
    return round(ctx.state.food_shared + ctx.state.medkits_used, 3)


@register_metric("first_casualty_tick", kind="flood")
def first_casualty_tick(ctx: MetricContext) -> int | None:
    return ctx.state.first_casualty_tick


@register_metric("water_level", kind="flood")
def water_level(ctx: MetricContext) -> float:
    return ctx.state.water_level


@register_metric("civilians_at_risk", kind="flood")
def civilians_at_risk(ctx: MetricContext) -> int:
    """People outside shelters, waiting or being carried."""
    state = ctx.state
    waiting = sum(loc.civilians for loc in state.locations.values() if not loc.shelter)
    return waiting + sum(agent.carrying for agent in state.agents.values())


@register_metric("flooded_locations", kind="flood")
def flooded_locations(ctx: MetricContext) -> int:
    return sum(1 for loc in ctx.state.locations.values() if loc.flooded())


@register_metric("treated", kind="flood")
def treated(ctx: MetricContext) -> int:
    return ctx.state.treated


@register_metric("injured_untreated", kind="flood")
def injured_untreated(ctx: MetricContext) -> int:
    state = ctx.state
    waiting = sum(loc.injured for loc in state.locations.values())
    return waiting + sum(agent.carrying_injured for agent in state.agents.values())
