"""Live latency: a tick's COMMIT in a worker to a WebSocket client receiving it via Daphne.

The worker's probe stamps each tick notification with the wall clock right after COMMIT
(the notification runs from `on_commit`); the client stamps each `run.tick` frame on
arrival. Both run on this machine, so the clocks agree.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Sequence
from urllib.parse import urlparse

from bench.runs import percentile


def session_cookie() -> str:
    """A logged-in session for a bench user (the run socket refuses anonymous clients).

    Staff: the bench's runs have no owner, and only staff may watch those.
    """
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.update_or_create(
        username="bench", defaults={"is_staff": True}
    )
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class Watcher:
    """A browser-like client on one run's socket, recording when each tick arrives."""

    def __init__(self, server: str, run_id: int, cookie: str) -> None:
        self.url = f"ws://{urlparse(server).netloc}/ws/runs/{run_id}/"
        self.origin = server
        self.cookie = cookie
        self.arrivals: dict[int, float] = {}
        self.error: BaseException | None = None
        self._connected = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="bench-watcher")

    def start(self, timeout: float = 30) -> Watcher:
        """Connect in a background thread; raise if the WebSocket does not open in time."""
        self._thread.start()
        if not self._connected.wait(timeout):
            raise RuntimeError(f"the WebSocket client could not connect: {self.error!r}")
        return self

    def join(self, timeout: float = 30) -> dict[int, float]:
        """Stop watching; the arrival time of each tick seen."""
        self._done.set()
        self._thread.join(timeout)
        return dict(self.arrivals)

    def _run(self) -> None:
        try:
            asyncio.run(self._watch())
        except BaseException as exc:  # reported by start()/the caller
            self.error = exc
            self._connected.set()

    async def _watch(self) -> None:
        import websockets
        from websockets.typing import Origin

        headers = {"Cookie": f"sessionid={self.cookie}"}
        async with websockets.connect(
            self.url, origin=Origin(self.origin), additional_headers=headers, max_size=None
        ) as ws:
            self._connected.set()
            while not self._done.is_set():
                try:
                    frame = await asyncio.wait_for(ws.recv(), timeout=0.5)
                except TimeoutError:
                    continue
                arrived = time.time()
                if isinstance(frame, str) and frame.startswith("{"):
                    payload = json.loads(frame)
                    if payload.get("type") == "run.tick":
                        self.arrivals[int(payload["step"])] = arrived


def latencies(
    run_id: int, arrivals: dict[int, float], commits: dict[tuple[int, int], float]
) -> list[float]:
    """Milliseconds from commit to arrival for every tick seen on both sides."""
    return [
        (arrived - commits[(run_id, step)]) * 1000
        for step, arrived in sorted(arrivals.items())
        if (run_id, step) in commits
    ]


def summary(values: Sequence[float], expected: int) -> dict[str, float | int]:
    """Tick count and latency percentiles of one watched run."""
    if not values:
        return {"ticks": 0, "expected": expected}
    return {
        "ticks": len(values),
        "expected": expected,
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "max_ms": max(values),
    }


def channel_layer_floor(samples: int = 50) -> dict[str, float]:
    """group_send -> receive on the Redis channel layer alone: the transport's floor."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    assert layer is not None, "no channel layer configured"

    async def measure() -> list[float]:
        channel = await layer.new_channel()
        group = "bench-floor"
        await layer.group_add(group, channel)
        values = []
        try:
            for i in range(samples):
                started = time.perf_counter()
                await layer.group_send(group, {"type": "bench.ping", "i": i})
                await layer.receive(channel)
                values.append((time.perf_counter() - started) * 1000)
        finally:
            await layer.group_discard(group, channel)
            # close this loop's connections only: the process's broadcast sender loop
            # (runs_app.broadcast) keeps its own on the same layer
            mine = layer._layers.pop(asyncio.get_running_loop(), None)  # type: ignore[attr-defined]
            if mine is not None:
                await mine.flush()
        return values

    values = asyncio.run(measure())
    return {"p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95)}
