"""`simulate --runs` on the worker pool and `simulate --fork`: the paths the console uses."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from runs_app.models import FINAL_RUN_STATUSES, Batch, Run
from runs_app.services.batches import batch_create, batch_progress
from runs_app.services.errors import InvalidRunConfig
from runs_app.services.forks import run_fork
from scenarios_app.models import Scenario
from scenarios_app.services import scenario_save_spec
from simengine.core.runner import BatchSummary, RunSummary
from simengine.core.spec import ScenarioSpec, parse_spec
from simengine.core.stats import summarize
from simengine.core.worlds import metric_bounds


def stored_scenario(name: str) -> ScenarioSpec | None:
    """The latest version of the stored scenario called `name`, or None."""
    scenario = Scenario.objects.filter(name=name).first()
    version = scenario.latest_version if scenario else None
    return parse_spec(version.spec) if version else None


def fork_and_wait(
    *,
    run_id: int,
    step: int,
    seed: int | None,
    overrides: dict[str, Any],
    on_progress: Callable[[int], object],
    poll_seconds: float = 0.2,
) -> tuple[Run, RunSummary]:
    """`simulate --fork`: fork a stored run at `step`, let it run to its end, summarise it.

    The fork executes where runs execute (the workers, or this process's thread pool).
    """
    parent = Run.objects.filter(pk=run_id).first()
    if parent is None:
        raise InvalidRunConfig([f"--fork: there is no run {run_id}"])
    fork = run_fork(run=parent, step=step, seed=seed, overrides=overrides)
    done = step
    while True:
        fork.refresh_from_db()
        if fork.current_step > done:
            on_progress(fork.current_step - done)
            done = fork.current_step
        if fork.status in FINAL_RUN_STATUSES:
            break
        time.sleep(poll_seconds)
    summary = RunSummary(
        run_id=str(fork.pk),
        seed=fork.seed,
        ticks=fork.current_step,
        end_reason=fork.end_reason or fork.status,
        end_detail=fork.end_detail or fork.error,
        metrics=fork.metrics,
        tokens_in=fork.tokens_in,
        tokens_out=fork.tokens_out,
    )
    return fork, summary


def batch_on_workers(
    spec: ScenarioSpec,
    *,
    seed: int,
    runs: int,
    concurrency: int,
    max_ticks: int | None,
    model_override: str | None,
    on_progress: Callable[[int], object],
    poll_seconds: float = 0.5,
) -> tuple[Batch, BatchSummary]:
    """Queue `runs` seeds as one batch for the Celery workers and wait for it to finish."""
    version = scenario_save_spec(spec=spec, note="saved by simulate --runs").version
    overrides: dict[str, Any] = {}
    if model_override:
        overrides["model_override"] = model_override
    if max_ticks:
        overrides["max_ticks"] = max_ticks
    batch = batch_create(
        version=version,
        seeds_per_cell=runs,
        base_seed=seed,
        concurrency=concurrency,
        overrides=overrides,
        name=f"simulate {spec.name} seeds {seed}..{seed + runs - 1}",
        fallback_to_offline=False,
    )
    done = 0
    while True:
        progress = batch_progress(batch)
        if progress["done"] > done:
            on_progress(progress["done"] - done)
            done = progress["done"]
        if done >= progress["total"]:
            break
        time.sleep(poll_seconds)
    return batch, _summary(batch)


def _summary(batch: Batch) -> BatchSummary:
    rows = list(Run.objects.filter(batch=batch).order_by("seed"))
    reasons = [run.end_reason or run.status for run in rows]
    runs = [
        RunSummary(
            run_id=str(run.pk),
            seed=run.seed,
            ticks=run.current_step,
            end_reason=reason,
            end_detail=run.error,
            metrics=run.metrics,
            tokens_in=run.tokens_in,
            tokens_out=run.tokens_out,
        )
        for run, reason in zip(rows, reasons, strict=True)
    ]
    return BatchSummary(
        runs=runs,
        aggregates=summarize(
            (r.metrics for r in runs if r.end_reason != "failed"),
            metric_bounds(str(batch.scenario_version.spec.get("world", {}).get("kind", ""))),
        ),
        end_reasons=dict(Counter(reasons)),
    )
