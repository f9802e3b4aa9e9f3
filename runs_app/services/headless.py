"""`simulate --runs` on the worker pool: the same batch path the console uses."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from runs_app.models import Batch, Run
from runs_app.services.batches import batch_create, batch_progress
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
