"""The headless runner: one run to its end, many seeds with aggregates."""

from __future__ import annotations

from typing import Any

from simengine.core.controls import QueuedControls, StopRun
from simengine.core.offline import OfflineDecisionMaker
from simengine.core.runner import default_run_id, run_headless, run_many
from tests.core.helpers import sample


def test_a_headless_run_goes_to_its_end() -> None:
    ticks = []
    summary = run_headless(
        sample("riverside_flood.yaml"),
        seed=3,
        decision_maker=OfflineDecisionMaker(),
        max_ticks=12,
        on_tick=lambda result: ticks.append(result.tick),
    )
    assert summary.ticks == 12 and ticks == list(range(1, 13))
    assert summary.end_reason == "max_ticks"
    assert (
        summary.run_id == "riverside-flood-3" == default_run_id(sample("riverside_flood.yaml"), 3)
    )
    assert summary.llm_calls == 12 * 9 and summary.trace == []


def test_many_runs_aggregate_every_metric_with_a_confidence_interval() -> None:
    batch = run_many(
        sample("riverside_flood.yaml"),
        seed=10,
        runs=6,
        decision_maker=OfflineDecisionMaker(),
        concurrency=3,
        max_ticks=15,
    )
    assert [r.seed for r in batch.runs] == list(range(10, 16))
    casualties = batch.aggregates["casualties"]
    assert casualties["n"] == 6
    assert float(casualties["ci_low"]) <= float(casualties["mean"]) <= float(casualties["ci_high"])
    assert sum(batch.end_reasons.values()) == 6


def test_worker_processes_give_the_same_results_as_one_loop() -> None:
    options: dict[str, Any] = dict(
        seed=1, runs=4, decision_maker=OfflineDecisionMaker(), concurrency=2, max_ticks=10
    )
    in_loop = run_many(sample("riverside_flood.yaml"), **options)
    in_processes = run_many(sample("riverside_flood.yaml"), processes=True, **options)
    assert [r.metrics for r in in_loop.runs] == [r.metrics for r in in_processes.runs]


def test_a_headless_run_polls_its_control_source_every_tick() -> None:
    queue = QueuedControls()
    ticks = []

    def on_tick(result) -> None:
        ticks.append(result.tick)
        if result.tick == 3:
            queue.put(StopRun(reason="enough"))

    summary = run_headless(
        sample("riverside_flood.yaml"),
        seed=1,
        decision_maker=OfflineDecisionMaker(),
        on_tick=on_tick,
        controls=queue,
    )
    assert ticks == [1, 2, 3, 4]
    assert (summary.end_reason, summary.end_detail) == ("stopped", "enough")
