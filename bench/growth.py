"""Figure 3: prompt size across a long run, the stable prompt prefix, a worker's memory."""

from __future__ import annotations

import hashlib

from django.db import connection
from django.db.models import Avg

from bench.pools import WorkerPool
from bench.runs import create_paused, start_all, wait_final
from bench.saturation import MODEL
from bench.scenarios import flood_version
from runs_app.models import PROMPT_RELATIONS, LLMCall, Step

MB = 1024 * 1024
TICK_MARK = "== Tick "


def measure_growth(
    *, pool: WorkerPool, redis, agents: int, ticks: int, sample_ticks: tuple[int, ...]
) -> dict:
    """One run of `ticks` ticks on a one-process pool against the stand-in (no latency)."""
    version = flood_version(agents=agents, ticks=ticks, model=MODEL)
    (run,) = create_paused(version, 1, first_seed=7)
    probes = pool.probes(redis)
    probes.clear()
    start_all([run])
    wait_final([run], timeout=120 + agents * ticks * 0.1)
    probes.settled_totals()
    decide = LLMCall.objects.filter(run=run, purpose="decide")
    tokens = {
        str(t): decide.filter(step=t).aggregate(v=Avg("tokens_in"))["v"] or 0.0
        for t in sample_ticks
    }
    middle, last = tokens[str(sample_ticks[1])], tokens[str(sample_ticks[2])]
    samples = sorted((s for s in probes.rss() if s.run_id == run.pk), key=lambda s: s.step)
    warm = next((s for s in samples if s.step >= sample_ticks[0]), samples[0])
    end = samples[-1]
    return {
        "agents": agents,
        "ticks": ticks,
        "prompt_tokens_per_decision": tokens,
        "token_ratio_last_to_middle": last / middle if middle else None,
        "prefix": _prefix_check(run.pk),
        "snapshot_bytes": _snapshot_bytes(run.pk, sample_ticks),
        "worker_pid": end.pid,
        "rss_mb_at_warm_tick": warm.rss / MB,
        "warm_tick": warm.step,
        "rss_mb_at_end": end.rss / MB,
        "rss_mb_peak": max(s.rss for s in samples) / MB,
        "rss_growth_mb": (end.rss - warm.rss) / MB,
        "rss_samples": len(samples),
    }


def _prefix_check(run_id: int) -> dict:
    """Is each agent's prompt byte-identical, tick after tick, up to its first per-tick text?

    The stable part is the system prompt plus the user message up to "== Tick "; it is
    hashed for every decision of the run (prompts are stored packed: read through the model).
    """
    calls = (
        LLMCall.objects.filter(run_id=run_id, purpose="decide")
        .select_related(*PROMPT_RELATIONS)
        .order_by("agent", "step")
    )
    rows = []
    for call in calls.iterator(chunk_size=500):
        content = str(call.messages[0]["content"]) if call.messages else ""
        cut = content.find(TICK_MARK)
        stable = (call.system + "\n" + (content[:cut] if cut >= 0 else "")).encode()
        digest = hashlib.md5(stable, usedforsecurity=False).hexdigest()
        rows.append((call.agent, call.step, digest, len(stable)))
    previous: dict[str, str] = {}
    distinct: dict[str, set[str]] = {}
    changes: set[int] = set()
    for agent, step, digest, _size in rows:
        if agent in previous and previous[agent] != digest:
            changes.add(step)
        previous[agent] = digest
        distinct.setdefault(agent, set()).add(digest)
    return {
        "agents_checked": len(distinct),
        "decisions_checked": len(rows),
        "identical": not changes,
        "most_distinct_prefixes_per_agent": max((len(d) for d in distinct.values()), default=0),
        "changed_at_ticks": sorted(changes)[:20],
        "stable_prefix_bytes_min": min((size for *_, size in rows), default=0),
    }


def _snapshot_bytes(run_id: int, sample_ticks: tuple[int, ...]) -> dict[str, int]:
    """Stored snapshot bytes (keyframe or delta, `runs_app.services.snapshots`) per tick."""
    column = Step._meta.get_field("snapshot_data").column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT index, octet_length({column}) FROM {Step._meta.db_table} "
            "WHERE run_id = %s AND index = ANY(%s)",
            [run_id, list(sample_ticks)],
        )
        return {str(index): size for index, size in cursor.fetchall()}
