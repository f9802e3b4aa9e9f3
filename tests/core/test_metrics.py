"""Rule metrics: what the flood metrics count, the generic ones, and custom registrations."""

from __future__ import annotations

from simengine.core.metrics import (
    MetricContext,
    compute_metrics,
    metric_names,
    register_metric,
    unregister_metric,
)
from simengine.core.simulation import Simulation
from tests.core.helpers import Scripted, run_ticks, say, small_flood, spec_of


def test_flood_metrics_count_rescues_resources_messages_and_cooperation() -> None:
    data = small_flood(**{"world.params.water_rise_per_tick": 0.0})
    simulation = Simulation.create(spec_of(data), seed=1, run_id="m")
    script = {
        ("Crew 1", 1): [{"type": "rescue"}, {"type": "move", "to": "hill"}],
        ("Crew 1", 4): [{"type": "unload"}],
        ("Medic", 1): [{"type": "treat"}],
        ("Crew 2", 1): [{"type": "share", "resource": "food", "amount": 2, "to": "low"}],
        ("Chief", 1): say("room:ops", "Go"),
    }
    run_ticks(simulation, Scripted(script), 4)
    metrics = simulation.metrics
    assert metrics["rescued"] == 3
    assert metrics["rescued_fraction"] == round(3 / 9, 4)
    assert metrics["resources_used"] == 3  # 2 food shared + 1 medkit used
    assert metrics["treated"] == 1 and metrics["messages_sent"] == 1
    assert metrics["cooperation"] == 1.0  # rescue + treat + share + one message, over 4 agents
    assert metrics["casualties"] == 0 and metrics["first_casualty_tick"] is None
    assert metrics["civilians_at_risk"] == 6 and metrics["water_level"] == 0.0


def test_every_world_kind_has_the_generic_metrics_first() -> None:
    assert metric_names("flood")[:2] == ["messages_sent", "cooperation"]
    assert "agreement" in metric_names("dialogue") and "casualties" not in metric_names("dialogue")


def test_a_custom_metric_is_a_small_registered_function() -> None:
    @register_metric("dry_places", kind="flood")
    def dry_places(ctx: MetricContext) -> int:
        return sum(1 for place in ctx.state.locations.values() if not place.flooded())

    simulation = Simulation.create(spec_of(small_flood()), seed=1, run_id="m")
    assert simulation.metrics["dry_places"] == 3
    assert "dry_places" in metric_names("flood")
    context = MetricContext("flood", 0, simulation.state, {}, 0, frozenset())
    assert compute_metrics(context)["dry_places"] == 3
    unregister_metric("dry_places", kind="flood")
    assert "dry_places" not in metric_names("flood")
