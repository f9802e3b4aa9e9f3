"""`python -m bench [--quick] [--output PATH]`: every scenario in turn, one table, one JSON."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.environment import ROOT, BenchEnvironment, machine_facts
from bench.sizes import FULL, QUICK, Sizes

RESULTS = ROOT / "bench" / "results.json"
# the figures `--only` can pick, in the order they run
PARTS = (
    "memory",
    "snapshots",
    "scaling",
    "overhead",
    "live",
    "saturation",
    "single",
    "openai",
    "fast",
    "llm-cpu",
    "growth",
    "batch",
)
# The engine-alone ideal of the batch: its first runs' seeds (each run is 0.5 s of CPU).
BATCH_ENGINE_SEEDS = 10
QUICK_RESULTS = ROOT / "bench" / "results-quick.json"
ONLY_RESULTS = ROOT / "bench" / "results-only.json"


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line: --quick, --output and the figure selection."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shrink every scenario (smoke test)")
    parser.add_argument(
        "--output",
        type=Path,
        help=f"where to write the JSON (default {RESULTS.name}, "
        f"or {QUICK_RESULTS.name} with --quick)",
    )
    parser.add_argument(
        "--only",
        metavar="PART[,PART...]",
        help="run only these figures (results go to results-only.json unless --output "
        f"says otherwise): {', '.join(PARTS)}",
    )
    parser.add_argument(
        "--profile-workers",
        metavar="DIR",
        type=Path,
        help="cProfile every task in the worker processes; one worker-<pid>.prof per process "
        "in DIR (the profiler slows them: figures taken this way are not comparable)",
    )
    args = parser.parse_args(argv)
    if args.profile_workers:
        args.profile_workers.mkdir(parents=True, exist_ok=True)
        os.environ["BENCH_PROFILE_DIR"] = str(args.profile_workers.resolve())
    chosen = [p.strip() for p in (args.only or "").split(",") if p.strip()]
    unknown = [p for p in chosen if p not in PARTS]
    if unknown:
        parser.error(f"--only: unknown part {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    args.parts = frozenset(chosen or PARTS)
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, write the JSON results and print the table; the exit status."""
    args = parse(argv)
    sizes = QUICK if args.quick else FULL
    output = args.output or (
        QUICK_RESULTS if args.quick else ONLY_RESULTS if args.only else RESULTS
    )
    env = BenchEnvironment()
    started = time.monotonic()
    log(
        f"bench ({'quick' if args.quick else 'full'}): database {env.database}, "
        f"Redis {env.redis_url} prefix {env.tag}"
    )
    env.open()
    try:
        machine = machine_facts(env)
        figures = run_all(env, sizes, args.parts)
        machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        env.close()
    results: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "machine": machine,
        "duration_seconds": round(time.monotonic() - started, 1),
        "table": [],
        "figures": figures,
    }
    write(output, results)  # the figures are kept even if the table cannot be made
    from bench.report import as_json, markdown, rows

    table = rows(results["figures"])
    results["table"] = as_json(table)
    write(output, results)
    print()
    print(markdown(table))
    print()
    print(
        f"Machine: {machine['cpu_count']} CPUs ({machine['cpu_model']}), "
        f"{machine['memory_gib']} GiB, Python {machine['python']}, PostgreSQL "
        f"{machine['postgresql']}, Redis {machine['redis']}; load average "
        f"{machine['load_average_at_start'][0]} at start, {machine['load_average_at_end'][0]} "
        f"at end. {results['duration_seconds']:.0f} s. Written to {output}."
    )
    short = [row.figure for row in table if row.meets is False]
    print("Short of target: " + ("; ".join(short) if short else "none"))
    return 0


def write(output: Path, results: dict[str, Any]) -> None:
    """Write the results as indented JSON."""
    output.write_text(json.dumps(results, indent=2, default=str) + "\n")


def log(message: str) -> None:
    """A timestamped progress line on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_all(
    env: BenchEnvironment, sizes: Sizes, parts: frozenset[str] = frozenset(PARTS)
) -> dict[str, Any]:
    """Measure the chosen figures in turn on one bench environment; the figures by name."""
    from bench.batch import measure_batch
    from bench.engine import engine_ms_over_seeds
    from bench.growth import measure_growth
    from bench.live import channel_layer_floor, session_cookie
    from bench.overhead import measure_live_latency, measure_overhead
    from bench.pools import WorkerPool
    from bench.protocols import measure_fast_server, measure_openai_saturation
    from bench.saturation import measure_minimal_loop, measure_runs
    from bench.scenarios import flood_spec
    from tests.fakes import FakeOllama, FakeOpenAI
    from tests.processes import daphne_server

    # the workers freeze their start-up heap on their first slice (runs_app execution);
    # the engine-only figures get the same treatment here
    gc.collect()
    gc.freeze()
    figures: dict[str, Any] = {}
    if "memory" in parts:
        log("8 memory: prompt size over a long run, retrieval at 5,000 memories")
        from bench.memory import measure_memory

        figures["memory"] = measure_memory(
            agents=sizes.memory_agents, ticks=sizes.memory_ticks, early=sizes.memory_early_tick
        )
    if "snapshots" in parts:
        log("10 snapshots: stored bytes per tick")
        from bench.snapshots import measure_snapshot_bytes

        figures["snapshots"] = measure_snapshot_bytes(ticks=sizes.snapshot_ticks)
    if "scaling" in parts:
        log("6 scaling: engine alone")
        figures["scaling"] = scaling(sizes)
    if "overhead" in parts:
        engine_overhead = engine_ms_over_seeds(
            agents=sizes.overhead_agents,
            ticks=sizes.overhead_ticks,
            seeds=range(1, sizes.overhead_runs + 1),
        )["ms_per_decision"]
    if "batch" in parts:
        # a batch's runs take the spec's seed and the ones after it
        first_seed = flood_spec(agents=sizes.batch_agents, ticks=sizes.batch_ticks).seed
        engine_batch = engine_ms_over_seeds(
            agents=sizes.batch_agents,
            ticks=sizes.batch_ticks,
            seeds=range(first_seed, first_seed + min(sizes.batch_runs, BATCH_ENGINE_SEEDS)),
        )["ms_per_decision"]
    redis = env.redis()
    with ExitStack() as stack:
        server = stack.enter_context(
            FakeOllama(slots=sizes.slots, latency=sizes.latency, max_queue=512)
        )
        openai_server = stack.enter_context(FakeOpenAI(slots=sizes.slots, latency=sizes.latency))
        llm_env = {
            "OLLAMA_HOST": server.url,
            "SIMENGINE_OLLAMA_PARALLEL": str(sizes.slots),
            "OPENAI_BASE_URL": openai_server.base_url,
            "SIMENGINE_OPENAI_PARALLEL": str(sizes.slots),
        }
        os.environ.update(llm_env)
        pools = {
            "cpu": WorkerPool(
                "cpu", f"{env.tag}-cpu", sizes.cpu_workers, 1, llm_env, env.redis_url
            ),
            "llm": WorkerPool(
                "llm",
                f"{env.tag}-llm",
                sizes.llm_nodes,
                sizes.llm_concurrency,
                llm_env,
                env.redis_url,
            ),
            "growth": WorkerPool("growth", f"{env.tag}-growth", 1, 1, llm_env, env.redis_url),
        }
        needed = {
            "cpu": {"overhead", "live", "batch"},
            "llm": {"saturation", "single", "openai", "fast"},
            "growth": {"growth", "llm-cpu"},
        }
        pools = {name: pool for name, pool in pools.items() if needed[name] & parts}
        for pool in pools.values():
            stack.callback(pool.stop)
            pool.launch()
        log("starting workers and Daphne")
        live = {"overhead", "live"} & parts
        daphne = stack.enter_context(daphne_server()) if live else ""
        for pool in pools.values():
            pool.wait_ready()
        cookie = session_cookie() if live else ""
        if "overhead" in parts:
            pools["cpu"].use()
            log("2 overhead (with 4 live latency under load)")
            figures["overhead"] = measure_overhead(
                pool=pools["cpu"],
                redis=redis,
                runs=sizes.overhead_runs,
                agents=sizes.overhead_agents,
                ticks=sizes.overhead_ticks,
                engine_ms=engine_overhead,
                server=daphne,
                cookie=cookie,
            )
        if "live" in parts:
            pools["cpu"].use()
            log("4 live latency")
            figures["live_latency"] = measure_live_latency(
                pool=pools["cpu"],
                redis=redis,
                agents=sizes.overhead_agents,
                ticks=sizes.live_ticks,
                server=daphne,
                cookie=cookie,
            )
            figures["live_latency"]["channel_layer_floor"] = channel_layer_floor()
        if "saturation" in parts:
            pools["llm"].use()
            log("1 saturation and 5 calls")
            figures["saturation"] = measure_runs(
                pool=pools["llm"],
                redis=redis,
                server=server,
                runs=sizes.saturation_runs,
                agents=sizes.saturation_agents,
                ticks=sizes.saturation_ticks,
                slots=sizes.slots,
                latency=sizes.latency,
            )
            figures["calls"] = figures["saturation"]["calls"]
        if "single" in parts:
            pools["llm"].use()
            log("1 saturation, one run")
            figures["saturation_single"] = measure_runs(
                pool=pools["llm"],
                redis=redis,
                server=server,
                runs=1,
                agents=sizes.single_agents,
                ticks=sizes.single_ticks,
                slots=sizes.slots,
                latency=sizes.latency,
            )
        if {"saturation", "single"} & parts:
            log("1 the ideal: a bare asyncio loop")
            figures["minimal_loop"] = measure_minimal_loop(
                server=server,
                calls=sizes.minimal_loop_calls,
                agents=sizes.saturation_runs * sizes.saturation_agents,
                slots=sizes.slots,
                latency=sizes.latency,
            )
        if "openai" in parts:
            pools["llm"].use()
            log("1 saturation on the OpenAI-compatible stand-in")
            figures["saturation_openai"] = measure_openai_saturation(
                pool=pools["llm"], redis=redis, server=openai_server, sizes=sizes
            )
        if "fast" in parts:
            pools["llm"].use()
            for protocol, stand_in in (("ollama", server), ("openai", openai_server)):
                log(f"1 fast server ({protocol})")
                figures[f"fast_{protocol}"] = measure_fast_server(
                    pool=pools["llm"], redis=redis, server=stand_in, protocol=protocol, sizes=sizes
                )
        if "llm-cpu" in parts:
            from bench.llmpath import measure_llm_cpu

            log("9 LLM-path CPU: one worker, stand-in at zero latency")
            pools["growth"].use()
            figures["llm_cpu"] = measure_llm_cpu(
                pool=pools["growth"],
                redis=redis,
                server=server,
                agents=sizes.llm_cpu_agents,
                ticks=sizes.llm_cpu_ticks,
            )
        if "growth" in parts:
            log("3 growth")
            server.latency = 0.0
            pools["growth"].use()
            figures["growth"] = measure_growth(
                pool=pools["growth"],
                redis=redis,
                agents=sizes.growth_agents,
                ticks=sizes.growth_ticks,
                sample_ticks=sizes.growth_sample_ticks,
            )
        if "batch" in parts:
            log("7 batch")
            pools["cpu"].use()
            figures["batch"] = measure_batch(
                pool=pools["cpu"],
                redis=redis,
                runs=sizes.batch_runs,
                agents=sizes.batch_agents,
                ticks=sizes.batch_ticks,
                engine_ms=engine_batch,
            )
            pools["cpu"].stop()  # the cores go to the wider pool
            wide = WorkerPool(
                "cpu-wide",
                f"{env.tag}-cpu-wide",
                sizes.batch_wide_workers,
                1,
                llm_env,
                env.redis_url,
            )
            stack.callback(wide.stop)
            wide.launch()
            wide.wait_ready()
            wide.use()
            log(f"7 batch on {sizes.batch_wide_workers} workers")
            figures["batch_wide"] = measure_batch(
                pool=wide,
                redis=redis,
                runs=sizes.batch_runs,
                agents=sizes.batch_agents,
                ticks=sizes.batch_ticks,
                engine_ms=engine_batch,
            )
    redis.close()
    return figures


def scaling(sizes: Sizes) -> dict[str, Any]:
    """Engine milliseconds per decision at each agent count, and the largest/smallest ratio."""
    from bench.engine import engine_ms_per_decision

    details = [
        engine_ms_per_decision(agents=n, ticks=sizes.scaling_ticks + 1)
        for n in sizes.scaling_agents
    ]
    per = {str(d["agents"]): d["ms_per_decision"] for d in details}
    smallest, largest = details[0], details[-1]
    # one run of 1,000 agents: only the ticks after the first count, so start-up cancels
    large = engine_ms_per_decision(
        agents=sizes.scaling_large_agents, ticks=sizes.scaling_large_ticks + 1
    )
    return {
        "ticks": sizes.scaling_ticks,
        "ms_per_decision": per,
        "ratio_largest_to_smallest": largest["ms_per_decision"] / smallest["ms_per_decision"],
        "details": details,
        "large": large,
        "large_total_agents": sizes.scaling_large_agents + 1,  # with the river
        "ratio_large_to_largest": large["ms_per_decision"] / largest["ms_per_decision"],
    }
