"""How big each scenario is: the issue's sizes, and a `--quick` pass that shrinks all of them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    # 1 + 5. saturation, calls and queueing: LLM stand-in with P slots and latency L
    """The size of every benchmark scenario (FULL for the figures, QUICK for the smoke test)."""

    slots: int
    latency: float
    saturation_runs: int
    saturation_agents: int
    saturation_ticks: int
    single_agents: int
    single_ticks: int
    minimal_loop_calls: int  # the ideal: a bare asyncio loop against the same stand-in
    # 2. overhead: offline policy, PostgreSQL, on `cpu_workers` worker processes
    cpu_workers: int
    overhead_runs: int
    overhead_agents: int
    overhead_ticks: int
    # 3. growth: one run on one worker against the stand-in with no latency
    growth_agents: int
    growth_ticks: int
    growth_sample_ticks: tuple[int, int, int]
    # 4. live latency: a WebSocket watcher through Daphne and the Redis channel layer
    live_ticks: int
    # 6. scaling: engine alone, offline policy
    scaling_agents: tuple[int, int, int]
    scaling_ticks: int
    # 7. batch throughput
    batch_runs: int
    batch_agents: int
    batch_ticks: int
    # 8. memory: prompt tokens per decision early and late in one long run (memory on)
    memory_agents: int = 10
    memory_ticks: int = 500
    memory_early_tick: int = 100
    # 9. snapshots: stored bytes per tick of the flood sample (engine alone)
    snapshot_ticks: int = 200
    # workers for the LLM-bound runs (processes per node x nodes): every run gets one
    llm_nodes: int = 2
    llm_concurrency: int = 5
    # 1 fast server, on each protocol (Ollama, OpenAI-compatible): P=`slots`, L=fast_latency
    fast_runs: int = 10
    fast_agents: int = 20
    fast_ticks: int = 10
    fast_latency: float = 0.05
    # 9 LLM-path CPU: one run on a one-process worker, stand-in at zero latency
    llm_cpu_agents: int = 20
    llm_cpu_ticks: int = 30
    # 6 scaling at 1,000 agents in one run (999 deciding + the river), extra ticks only
    scaling_large_agents: int = 999
    scaling_large_ticks: int = 5
    # 7 the batch again on this many workers (how it scales with cores)
    batch_wide_workers: int = 4


FULL = Sizes(
    slots=8,
    latency=0.2,
    saturation_runs=10,
    saturation_agents=20,
    saturation_ticks=10,
    single_agents=50,
    single_ticks=6,
    minimal_loop_calls=320,
    cpu_workers=2,
    overhead_runs=10,
    overhead_agents=20,
    overhead_ticks=100,
    growth_agents=5,
    growth_ticks=1000,
    growth_sample_ticks=(10, 100, 500),
    live_ticks=100,
    scaling_agents=(10, 50, 200),
    scaling_ticks=20,
    batch_runs=200,
    batch_agents=20,
    batch_ticks=60,
)

QUICK = Sizes(
    slots=8,
    latency=0.2,
    saturation_runs=4,
    saturation_agents=20,
    saturation_ticks=2,
    single_agents=50,
    single_ticks=1,
    minimal_loop_calls=80,
    cpu_workers=2,
    overhead_runs=2,
    overhead_agents=20,
    overhead_ticks=10,
    growth_agents=5,
    growth_ticks=40,
    growth_sample_ticks=(5, 20, 40),
    live_ticks=15,
    scaling_agents=(10, 50, 200),
    scaling_ticks=3,
    batch_runs=6,
    batch_agents=20,
    batch_ticks=10,
    llm_concurrency=2,
    fast_runs=4,
    fast_ticks=2,
    memory_agents=5,
    memory_ticks=60,
    memory_early_tick=20,
    snapshot_ticks=40,
    llm_cpu_ticks=4,
    scaling_large_ticks=2,
)
