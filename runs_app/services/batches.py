"""Batches: N seeds x a parameter grid fanned out through the same run queue."""

from __future__ import annotations

import itertools
import json
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from runs_app.models import FINAL_RUN_STATUSES, Batch, BatchStatus, Run, RunStatus
from runs_app.services.adapters import agent_rows_for_new_runs
from runs_app.services.config import build_run_spec, check_replay_sources
from runs_app.services.decisions import with_offline_fallbacks
from runs_app.services.errors import InvalidRunConfig
from runs_app.services.lifecycle import runs_admit
from scenarios_app.models import ScenarioVersion
from simengine.core.stats import summarize
from simengine.core.worlds import metric_bounds
from simengine.web.access import Level, require

MAX_BATCH_RUNS = 20_000


def grid_cells(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, in a stable order ([{}] for an empty grid)."""
    keys = sorted(grid)
    return [
        dict(zip(keys, values, strict=True))
        for values in itertools.product(*(grid[k] for k in keys))
    ]


def cell_key(cell: dict[str, Any]) -> str:
    """A grid cell as compact, key-sorted JSON: the same cell always gets the same key."""
    return json.dumps(cell, sort_keys=True, separators=(",", ":"))


def batch_create(
    *,
    version: ScenarioVersion,
    grid: dict[str, list[Any]] | None = None,
    seeds_per_cell: int = 1,
    base_seed: int | None = None,
    concurrency: int = 10,
    overrides: dict[str, Any] | None = None,
    name: str = "",
    user: User | None = None,
    fallback_to_offline: bool = True,
) -> Batch:
    """Validate every grid cell, then create and queue all runs at once (or nothing).

    The batch and its runs are owned by `user`, who needs read rights on the scenario.
    """
    if user is not None:
        require(version.scenario, user, Level.READ)
    grid = grid or {}
    errors = [
        f"grid.{key}: expected a non-empty list of values"
        for key, values in grid.items()
        if not isinstance(values, list) or not values
    ]
    if seeds_per_cell < 1:
        errors.append("seeds_per_cell: expected an integer >= 1")
    if concurrency < 1:
        errors.append("concurrency: expected an integer >= 1")
    if errors:
        raise InvalidRunConfig(errors)
    cells = grid_cells(grid)
    if len(cells) * seeds_per_cell > MAX_BATCH_RUNS:
        raise InvalidRunConfig(
            [f"batch: {len(cells) * seeds_per_cell} runs is more than {MAX_BATCH_RUNS}"]
        )
    overrides = overrides or {}
    specs = [build_run_spec(version, grid_cell=c, overrides=overrides) for c in cells]
    check_replay_sources(specs[0], overrides, user=user)
    notes: list[str] = []
    if fallback_to_offline:
        overrides, notes = with_offline_fallbacks(specs[0], overrides)
        if notes:
            specs = [build_run_spec(version, grid_cell=c, overrides=overrides) for c in cells]
    first_seed = specs[0].seed if base_seed is None else base_seed
    with transaction.atomic():
        batch = Batch.objects.create(
            scenario_version=version,
            name=name,
            base_seed=first_seed,
            seeds_per_cell=seeds_per_cell,
            grid=grid,
            overrides=overrides,
            concurrency=concurrency,
            total_runs=len(cells) * seeds_per_cell,
            created_by=user,
            owner=user,
        )
        runs = Run.objects.bulk_create(
            Run(
                scenario_version=version,
                batch=batch,
                grid_cell=cell,
                cell_key=cell_key(cell),
                seed=first_seed + offset,
                overrides=overrides,
                notes=notes,
                max_ticks=spec.termination.max_ticks,
                status=RunStatus.QUEUED,
                created_by=user,
                owner=user,
            )
            for cell, spec in zip(cells, specs, strict=True)
            for offset in range(seeds_per_cell)
        )
        if not all(run.pk for run in runs):  # backends without RETURNING ids
            runs = list(Run.objects.filter(batch=batch).order_by("id"))
        specs_by_cell = {cell_key(c): s for c, s in zip(cells, specs, strict=True)}
        agent_rows_for_new_runs([(run, specs_by_cell[run.cell_key]) for run in runs])
        transaction.on_commit(runs_admit)
    return batch


def batch_progress(batch: Batch) -> dict[str, int]:
    """How many of the batch's runs are in each status, with the total and the ended ones."""
    counts = dict(batch.runs.values_list("status").annotate(n=Count("id")).order_by())
    done = sum(counts.get(s, 0) for s in FINAL_RUN_STATUSES)
    return {
        "total": batch.total_runs,
        "done": done,
        **{s: counts.get(s, 0) for s in RunStatus.values},
    }


def batch_aggregates(batch: Batch) -> dict[str, Any]:
    """Per grid cell: each metric's mean, std and 95% CI over the cell's completed runs.

    The interval stays within the metric's declared bounds; `method` names how.
    """
    by_cell: dict[str, list[dict[str, float]]] = {}
    cells: dict[str, dict[str, Any]] = {}
    rows = batch.runs.filter(status=RunStatus.COMPLETED).values_list(
        "cell_key", "grid_cell", "metrics"
    )
    for key, cell, metrics in rows.iterator(chunk_size=500):
        by_cell.setdefault(key, []).append(metrics)
        cells[key] = cell
    bounds = metric_bounds(str(batch.scenario_version.spec.get("world", {}).get("kind", "")))
    return {
        key: {"params": cells[key], "runs": len(samples), "metrics": summarize(samples, bounds)}
        for key, samples in sorted(by_cell.items())
    }


def batch_run_finished(batch_id: int) -> None:
    """Close the batch and store its aggregates once its last run has ended."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        if batch.status != BatchStatus.RUNNING:
            return
        unfinished = batch.runs.exclude(status__in=FINAL_RUN_STATUSES)
        if unfinished.exists():
            return
        batch.aggregates = batch_aggregates(batch)
        batch.status = BatchStatus.COMPLETED
        batch.finished_at = timezone.now()
        batch.save(update_fields=["aggregates", "status", "finished_at"])


def batch_on_run_finished(*, batch_id: int | None, **_: object) -> None:
    """Receiver of `run_finished` (wired in runs_app.apps): a batch run's end may close it."""
    if batch_id is not None:
        batch_run_finished(batch_id)
