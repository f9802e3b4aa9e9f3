"""A loopback HTTP/1.1 server on asyncio streams, run in a background thread.

Work requests (model calls) go through a fixed number of slots: extra requests wait, the
way a model server queues them. Counters show what the server saw; scripted replies make
it fail in exactly the ways a test asks for.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Self

Headers = dict[str, str]


@dataclass
class Reply:
    """One scripted reply to a work request (consumed in order of arrival)."""

    status: int = 200
    content: Any = None  # the answer: None = default, str = text, other = JSON-encoded
    message: str = ""  # error text for non-200 replies
    headers: Headers = field(default_factory=dict)
    delay: float = 0.0  # seconds on top of the server's latency
    drop: bool = False  # close the connection without answering
    raw: bytes | None = None  # send this body as it is (e.g. a proxy's HTML error page)

    @classmethod
    def error(cls, status: int = 500, message: str = "internal server error") -> Reply:
        """An HTTP error in the provider's own error format."""
        return cls(status=status, message=message)

    @classmethod
    def rate_limited(cls, retry_after: float = 1.0) -> Reply:
        """429 with a retry-after header (seconds)."""
        return cls(status=429, message="rate limited", headers={"retry-after": f"{retry_after:g}"})

    @classmethod
    def slow(cls, seconds: float, content: Any = None) -> Reply:
        """A (valid) answer that takes `seconds` longer than usual."""
        return cls(content=content, delay=seconds)

    @classmethod
    def text(cls, text: str) -> Reply:
        """An answer whose content is this text (e.g. not JSON at all)."""
        return cls(content=text)

    @classmethod
    def json(cls, value: Any) -> Reply:
        """An answer whose content is this value as JSON (e.g. the wrong shape)."""
        return cls(content=json.dumps(value))

    @classmethod
    def malformed(cls, body: bytes = b"<html><body>502 Bad Gateway</body></html>") -> Reply:
        """A 200 whose body is not JSON at all (a proxy page, a cut-off answer)."""
        return cls(raw=body)

    @classmethod
    def model_not_found(cls, model: str = "") -> Reply:
        """404 as a server answers for a model it does not have."""
        return cls(status=404, message=f"model '{model}' not found" if model else "")


@dataclass(frozen=True)
class Request:
    """A request as the server received it."""

    method: str
    path: str
    headers: Headers
    body: Any  # parsed JSON, or the raw text when it is not JSON
    at: float


@dataclass
class Stats:
    """A consistent snapshot of the server's counters."""

    total: int
    in_flight: int
    max_in_flight: int
    active: int
    max_active: int
    queued: int
    max_queued: int
    rejected: int = 0  # work requests refused because the queue was full (503)
    busy_seconds: float = 0.0  # slot-seconds spent serving: the integral of `active` over time


class LoopbackServer:
    """Base class: subclasses route requests; `work()` wraps model calls in slots."""

    def __init__(self, *, slots: int = 4, latency: float = 0.0, host: str = "127.0.0.1") -> None:
        self.slots = slots
        self.latency = latency
        self.host = host
        self.port = 0
        self.answer: Callable[[Any], Any] | None = None  # body -> content, decides answers
        self.requests: deque[Request] = deque(maxlen=10_000)
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._counts = _zero_counts()
        self._busy_mark = time.monotonic()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>`."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        """Start serving in a background thread; returns self."""
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(5):
            raise RuntimeError(f"{type(self).__name__} did not start")
        return self

    def _run(self, ready: threading.Event) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._listen())
        ready.set()
        loop.run_forever()
        loop.close()

    async def _listen(self) -> None:
        self._sem = asyncio.Semaphore(self.slots)
        self._server = await asyncio.start_server(
            self._connection, self.host, self.port, backlog=2048
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        """Close the port (later connections are refused) and every open connection."""
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop = self._thread = None

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting and counters ------------------------------------------------------------
    def script(self, *replies: Reply) -> None:
        """Queue replies for the next work requests, in order."""
        with self._lock:
            self._script.extend(replies)

    def stats(self) -> Stats:
        """The counters now."""
        with self._lock:
            self._advance_busy()
            return Stats(**self._counts)

    def reset(self) -> None:
        """Forget counters, recorded requests and unused scripted replies."""
        with self._lock:
            self._counts = _zero_counts()
            self._busy_mark = time.monotonic()
            self._script.clear()
            self.requests.clear()

    def bodies(self, path: str) -> list[Any]:
        """The bodies received at `path`, oldest first."""
        return [r.body for r in list(self.requests) if r.path == path]

    def _count(self, **changes: int) -> None:
        with self._lock:
            if "active" in changes:
                self._advance_busy()
            for name, delta in changes.items():
                self._counts[name] += delta
                peak = f"max_{name}"
                if peak in self._counts:
                    self._counts[peak] = max(self._counts[peak], self._counts[name])

    def _advance_busy(self) -> None:
        """Add the slot time served since the last change of `active` (lock held)."""
        now = time.monotonic()
        self._counts["busy_seconds"] += self._counts["active"] * (now - self._busy_mark)
        self._busy_mark = now

    # -- HTTP ------------------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                self.requests.append(request)
                status, headers, body = await self.route(request)
                if status == 0:  # a dropped connection
                    break
                writer.write(_response(status, headers, body))
                await writer.drain()
                if request.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()

    async def route(self, request: Request) -> tuple[int, Headers, bytes]:
        """Answer one request: (status, headers, body). Status 0 drops the connection."""
        raise NotImplementedError

    async def work(
        self, render: Callable[[Reply], tuple[int, Headers, bytes]]
    ) -> tuple[int, Headers, bytes]:
        """Take the next scripted reply, wait for a slot and the latency, then render it."""
        with self._lock:
            reply = self._script.popleft() if self._script else Reply()
        waiting = self._sem.locked()  # every slot busy: this request queues
        self._count(total=1, in_flight=1, queued=int(waiting))
        try:
            async with self._sem:
                self._count(queued=-int(waiting), active=1)
                waiting = False
                try:
                    await asyncio.sleep(self.latency + reply.delay)
                finally:
                    self._count(active=-1)
        finally:
            if waiting:
                self._count(queued=-1)
            self._count(in_flight=-1)
        if reply.drop:
            return 0, {}, b""
        if reply.raw is not None:
            return reply.status, {"content-type": "text/html"}, reply.raw
        return render(reply)


def _zero_counts() -> dict[str, Any]:
    return {**dict.fromkeys(Stats.__dataclass_fields__, 0), "busy_seconds": 0.0}


def json_response(
    status: int, value: Any, headers: Headers | None = None
) -> tuple[int, Headers, bytes]:
    """A JSON body with its content type."""
    return (
        status,
        {"content-type": "application/json", **(headers or {})},
        json.dumps(value).encode(),
    )


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    line = await reader.readline()
    if not line.strip():
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: Headers = {}
    while True:
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        data = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        data = await _read_chunked(reader)
    else:
        data = b""
    text = data.decode("utf-8", "replace")
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        body = text
    return Request(method.upper(), target.split("?", 1)[0], headers, body, time.monotonic())


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    data = b""
    while True:
        size = int((await reader.readline()).split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            await reader.readline()
            return data
        data += await reader.readexactly(size)
        await reader.readline()


def _response(status: int, headers: Headers, body: bytes) -> bytes:
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}", f"content-length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
