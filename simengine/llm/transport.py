"""A lean HTTP/1.1 transport for the official SDK clients: asyncio streams, a small pool.

httpx's default transport (httpcore on anyio) costs about 1 ms of CPU per model call: it
scans every pooled connection per request (expiry, socket readability, through anyio's
typed attributes) and wraps every read in cancel scopes. A simulation worker sends a few
hundred small JSON requests a second to one server, so that was most of an LLM decision's
CPU. This transport keeps the SDK (request building, errors, response types) and replaces
only the wire: one keep-alive connection per request in flight, at most `max_idle` kept
open, TCP_NODELAY (asyncio's default), no compression.

Errors are httpx's, as the SDKs expect: a refused or unresolvable host is `ConnectError`,
a slow connect `ConnectTimeout`, a slow answer `ReadTimeout`, a connection closed before a
whole answer `RemoteProtocolError`. Nothing is retried here (the provider's policy does).
"""

from __future__ import annotations

import asyncio
import select
import ssl
from collections import deque
from contextlib import suppress
from typing import Any

import httpx

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
SKIPPED_HEADERS = frozenset({b"accept-encoding", b"connection", b"content-length"})
MAX_HEADER_LINES = 200


class StreamTransport(httpx.AsyncBaseTransport):
    """Sends each request on a pooled asyncio stream; reads the whole answer before returning.

    One instance belongs to one event loop (the SDK clients are made per loop).
    """

    def __init__(self, *, max_idle: int = 8) -> None:
        self.max_idle = max(1, max_idle)
        self._idle: dict[tuple[str, str, int], deque[Connection]] = {}
        self._ssl: ssl.SSLContext | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` and return its response with the body read."""
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        origin = (request.url.scheme, request.url.host, request.url.port or _default_port(request))
        content = await request.aread()
        head = _request_head(request, len(content))
        connection = self._reuse(origin) or await self._connect(origin, timeouts.get("connect"))
        try:
            async with asyncio.timeout(timeouts.get("read")):
                status, headers, body, keep = await _exchange(connection, head + content)
        except TimeoutError:
            _close(connection)
            message = f"no answer from {_name(origin)} in time"
            raise httpx.ReadTimeout(message, request=request) from None
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            _close(connection)
            raise httpx.RemoteProtocolError(
                f"the connection to {_name(origin)} broke before a whole answer: {exc!r}",
                request=request,
            ) from exc
        except BaseException:  # cancelled: the answer may still come, so the connection goes
            _close(connection)
            raise
        if keep:
            self._give_back(origin, connection)
        else:
            _close(connection)
        return httpx.Response(status, headers=headers, content=body, request=request)

    def _reuse(self, origin: tuple[str, str, int]) -> Connection | None:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            reader, writer = connection
            if reader.at_eof() or writer.is_closing() or _closed_by_peer(writer):
                _close(connection)  # the server closed it while it was idle
                continue
            return connection
        return None

    def _give_back(self, origin: tuple[str, str, int], connection: Connection) -> None:
        idle = self._idle.setdefault(origin, deque())
        if len(idle) >= self.max_idle:
            _close(connection)
        else:
            idle.append(connection)

    async def _connect(self, origin: tuple[str, str, int], timeout: float | None) -> Connection:
        scheme, host, port = origin
        secure: Any = None
        if scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            secure = self._ssl
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.open_connection(host, port, ssl=secure)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {_name(origin)} timed out") from None
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {_name(origin)}: {exc}") from exc

    async def aclose(self) -> None:
        """Close every idle connection."""
        for idle in self._idle.values():
            while idle:
                reader, writer = idle.pop()
                writer.close()
                with suppress(OSError):
                    await writer.wait_closed()
        self._idle.clear()


def _default_port(request: httpx.Request) -> int:
    return 443 if request.url.scheme == "https" else 80


def _name(origin: tuple[str, str, int]) -> str:
    scheme, host, port = origin
    return f"{scheme}://{host}:{port}"


def _request_head(request: httpx.Request, length: int) -> bytes:
    target = request.url.raw_path.decode("ascii")
    lines = [f"{request.method} {target} HTTP/1.1"]
    for name, value in request.headers.raw:
        if name.lower() not in SKIPPED_HEADERS:
            lines.append(f"{name.decode('latin-1')}: {value.decode('latin-1')}")
    lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _exchange(
    connection: Connection, data: bytes
) -> tuple[int, list[tuple[bytes, bytes]], bytes, bool]:
    """Write one request, read its answer: status, headers, body, and whether to keep it."""
    reader, writer = connection
    writer.write(data)
    status_line = await reader.readuntil(b"\r\n")
    version, _, rest = status_line.decode("latin-1").partition(" ")
    status = int(rest[:3])
    headers: list[tuple[bytes, bytes]] = []
    length: int | None = None
    chunked = False
    close = version.strip() != "HTTP/1.1"
    for _ in range(MAX_HEADER_LINES):
        line = await reader.readuntil(b"\r\n")
        if line == b"\r\n":
            break
        name, _, value = line[:-2].partition(b":")
        value = value.strip()
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value)
        elif lowered == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
            continue  # the body handed on is whole, not chunked
        elif lowered == b"connection":
            close = close or value.lower() == b"close"
        headers.append((name.strip(), value))
    else:
        raise ValueError("too many header lines")
    if chunked:
        body = await _read_chunked(reader)
    elif length is not None:
        body = await reader.readexactly(length)
    elif status in (204, 304) or 100 <= status < 200:
        body = b""
    else:
        body = await reader.read()  # delimited by the server closing the connection
        close = True
    return status, headers, body, not close


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _closed_by_peer(writer: asyncio.StreamWriter) -> bool:
    """Whether the server closed (or wrote to) an idle connection the loop has not seen yet.

    A kept connection may sit idle between a worker's slices while no loop runs; reusing
    one the server has closed would fail the request (and cost a retry). An idle HTTP/1.1
    connection has nothing to read, so a readable one is closed or out of step.
    """
    sock = writer.get_extra_info("socket")
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _close(connection: Connection) -> None:
    connection[1].close()
