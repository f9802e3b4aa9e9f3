"""Pools of Celery worker processes for the bench, each on a queue of its own.

Reuses the test suite's child-process helpers (`tests.processes`): same arguments as
`start_celery_worker`, but the app is `bench.worker_app` (simengine's app plus probes).
"""

from __future__ import annotations

import sys
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings

from bench.probes import ProbeReader
from tests.processes import ChildProcess, child_env


@dataclass
class WorkerPool:
    """`nodes` Celery workers of `concurrency` processes each, consuming `queue`."""

    name: str
    queue: str
    nodes: int
    concurrency: int
    env: dict[str, str]
    redis_url: str
    app: str = "bench.worker_app"
    children: list[ChildProcess] = field(default_factory=list)

    @property
    def processes(self) -> int:
        """The number of Celery pool processes across the nodes."""
        return self.nodes * self.concurrency

    @property
    def probe_key(self) -> str:
        """The Redis key prefix under which the pool's probes publish."""
        return f"{self.queue}:probe"

    def launch(self) -> WorkerPool:
        """Start the nodes without waiting (see `wait_ready`)."""
        for _ in range(self.nodes):
            args = [
                sys.executable,
                "-m",
                "celery",
                "-A",
                self.app,
                "worker",
                "-Q",
                self.queue,
                "-c",
                str(self.concurrency),
                "-P",
                "prefork",
                "-n",
                f"{self.name}-{uuid.uuid4().hex[:6]}@%h",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ]
            env = child_env(
                REDIS_URL=self.redis_url,
                CELERY_BROKER_URL=self.redis_url,
                SIMENGINE_CELERY_QUEUE=self.queue,
                BENCH_PROBE_KEY=self.probe_key,
                BENCH_PROBE_REDIS_URL=self.redis_url,
                **self.env,
            )
            self.children.append(ChildProcess(args, env, name=f"bench-{self.name}"))
        return self

    def wait_ready(self, timeout: float = 90) -> None:
        """Block until every node has logged that it is ready."""
        for child in self.children:
            child.wait_for_log("ready.", timeout=timeout)

    def use(self) -> None:
        """Send this process's new slices (run admission) to this pool."""
        settings.SIMENGINE_CELERY_QUEUE = self.queue

    def probes(self, client) -> ProbeReader:
        """A reader for the timings this pool's probes publish."""
        return ProbeReader(client, self.probe_key)

    def stop(self, *, keep_logs: bool = False) -> None:
        """Stop every node, deleting its log unless `keep_logs`."""
        for child in self.children:
            child.stop()
            if not keep_logs:
                child.log_path.unlink(missing_ok=True)
        self.children.clear()

    def pids(self) -> set[int]:
        """Every process of the pool (the nodes and their pool processes)."""
        from bench.cpu import descendants

        return descendants(child.pid for child in self.children)

    def logs(self) -> str:
        """The tail of every node's log, for an error message."""
        return "\n".join(child.log()[-3000:] for child in self.children)


def wait_until(predicate, *, timeout: float, interval: float = 0.25, what: str = "") -> None:
    """Poll `predicate` every `interval` seconds; TimeoutError after `timeout`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)
