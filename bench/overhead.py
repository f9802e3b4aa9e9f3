"""Figure 2 (overhead) and 4 (live latency): offline runs persisted on PostgreSQL by workers."""

from __future__ import annotations

import os
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection

from bench.cpu import CpuMeter, idle_machine_capacity, product_meter
from bench.live import Watcher, latencies, summary
from bench.pools import WorkerPool
from bench.probes import Totals
from bench.runs import active_window, call_counts, create_paused, start_all, wait_final
from bench.scenarios import flood_version


def database_bytes() -> int:
    """The size of the current PostgreSQL database in bytes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


def table_bytes() -> dict[str, int]:
    """Every table of the current database with its indexes and TOAST, in bytes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = 'public'"
        )
        return dict(cursor.fetchall())


def storage_split(before: dict[str, int], after: dict[str, int], decisions: int) -> dict:
    """Bytes per decision by table (the tables that grew), total and without Step snapshots."""
    from runs_app.models import Step

    grown = {t: after[t] - before.get(t, 0) for t in after if after[t] > before.get(t, 0)}
    per = {t: b / decisions for t, b in sorted(grown.items(), key=lambda kv: -kv[1])}
    total = sum(per.values())
    steps = per.get(Step._meta.db_table, 0.0)
    return {"by_table": per, "total": total, "without_step_snapshots": total - steps}


def cpu_meter(pool: WorkerPool, daphne: str | None = None) -> CpuMeter:
    """A CPU meter over this pool's workers, the bench database and optionally Daphne."""
    return product_meter(
        workers=pool.pids,
        database=settings.DATABASES["default"]["NAME"],
        daphne_port=urlparse(daphne).port if daphne else None,
    )


def phase_split(totals: dict[str, float], decisions: int) -> dict[str, float]:
    """Milliseconds per decision: decide, apply (rest of the tick), persist, notify, other."""

    def ms(value: float) -> float:
        return value / decisions * 1000

    get = totals.get
    return {
        "decide": ms(get("decide", 0.0)),
        "apply": ms(get("step", 0.0) - get("decide", 0.0)),
        "persist": ms(get("commit", 0.0) - get("notify", 0.0)),
        "notify": ms(get("notify", 0.0)),
        "other": ms(get("slice", 0.0) - get("step", 0.0) - get("commit", 0.0)),
        "slice": ms(get("slice", 0.0)),
        "after_run_tasks": ms(get("task", 0.0)),
    }


def slice_parts(totals: Totals, decisions: int) -> dict[str, float]:
    """What "other" is made of (wall ms per decision)."""
    from bench.probes import SLICE_PARTS

    return {p: totals.seconds.get(p, 0.0) / decisions * 1000 for p in SLICE_PARTS}


def measure_overhead(
    *,
    pool: WorkerPool,
    redis,
    runs: int,
    agents: int,
    ticks: int,
    engine_ms: float,
    server: str,
    cookie: str,
) -> dict:
    """`runs` x `agents` x `ticks` offline, all at once; a WebSocket client watches run 1."""
    version = flood_version(agents=agents, ticks=ticks)
    created = create_paused(version, runs)
    probes = pool.probes(redis)
    probes.clear()
    watcher = Watcher(server, created[0].pk, cookie).start()
    size_before = database_bytes()
    tables_before = table_bytes()
    with cpu_meter(pool, server) as meter:
        start_all(created)
        try:
            final = wait_final(created, timeout=120 + runs * agents * ticks * 0.02)
        finally:
            arrivals = watcher.join()
    window = active_window(final)
    totals = probes.settled_totals()
    decisions = call_counts(final)["decide"]
    written = database_bytes() - size_before
    storage = storage_split(tables_before, table_bytes(), decisions)
    throughput = decisions / window
    ideal = pool.processes * 1000 / engine_ms
    wall = phase_split(totals.seconds, decisions)
    under_load = latencies(created[0].pk, arrivals, probes.commits())
    return {
        "runs": runs,
        "agents": agents,
        "ticks": ticks,
        "workers": pool.processes,
        "decisions": decisions,
        "seconds": window,
        "decisions_per_second": throughput,
        "ms_per_decision_wall": 1000 / throughput,
        "worker_wall_ms_per_decision": wall,
        "worker_cpu_ms_per_decision": phase_split(totals.cpu, decisions),
        "slice_parts_wall_ms_per_decision": slice_parts(totals, decisions),
        "machine_cpu_ms_per_decision": meter.per(decisions),
        "idle_machine_decisions_per_second": idle_machine_capacity(
            meter.per(decisions), os.cpu_count() or 1
        ),
        "worker_utilisation": totals.seconds.get("slice", 0.0) / (window * pool.processes),
        "slices": totals.counts.get("slice", 0),
        "ideal_engine_ms_per_decision": engine_ms,
        "ideal_decisions_per_second": ideal,
        "ratio_to_ideal": throughput / ideal,
        "database_bytes_per_decision": written / decisions,
        "table_bytes_per_decision": storage,
        "live_latency_under_load": summary(under_load, ticks),
    }


def measure_live_latency(
    *, pool: WorkerPool, redis, agents: int, ticks: int, server: str, cookie: str
) -> dict:
    """One offline run with nothing else going on, watched by one WebSocket client."""
    version = flood_version(agents=agents, ticks=ticks)
    (run,) = create_paused(version, 1, first_seed=101)
    probes = pool.probes(redis)
    probes.clear()
    watcher = Watcher(server, run.pk, cookie).start()
    start_all([run])
    try:
        wait_final([run], timeout=120 + agents * ticks * 0.05)
    finally:
        arrivals = watcher.join()
    probes.settled_totals()
    return {"agents": agents, **summary(latencies(run.pk, arrivals, probes.commits()), ticks)}
