"""Headless runs for the CLI and scripts: one seed, or many seeds with aggregates.

`run_headless` drives one `Simulation` to its end; `run_many` runs seeds
seed..seed+N-1, K at a time (in one event loop, or in worker processes for the offline
policy, which is CPU-bound), and summarises every metric with mean, std and a 95% CI.
Traces are `{"tick", "type", "agent", "data"}` objects; `trace_line` renders one as a
JSON line with sorted keys, so a seeded run always writes the same bytes.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from simengine.core.controls import ControlSource
from simengine.core.decision import DecisionMaker
from simengine.core.memory import Embeddings
from simengine.core.simulation import Simulation, TickResult
from simengine.core.spec.models import ScenarioSpec
from simengine.core.stats import summarize
from simengine.core.worlds import metric_bounds

TickCallback = Callable[[TickResult], None]


@dataclass(frozen=True)
class RunSummary:
    """How one headless run ended, with its final metrics (and its trace when kept)."""

    run_id: str
    seed: int
    ticks: int
    end_reason: str | None
    end_detail: str
    metrics: dict[str, Any]
    tokens_in: int = 0
    tokens_out: int = 0
    llm_calls: int = 0
    trace: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class BatchSummary:
    """Many seeds of one scenario: each run, per-metric aggregates, end-reason counts."""

    runs: list[RunSummary]
    aggregates: dict[str, dict[str, float | str]]  # per metric: n, mean, std, CI and method
    end_reasons: dict[str, int]


def default_run_id(spec: ScenarioSpec, seed: int) -> str:
    """A deterministic run id (it appears in message ids, hence in traces)."""
    slug = re.sub(r"[^a-z0-9]+", "-", spec.name.lower()).strip("-") or "run"
    return f"{slug}-{seed}"


def trace_line(event: dict[str, Any], **extra: Any) -> str:
    """One event as a JSON line: keys sorted, no wall-clock data, stable bytes."""
    return json.dumps({**event, **extra}, sort_keys=True, ensure_ascii=False)


async def arun_headless(
    spec: ScenarioSpec,
    *,
    seed: int,
    decision_maker: DecisionMaker,
    max_ticks: int | None = None,
    model_override: str | None = None,
    run_id: str | None = None,
    on_tick: TickCallback | None = None,
    keep_trace: bool = False,
    controls: ControlSource | None = None,
    embeddings: Embeddings | None = None,
) -> RunSummary:
    """Run one seed to its end inside the running event loop, polling `controls` each tick.

    `embeddings` serves agents' long-term memory (only the local embedding without it).
    """
    if max_ticks is not None:
        spec = spec.with_max_ticks(max_ticks)
    run_id = run_id or default_run_id(spec, seed)
    simulation = Simulation.create(spec, seed=seed, run_id=run_id, model_override=model_override)
    trace: list[dict[str, Any]] = []
    used: Counter[str] = Counter()
    while not simulation.finished:
        polled = controls.poll() if controls else ()
        result = await simulation.step(decision_maker, polled, embeddings)
        if keep_trace:
            trace.extend(result.events)
        used.update(_usage(result))
        if on_tick is not None:
            on_tick(result)
    return RunSummary(
        run_id=run_id,
        seed=seed,
        ticks=simulation.tick,
        end_reason=simulation.end_reason,
        end_detail=simulation.end_detail,
        metrics=simulation.metrics,
        tokens_in=used["tokens_in"],
        tokens_out=used["tokens_out"],
        llm_calls=used["calls"],
        trace=trace,
    )


def _usage(result: TickResult) -> Counter[str]:
    """Tokens and model calls one tick spent."""
    return Counter(
        tokens_in=sum(c.tokens_in for c in result.calls),
        tokens_out=sum(c.tokens_out for c in result.calls),
        calls=len(result.calls),
    )


def run_headless(
    spec: ScenarioSpec,
    *,
    seed: int,
    decision_maker: DecisionMaker,
    max_ticks: int | None = None,
    model_override: str | None = None,
    on_tick: TickCallback | None = None,
    run_id: str | None = None,
    keep_trace: bool = False,
    controls: ControlSource | None = None,
    embeddings: Embeddings | None = None,
) -> RunSummary:
    """Run one seed to its end (blocking), in an event loop of its own.

    A decision maker (or embeddings) with an `aclose()` coroutine (network clients) is
    closed before that loop ends.
    """

    async def run() -> RunSummary:
        try:
            return await arun_headless(
                spec,
                seed=seed,
                decision_maker=decision_maker,
                max_ticks=max_ticks,
                model_override=model_override,
                run_id=run_id,
                on_tick=on_tick,
                keep_trace=keep_trace,
                controls=controls,
                embeddings=embeddings,
            )
        finally:
            await close_decision_maker(decision_maker)
            await close_decision_maker(embeddings)

    return asyncio.run(run())


def run_many(
    spec: ScenarioSpec,
    *,
    seed: int,
    runs: int,
    decision_maker: DecisionMaker,
    concurrency: int = 1,
    max_ticks: int | None = None,
    model_override: str | None = None,
    processes: bool = False,
    on_run: Callable[[RunSummary], None] | None = None,
    keep_trace: bool = False,
    embeddings: Embeddings | None = None,
) -> BatchSummary:
    """Run seeds seed..seed+runs-1, `concurrency` at a time, and aggregate their metrics.

    With `processes=True` runs go to a pool of worker processes (the decision maker is
    pickled to each; right for the CPU-bound offline policy). Otherwise they share one
    event loop, which suits LLM decision makers waiting on the network.
    """
    if runs < 1 or concurrency < 1:
        raise ValueError("runs and concurrency must be at least 1")
    options = {
        "decision_maker": decision_maker,
        "max_ticks": max_ticks,
        "model_override": model_override,
        "keep_trace": keep_trace,
        "embeddings": embeddings,
    }
    seeds = list(range(seed, seed + runs))
    if processes and concurrency > 1:
        summaries = _in_processes(spec, seeds, concurrency, options, on_run)
    else:
        summaries = asyncio.run(_in_loop(spec, seeds, concurrency, options, on_run))
    summaries.sort(key=lambda s: s.seed)
    return BatchSummary(
        runs=summaries,
        aggregates=summarize((s.metrics for s in summaries), metric_bounds(spec.world.kind)),
        end_reasons=dict(sorted(Counter(s.end_reason or "unfinished" for s in summaries).items())),
    )


async def close_decision_maker(decision_maker: object) -> None:
    """Await the maker's (or embeddings') `aclose()` if it has one.

    It holds connections bound to this loop.
    """
    close = getattr(decision_maker, "aclose", None)
    if close is not None:
        await close()


async def _in_loop(
    spec: ScenarioSpec,
    seeds: list[int],
    concurrency: int,
    options: dict[str, Any],
    on_run: Callable[[RunSummary], None] | None,
) -> list[RunSummary]:
    gate = asyncio.Semaphore(concurrency)

    async def one(seed: int) -> RunSummary:
        async with gate:
            summary = await arun_headless(spec, seed=seed, **options)
        if on_run is not None:
            on_run(summary)
        return summary

    try:
        return list(await asyncio.gather(*(one(s) for s in seeds)))
    finally:
        await close_decision_maker(options["decision_maker"])
        await close_decision_maker(options["embeddings"])


def _in_processes(
    spec: ScenarioSpec,
    seeds: list[int],
    concurrency: int,
    options: dict[str, Any],
    on_run: Callable[[RunSummary], None] | None,
) -> list[RunSummary]:
    summaries = []
    with ProcessPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(_run_in_process, spec, s, options) for s in seeds]
        for future in as_completed(futures):
            summary = future.result()
            summaries.append(summary)
            if on_run is not None:
                on_run(summary)
    return summaries


def _run_in_process(spec: ScenarioSpec, seed: int, options: dict[str, Any]) -> RunSummary:
    return run_headless(spec, seed=seed, **options)  # each run in a loop of its own
