"""The next sweep: by rules from a batch's cells, or by a model, started only on confirmation."""

import math

import pytest

from runs_app.models import Batch
from runs_app.services.analysis import (
    SweepUnavailable,
    batch_sweep_proposal,
    batch_sweep_start,
)
from simengine.core.designer import Target, propose_sweep_by_rules, target_from_condition
from simengine.core.worlds.flood.tables import PARAMS
from tests.evaluation.conftest import finished_batch
from tests.fakes import Reply
from tests.runs_app.factories import small_flood_version


def cell(params, mean, half=0.01, runs=5):
    metric = {"n": runs, "mean": mean, "std": 0.1, "ci_low": mean - half, "ci_high": mean + half}
    return {"params": params, "runs": runs, "metrics": {"rescued_fraction": metric}}


def propose(grid, cells, **kwargs):
    return propose_sweep_by_rules(
        grid=grid,
        cells=cells,
        target=kwargs.pop("target", Target("rescued_fraction")),
        params=PARAMS,
        current={"rain_intensity": 0.6},
        seeds_per_cell=kwargs.pop("seeds", 5),
    )


def test_a_best_value_at_the_edge_extends_the_range():
    grid = {"rain_intensity": [0.2, 0.4, 0.6]}
    cells = [cell({"rain_intensity": v}, m) for v, m in [(0.2, 0.5), (0.4, 0.6), (0.6, 0.9)]]
    proposal = propose(grid, cells)
    assert proposal.grid == {"rain_intensity": [0.6, 0.8, 1]}
    assert "top value" in proposal.reasons["rain_intensity"]
    assert proposal.seeds_per_cell == 5 and proposal.source == "rules"


def test_an_inner_best_value_is_refined_and_minimised_targets_flip():
    grid = {"rain_intensity": [0.2, 0.4, 0.6]}
    cells = [cell({"rain_intensity": v}, m) for v, m in [(0.2, 0.5), (0.4, 0.9), (0.6, 0.6)]]
    assert propose(grid, cells).grid == {"rain_intensity": [0.3, 0.4, 0.5]}
    lowest = propose(grid, cells, target=Target("rescued_fraction", maximize=False))
    assert lowest.grid == {"rain_intensity": [0, 0.2]}  # clipped at the parameter's minimum
    assert "extend downward" in lowest.reasons["rain_intensity"]


def test_when_no_swept_parameter_matters_other_parameters_are_tried():
    grid = {"rain_intensity": [0.2, 0.6]}
    cells = [cell({"rain_intensity": r}, 0.5, half=0.2) for r in (0.2, 0.6)]
    proposal = propose(grid, cells)
    assert proposal.grid["rain_intensity"] == [0.2]
    assert "water_rise_per_tick" in proposal.grid and "levee_height" in proposal.grid


def test_a_parameter_within_the_noise_is_fixed_and_wide_intervals_add_seeds():
    grid = {"rain_intensity": [0.2, 0.6], "boat_capacity": [4, 8]}
    cells = [
        cell({"rain_intensity": r, "boat_capacity": b}, 0.5 + (0.3 if b == 8 else 0), half=0.2)
        for r in (0.2, 0.6)
        for b in (4, 8)
    ]
    proposal = propose(grid, cells)
    assert len(proposal.grid["rain_intensity"]) == 1
    assert "within the noise" in proposal.reasons["rain_intensity"]
    assert proposal.grid["boat_capacity"] == [8, 12, 16]
    assert proposal.seeds_per_cell == 10


def test_a_batch_without_a_grid_gets_a_first_sweep_of_world_parameters():
    proposal = propose({}, [cell({}, 0.5)])
    assert proposal.grid["rain_intensity"] == [0.3, 0.6, 0.9]
    assert len(proposal.grid) == 2


def test_the_target_comes_from_the_success_condition():
    assert target_from_condition({"metric": "casualties", "op": "<=", "value": 3}, "x") == Target(
        "casualties", maximize=False
    )
    assert target_from_condition(None, "cooperation") == Target("cooperation")


@pytest.fixture
def batch(db) -> Batch:
    version = small_flood_version(max_ticks=5, name="Sweep flood")
    return finished_batch(version, {"rain_intensity": [0.3, 0.9]}, seeds=2, ticks=5)


def test_the_service_proposes_by_rules_and_starts_only_when_asked(batch):
    proposal = batch_sweep_proposal(batch=batch)
    # five ticks of rain change no rescue: rain stays put and other parameters are tried
    assert len(proposal.grid["rain_intensity"]) == 1
    assert "No swept parameter clearly moved rescued_fraction" in proposal.rationale
    assert {"water_rise_per_tick", "levee_height"} <= set(proposal.grid)
    assert Batch.objects.count() == 1
    new = batch_sweep_start(batch=batch, grid=proposal.grid, seeds_per_cell=2)
    assert new.scenario_version == batch.scenario_version
    assert new.total_runs == 2 * math.prod(len(v) for v in proposal.grid.values())


def test_a_model_proposal_with_an_unknown_parameter_is_repaired(batch, ollama):
    bad = {
        "parameters": [{"name": "rainfall", "values": [1, 2], "why": "more rain"}],
        "seeds_per_cell": 3,
        "rationale": "Try rain.",
    }
    good = {
        "parameters": [{"name": "rain_intensity", "values": [0.5, 0.7], "why": "refine"}],
        "seeds_per_cell": 4,
        "rationale": "Refine the rain.",
    }
    ollama.script(Reply.json(bad), Reply.json(good))

    proposal = batch_sweep_proposal(batch=batch, model="ollama/llama3.2")

    assert proposal.grid == {"rain_intensity": [0.5, 0.7]}
    assert proposal.seeds_per_cell == 4 and proposal.source == "ollama/llama3.2"
    shown = ollama.chats()[1]["messages"][-1]["content"]
    assert "rainfall" in shown and "unknown parameter" in shown
    assert "RESULTS PER CELL" in ollama.chats()[0]["messages"][-1]["content"]


def test_a_model_proposal_invalid_twice_starts_nothing(batch, ollama):
    ollama.script(Reply.text("no idea"), Reply.text("still no idea"))
    with pytest.raises(SweepUnavailable, match="no usable proposal"):
        batch_sweep_proposal(batch=batch, model="ollama/llama3.2")
    assert Batch.objects.count() == 1


def test_an_unusable_proposal_lists_each_problem_once_in_plain_words(batch, ollama):
    odd = {
        "parameters": [{"name": "I will do my part.", "values": [False], "why": "duty"}],
        "seeds_per_cell": 2,
        "rationale": "Be brave.",
    }
    ollama.script(Reply.json(odd), Reply.json(odd))
    with pytest.raises(SweepUnavailable) as failure:
        batch_sweep_proposal(batch=batch, model="ollama/llama3.2")
    assert (
        failure.value.message
        == "ollama/llama3.2 gave no usable proposal (its answer and one repair)"
    )
    problems = failure.value.problems
    assert problems == list(dict.fromkeys(problems)) and len(problems) == 1
    assert "is not a parameter of this scenario" in problems[0]
    assert "=False" not in problems[0] and "repair" not in problems[0]
