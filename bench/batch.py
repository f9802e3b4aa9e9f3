"""Figure 7: one batch of offline flood runs through the worker pool, end to end."""

from __future__ import annotations

import os

from django.db import close_old_connections

from bench.cpu import idle_machine_capacity
from bench.overhead import cpu_meter, phase_split
from bench.pools import WorkerPool, wait_until
from bench.runs import Stopwatch
from bench.scenarios import flood_version
from runs_app.models import Batch, BatchStatus, Run, RunStatus
from runs_app.services.batches import batch_create

PROJECTED_RUNS = 10_000


def measure_batch(
    *, pool: WorkerPool, redis, runs: int, agents: int, ticks: int, engine_ms: float
) -> dict:
    """Wall time from `batch_create` to the batch's completion, as a user sees it."""
    version = flood_version(agents=agents, ticks=ticks)
    probes = pool.probes(redis)
    probes.clear()
    with cpu_meter(pool) as meter:
        watch = Stopwatch()
        batch = batch_create(version=version, seeds_per_cell=runs, name="bench batch")

        def finished() -> bool:
            close_old_connections()
            return Batch.objects.filter(pk=batch.pk, status=BatchStatus.COMPLETED).exists()

        timeout = 300 + runs * agents * ticks * 0.01
        wait_until(finished, timeout=timeout, interval=0.5, what="batch")
        seconds = watch.seconds
    completed = Run.objects.filter(batch=batch, status=RunStatus.COMPLETED).count()
    if completed != runs:
        raise RuntimeError(f"bench batch: {completed} of {runs} runs completed")
    per_minute = runs / seconds * 60
    totals = probes.settled_totals()
    decisions = runs * agents * ticks
    per_run = meter.per(runs)
    idle = idle_machine_capacity(per_run, os.cpu_count() or 1) * 60
    run_seconds_ideal = agents * ticks * engine_ms / 1000
    # the engine alone cannot use more processes than cores
    ideal = min(pool.processes, os.cpu_count() or 1) * 60 / run_seconds_ideal
    return {
        "runs": runs,
        "agents": agents,
        "ticks": ticks,
        "workers": pool.processes,
        "seconds": seconds,
        "runs_per_minute": per_minute,
        "projected_minutes_for_10000": PROJECTED_RUNS / per_minute,
        "ideal_runs_per_minute": ideal,
        "ratio_to_ideal": per_minute / ideal,
        "machine_cpu_ms_per_decision": {k: v / (agents * ticks) for k, v in per_run.items()},
        # the workers' CPU by phase; after_run_tasks: evaluations and watchdog sweeps
        "worker_cpu_ms_per_decision": phase_split(totals.cpu, decisions),
        "slices_per_run": totals.counts.get("slice", 0) / runs,
        "idle_machine_runs_per_minute": idle,
    }
