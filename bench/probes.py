"""Timing probes inside the bench's worker processes, and their reading in the bench.

Installed by `bench.worker_app` in every pool process, they wrap (never replace) the run
service's phases: `Simulation.step` (engine), the decision maker's `decide` (inside it),
`commit_tick` (persistence, including the notification it triggers after COMMIT) and
`broadcast_to_run` (notify). Sums are kept in the process and published to Redis once per
Celery task, so a tick pays two `perf_counter` calls per phase and nothing else.
"""

from __future__ import annotations

import functools
import inspect
import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runs_app.broadcast import RunPayload

# "slice": a runs.run_slice task; "task": any other task (e.g. a finished run's evaluation)
PHASES = ("slice", "task", "step", "decide", "commit", "notify")
# the LLM path's synchronous parts (figure 9), each timed on its own inside "decide"
LLM_PARTS = ("observe", "prompt", "parse", "record")
# parts of a slice outside the engine and the commit, timed to explain "other"
SLICE_PARTS = ("state", "spec", "load", "finish", "enqueue")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


# -- inside a worker process ------------------------------------------------------------------

_seconds: dict[str, float] = defaultdict(float)  # wall clock
_cpu: dict[str, float] = defaultdict(float)  # this process's CPU time
_counts: dict[str, int] = defaultdict(int)
_commits: list[str] = []  # "run step unix-time" of each tick notification
_last_step: dict[int, int] = {}
_slice_started: list[tuple[float, float]] = []


def _add(phase: str, wall: float, cpu: float) -> None:
    _seconds[phase] += time.perf_counter() - wall
    _cpu[phase] += time.process_time() - cpu
    _counts[phase] += 1


def rss_bytes() -> int:
    """This process's resident set size, from /proc (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


def _timed_async(phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def wrapper(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return await fn(*args, **kwargs)
        finally:
            _add(phase, wall, cpu)

    return wrapper


_open_decides: list[tuple[float, float]] = []  # (wall, cpu) when the first open one began
_open_count = [0]


def _decide_window(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Time the union of concurrent `decide` calls: from the first one open to the last shut.

    A tick's decisions run concurrently on one event loop, so summing each call's own
    window would count the others' CPU many times over.
    """

    @functools.wraps(fn)
    async def wrapper(*args, **kwargs):
        if _open_count[0] == 0:
            _open_decides.append((time.perf_counter(), time.process_time()))
        _open_count[0] += 1
        try:
            return await fn(*args, **kwargs)
        finally:
            _open_count[0] -= 1
            if _open_count[0] == 0:
                _add("decide", *_open_decides.pop())
                _counts["decide"] -= 1
            _counts["decide"] += 1

    return wrapper


def _timed(phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            _add(phase, wall, cpu)

    return wrapper


def _patch(owner: object, name: str, wrap: Callable[[Callable[..., Any]], Any]) -> None:
    """Replace `owner.name` (a module's function or a class's method) by `wrap(original)`.

    A classmethod is unwrapped first and stays a classmethod.
    """
    original = inspect.getattr_static(owner, name)
    if isinstance(original, classmethod):
        setattr(owner, name, classmethod(wrap(original.__func__)))
    else:
        setattr(owner, name, wrap(original))


def install(key: str, redis_url: str) -> None:
    """Wrap the phases and publish their sums after each task under `key`."""
    import redis
    from celery.signals import task_postrun, task_prerun

    from runs_app.services import execution, sink
    from simengine.core.simulation import Simulation
    from simengine.llm.decider import LLMDecisionMaker

    client = redis.Redis.from_url(redis_url)
    _patch(Simulation, "step", functools.partial(_timed_async, "step"))
    _patch(LLMDecisionMaker, "decide", _decide_window)
    _time_llm_parts()
    commit = execution.commit_tick

    def commit_tick(run_id: int, result: Any, *args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return commit(run_id, result, *args, **kwargs)
        finally:
            _add("commit", wall, cpu)
            _last_step[run_id] = result.tick

    _patch(execution, "commit_tick", lambda _: commit_tick)
    for name, phase in (
        ("_state", "state"),
        ("run_spec", "spec"),
        ("run_finish", "finish"),
        ("slice_dispatch", "enqueue"),
    ):
        _patch(execution, name, functools.partial(_timed, phase))
    _patch(Simulation, "create", functools.partial(_timed, "load"))
    _patch(Simulation, "restore", functools.partial(_timed, "load"))
    broadcast = sink.broadcast_to_run

    def broadcast_to_run(run_id: int, payload: RunPayload) -> Any:
        committed = time.time()  # called from on_commit: the tick has just committed
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return broadcast(run_id, payload)
        finally:
            _add("notify", wall, cpu)
            if payload.get("type") == "run.tick":
                _commits.append(f"{run_id} {dict(payload)['step']} {committed:.6f}")

    _patch(sink, "broadcast_to_run", lambda _: broadcast_to_run)
    _time_slot_holding()

    profile_dir = os.environ.get("BENCH_PROFILE_DIR")
    profiler = None
    if profile_dir:  # `python -m bench --profile-workers DIR`: cProfile of every task
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU, not wall time

    @task_prerun.connect(weak=False)
    def _started(**_: Any) -> None:
        _slice_started.append((time.perf_counter(), time.process_time()))
        if profiler is not None:
            profiler.enable()

    @task_postrun.connect(weak=False)
    def _finished(sender=None, args=None, **_: Any) -> None:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(os.path.join(profile_dir or ".", f"worker-{os.getpid()}.prof"))
        phase = "slice" if getattr(sender, "name", "") == "runs.run_slice" else "task"
        if _slice_started:
            _add(phase, *_slice_started.pop())
        run_id = int(args[0]) if args else 0
        pid = os.getpid()
        pipe = client.pipeline(transaction=False)
        for phase, seconds in _seconds.items():
            pipe.hincrbyfloat(f"{key}:seconds:{pid}", phase, seconds)
        for phase, seconds in _cpu.items():
            pipe.hincrbyfloat(f"{key}:cpu:{pid}", phase, seconds)
        for phase, count in _counts.items():
            pipe.hincrby(f"{key}:counts:{pid}", phase, count)
        if _commits:
            pipe.rpush(f"{key}:commits", *_commits)
        step = _last_step.get(run_id, -1)
        pipe.rpush(f"{key}:rss", f"{pid} {run_id} {step} {rss_bytes()} {time.time():.3f}")
        pipe.execute()
        _seconds.clear()
        _cpu.clear()
        _counts.clear()
        _commits.clear()


def _time_llm_parts() -> None:
    """Wrap the LLM path's synchronous parts where the ask path looks them up."""
    from simengine.core import simulation
    from simengine.llm import asking, decider

    _patch(simulation.Simulation, "_request", functools.partial(_timed, "observe"))
    _patch(decider, "build_prompt", functools.partial(_timed, "prompt"))
    for name in ("extract_json_object", "validate_decision"):
        _patch(asking, name, functools.partial(_timed, "parse"))
    _patch(decider, "decision_from_json", functools.partial(_timed, "parse"))
    _patch(asking, "call_record", functools.partial(_timed, "record"))


def _time_slot_holding() -> None:
    """How long a worker holds a shared LLM slot per call (from granted to given back)."""
    from simengine.llm.limits.redis import RedisSlotLimiter

    granted: dict[str, float] = {}
    wait, release = RedisSlotLimiter._wait_shared, RedisSlotLimiter._release_shared

    async def _wait_shared(self: RedisSlotLimiter) -> tuple[bool, str]:
        handed, token = await wait(self)
        granted[token] = time.perf_counter()
        return handed, token

    async def _release_shared(self: RedisSlotLimiter, token: str) -> Any:
        started = granted.pop(token, None)
        if started is not None:
            _seconds["slot_held"] += time.perf_counter() - started
            _counts["slot_held"] += 1
        return await release(self, token)

    _patch(RedisSlotLimiter, "_wait_shared", lambda _: _wait_shared)
    _patch(RedisSlotLimiter, "_release_shared", lambda _: _release_shared)


def install_from_env() -> None:
    """Install the probes when the bench asked for them (BENCH_PROBE_KEY set)."""
    key = os.environ.get("BENCH_PROBE_KEY")
    if key:
        install(key, os.environ["BENCH_PROBE_REDIS_URL"])


# -- in the bench -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """Per phase: wall seconds, CPU seconds and call counts, over a pool's processes."""

    seconds: dict[str, float]
    cpu: dict[str, float]
    counts: dict[str, int]


@dataclass(frozen=True)
class RssSample:
    """One worker process's resident memory after one task, with the run and step."""

    pid: int
    run_id: int
    step: int
    rss: int
    at: float


class ProbeReader:
    """Reads (and clears) what the workers of one pool published under `key`."""

    def __init__(self, client, key: str) -> None:
        self.client = client
        self.key = key

    def clear(self) -> None:
        """Forget everything published so far."""
        keys = list(self.client.scan_iter(match=f"{self.key}:*", count=1000))
        if keys:
            self.client.delete(*keys)

    def totals(self) -> Totals:
        """Wall seconds, CPU seconds and counts per phase, summed over the pool's processes."""
        seconds, cpu = self._sum("seconds", float), self._sum("cpu", float)
        return Totals(seconds, cpu, self._sum("counts", int))

    def _sum(self, kind: str, cast) -> dict[str, Any]:
        found: dict[str, Any] = defaultdict(cast)
        for name in self.client.scan_iter(match=f"{self.key}:{kind}:*", count=1000):
            for phase, value in self.client.hgetall(name).items():
                found[_text(phase)] += cast(value)
        return dict(found)

    def settled_totals(self, timeout: float = 10.0) -> Totals:
        """Totals once the last task's numbers have arrived (two equal reads in a row)."""
        previous = self.totals()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.4)
            current = self.totals()
            if current == previous:
                return current
            previous = current
        return previous

    def commits(self) -> dict[tuple[int, int], float]:
        """(run, step) -> the wall-clock time its tick committed."""
        found = {}
        for line in self.client.lrange(f"{self.key}:commits", 0, -1):
            run_id, step, at = _text(line).split()
            found[(int(run_id), int(step))] = float(at)
        return found

    def rss(self) -> list[RssSample]:
        """Every resident-memory sample published, in order."""
        samples = []
        for line in self.client.lrange(f"{self.key}:rss", 0, -1):
            pid, run_id, step, rss, at = _text(line).split()
            samples.append(RssSample(int(pid), int(run_id), int(step), int(rss), float(at)))
        return samples


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
