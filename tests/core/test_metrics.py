"""Rule metrics: what the flood metrics count, the generic ones, and custom registrations."""

from __future__ import annotations

import pytest

from simengine.core.metrics import MetricContext, compute_metrics, metric_direction, metric_names
from simengine.core.simulation import Simulation
from simengine.core.worlds import MetricDef, get_world_kind
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


def test_a_custom_metric_is_a_small_function_the_kind_declares(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def dry_places(ctx: MetricContext) -> int:
        return sum(1 for place in ctx.state.locations.values() if not place.flooded())

    flood = get_world_kind("flood")
    extra = MetricDef("dry_places", dry_places, "higher", low=0)
    monkeypatch.setattr(type(flood), "metrics", (*flood.metrics, extra))
    simulation = Simulation.create(spec_of(small_flood()), seed=1, run_id="m")
    assert simulation.metrics["dry_places"] == 3
    assert metric_names("flood")[-1] == "dry_places"
    context = MetricContext("flood", 0, simulation.state, {}, 0, frozenset())
    assert compute_metrics(context)["dry_places"] == 3
    monkeypatch.undo()
    assert "dry_places" not in metric_names("flood")


def test_every_metric_says_which_way_is_better() -> None:
    assert metric_direction("casualties") == "lower"
    assert metric_direction("rescued_fraction") == "higher"
    assert metric_direction("first_casualty_tick") == "higher"
    assert metric_direction("decided_tick", "dialogue") == "lower"
    assert metric_direction("cooperation") == "higher"
    assert metric_direction("no_such_metric") == "higher"
