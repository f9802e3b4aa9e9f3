"""The one registry of world kinds: starters, metrics with directions, policies and views."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from simengine.core.offline import OfflineDecisionMaker
from simengine.core.runner import run_headless
from simengine.core.simulation import Simulation
from simengine.core.spec import parse_spec
from simengine.core.worlds import (
    WORLD_KINDS,
    find_metric,
    metric_definitions,
    starter_scenario,
)
from simengine.core.worlds.view import state_tree

WORLDS = Path(__file__).resolve().parents[2] / "simengine" / "core" / "worlds"


@pytest.mark.parametrize("kind", ["flood", "dialogue"])
def test_every_built_in_kind_has_a_starter_that_validates_and_runs(kind: str) -> None:
    spec = parse_spec(starter_scenario(kind))
    assert spec.world.kind == kind
    summary = run_headless(spec, seed=1, decision_maker=OfflineDecisionMaker(), max_ticks=3)
    assert summary.ticks <= 3
    assert set(summary.metrics) == {metric.name for metric in metric_definitions(kind)}


def test_the_starter_is_a_fresh_copy_each_time() -> None:
    first = starter_scenario("flood")
    first["world"]["locations"].clear()
    assert starter_scenario("flood")["world"]["locations"]


def test_metrics_declare_direction_bounds_unit_and_label() -> None:
    casualties = find_metric("casualties", "flood")
    assert casualties is not None
    assert (casualties.direction, casualties.low, casualties.unit) == ("lower", 0, "people")
    fraction = find_metric("rescued_fraction")
    assert fraction is not None
    assert (fraction.direction, fraction.low, fraction.high) == ("higher", 0, 1)
    assert fraction.label == "rescued fraction"
    assert find_metric("agreement", "flood") is None


def test_each_kind_answers_offline_with_its_own_policy() -> None:
    assert set(WORLD_KINDS["flood"].policies) == {"heuristic"}
    assert set(WORLD_KINDS["dialogue"].policies) == {"heuristic"}


def test_the_generic_view_is_the_state_as_a_labelled_tree() -> None:
    simulation = Simulation.create(parse_spec(starter_scenario("flood")), seed=1, run_id="v")
    view = state_tree(simulation.state.to_json(), label="flood")
    labels = [node.label for node in view.children]
    assert view.label == "flood" and "water_level" in labels and "locations" in labels
    village = next(n for n in view.children if n.label == "locations").children[1]
    civilians = next(n for n in village.children if n.label == "civilians")
    assert (civilians.value, civilians.path) == (12, "locations.village.civilians")


def test_world_kinds_never_import_the_spec_the_registry_or_the_offline_maker() -> None:
    forbidden = ("simengine.core.spec", "simengine.core.offline", "simengine.core.worlds.registry")
    offenders = []
    for path in WORLDS.rglob("*.py"):
        if path.name in ("registry.py", "__init__.py") and path.parent == WORLDS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(forbidden):
                offenders.append(f"{path.relative_to(WORLDS)}: {node.module}")
    assert offenders == []
