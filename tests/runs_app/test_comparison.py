"""Comparison maths: per-cell tables with CIs, and runs side by side with the best marked."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from runs_app.services.comparison import batch_cell_tables, runs_comparison
from scenarios_app.services import scenario_import
from tests.console.conftest import finished_run

SAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "riverside_flood.yaml"


def test_batch_cell_tables_give_rows_per_cell_and_drop_non_finite_bounds():
    aggregates = {
        "a": {
            "params": {"rain_intensity": 0.5},
            "runs": 3,
            "metrics": {"rescued": {"mean": 4.0, "ci_low": 3.0, "ci_high": 5.0, "n": 3}},
        },
        "b": {
            "params": {},
            "runs": 1,
            "metrics": {"rescued": {"mean": 2.0, "ci_low": -math.inf, "ci_high": math.nan, "n": 1}},
        },
    }
    tables = batch_cell_tables(aggregates=aggregates)
    assert tables["metric_names"] == ["rescued"]
    assert [row["label"] for row in tables["cell_rows"]] == ["rain_intensity=0.5", "base"]
    assert tables["ci_chart"]["metrics"]["rescued"] == [
        {"mean": 4.0, "low": 3.0, "high": 5.0, "n": 3},
        {"mean": 2.0, "low": None, "high": None, "n": 1},
    ]


@pytest.mark.django_db
def test_runs_side_by_side_mark_the_value_the_given_rule_calls_best():
    version = scenario_import(text=SAMPLE.read_text(encoding="utf-8")).version
    runs = [finished_run(version, ticks=2, seed=seed) for seed in (1, 2)]
    comparison = runs_comparison(runs=runs, best=lambda metric, values: 42.0)
    assert comparison["overlaid"] and comparison["spread"]  # two seeds of one condition
    assert [group["n"] for group in comparison["groups"]] == [2]
    assert [len(line["points"]) for line in comparison["chart"]["lines"]] == [2, 2]
    assert comparison["rows"] and all(row["best"] == 42.0 for row in comparison["rows"])
    assert all(len(row["values"]) == 2 for row in comparison["rows"])
