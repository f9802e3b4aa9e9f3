"""Flood metrics: casualties, rescues, resources and the water itself."""

from __future__ import annotations

from simengine.core.worlds.metric import MetricContext, MetricDef


def casualties(ctx: MetricContext) -> int:
    """People who died (drowned or of untreated injuries)."""
    return ctx.state.casualties


def rescued(ctx: MetricContext) -> int:
    """People brought to a shelter."""
    return ctx.state.rescued


def rescued_fraction(ctx: MetricContext) -> float:
    """Rescued over everyone who was ever at risk (outside shelters)."""
    total = ctx.state.at_risk_total
    return round(ctx.state.rescued / total, 4) if total else 0.0


def resources_used(ctx: MetricContext) -> float:
    """Food handed out plus medkits used for treatment."""
    return round(ctx.state.food_shared + ctx.state.medkits_used, 3)


def first_casualty_tick(ctx: MetricContext) -> int | None:
    """The tick of the first death (undefined while nobody has died)."""
    return ctx.state.first_casualty_tick


def water_level(ctx: MetricContext) -> float:
    """The water level in metres."""
    return ctx.state.water_level


def civilians_at_risk(ctx: MetricContext) -> int:
    """People outside shelters, waiting or being carried."""
    state = ctx.state
    waiting = sum(loc.civilians for loc in state.locations.values() if not loc.shelter)
    return waiting + sum(agent.carrying for agent in state.agents.values())


def flooded_locations(ctx: MetricContext) -> int:
    """Places under water."""
    return sum(1 for loc in ctx.state.locations.values() if loc.flooded())


def treated(ctx: MetricContext) -> int:
    """Injured people treated with a medkit."""
    return ctx.state.treated


def injured_untreated(ctx: MetricContext) -> int:
    """Injured people still waiting for care, at a place or carried."""
    state = ctx.state
    waiting = sum(loc.injured for loc in state.locations.values())
    return waiting + sum(agent.carrying_injured for agent in state.agents.values())


METRICS = (
    MetricDef("casualties", casualties, "lower", low=0, unit="people"),
    MetricDef("rescued", rescued, "higher", low=0, unit="people"),
    MetricDef("rescued_fraction", rescued_fraction, "higher", low=0, high=1),
    MetricDef("resources_used", resources_used, "higher", low=0),
    MetricDef("first_casualty_tick", first_casualty_tick, "higher", low=1, unit="tick"),
    MetricDef("water_level", water_level, "lower", unit="m"),
    MetricDef("civilians_at_risk", civilians_at_risk, "lower", low=0, unit="people"),
    MetricDef("flooded_locations", flooded_locations, "lower", low=0, unit="places"),
    MetricDef("treated", treated, "higher", low=0, unit="people"),
    MetricDef("injured_untreated", injured_untreated, "lower", low=0, unit="people"),
)
