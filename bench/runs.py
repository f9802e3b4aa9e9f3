"""Run helpers shared by the scenarios: start together, wait, count, time."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from django.db import close_old_connections
from django.db.models import Max, Min

from bench.pools import wait_until
from runs_app.models import FINAL_RUN_STATUSES, LLMCall, Run
from runs_app.services.runs import run_create, run_start


def create_paused(version, count: int, *, first_seed: int = 1) -> list[Run]:
    """`count` runs of `version`, created paused so they can all be started at once."""
    return [run_create(version=version, seed=first_seed + i, start=False) for i in range(count)]


def start_all(runs: Sequence[Run]) -> None:
    """Start every run (created with `create_paused`) through the run service."""
    for run in runs:
        run_start(run=run)


def wait_final(runs: Sequence[Run], *, timeout: float) -> list[Run]:
    """Wait until every run reaches a final status; the runs reloaded."""
    ids = [r.pk for r in runs]

    def done() -> bool:
        close_old_connections()
        finals = Run.objects.filter(pk__in=ids, status__in=FINAL_RUN_STATUSES).count()
        return finals == len(ids)

    wait_until(done, timeout=timeout, what=f"{len(ids)} runs to finish")
    final = list(Run.objects.filter(pk__in=ids).order_by("id"))
    failed = [r for r in final if r.status != "completed"]
    if failed:
        raise RuntimeError(
            f"{len(failed)} bench runs did not complete: "
            + "; ".join(f"run {r.pk} {r.status} {r.end_reason} {r.error[:300]}" for r in failed)
        )
    return final


def active_window(runs: Sequence[Run]) -> float:
    """Seconds from the first run's admission to the last run's end (database clock)."""
    span = Run.objects.filter(pk__in=[r.pk for r in runs]).aggregate(
        start=Min("started_at"), end=Max("finished_at")
    )
    return (span["end"] - span["start"]).total_seconds()


def call_counts(runs: Sequence[Run]) -> dict[str, int]:
    """Recorded LLM calls of these runs by purpose, and those that failed."""
    calls = LLMCall.objects.filter(run_id__in=[r.pk for r in runs])
    counts = {
        "decide": calls.filter(purpose="decide").count(),
        "repair": calls.filter(purpose="repair").count(),
    }
    errors = list(calls.exclude(error="").values_list("error", flat=True))
    counts["errors"] = len(errors)
    counts["timeouts"] = sum(1 for e in errors if "timeout" in e.lower() or "timed out" in e)
    counts["busy_503"] = sum(1 for e in errors if "503" in e)
    return counts


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), nearest-rank, of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


class Stopwatch:
    """Wall-clock seconds since it was made."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        """Seconds elapsed so far."""
        return time.perf_counter() - self.started
