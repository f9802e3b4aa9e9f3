"""The lean transport under the SDK clients speaks HTTP/1.1 as the servers do.

Keep-alive, chunked and close-delimited bodies, idle connections the server closed, and
httpx's errors for refused and slow servers.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from simengine.llm.transport import StreamTransport

from .helpers import CLOSED_PORT_URL

ANSWERS = {
    "/length": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
    b'{"ok":true}',
    "/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b'5\r\n{"a":\r\n4;ext=1\r\n 12}\r\n0\r\n\r\n',
    "/close": b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
    "/until-eof": b"HTTP/1.0 200 OK\r\n\r\nread to the end",
    "/error": b'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 18\r\n\r\n{"error": "boom!"}',
}


class RawServer:
    """Answers each request with canned bytes; counts connections; can close idle ones."""

    def __init__(self) -> None:
        self.connections = 0
        self.bodies: list[bytes] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.delay = 0.0

    async def start(self) -> str:
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                self.bodies.append(await reader.readexactly(length))
                await asyncio.sleep(self.delay)
                writer.write(ANSWERS[path])
                await writer.drain()
                if path in ("/close", "/until-eof"):
                    writer.close()
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def close_idle(self) -> None:
        for writer in self.writers:
            writer.close()
        await asyncio.sleep(0.05)

    async def stop(self) -> None:
        self.server.close()
        await self.close_idle()


def _run(test) -> None:
    async def go() -> None:
        server = RawServer()
        url = await server.start()
        client = httpx.AsyncClient(base_url=url, transport=StreamTransport(max_idle=2))
        try:
            await test(server, client)
        finally:
            await client.aclose()
            await server.stop()

    asyncio.run(go())


def test_sequential_requests_share_one_keep_alive_connection_and_send_their_bodies():
    async def test(server: RawServer, client: httpx.AsyncClient) -> None:
        for i in range(3):
            response = await client.post("/length", json={"n": i})
            assert response.status_code == 200 and response.json() == {"ok": True}
        assert server.connections == 1
        assert [json.loads(b) for b in server.bodies] == [{"n": 0}, {"n": 1}, {"n": 2}]

    _run(test)


def test_chunked_close_and_eof_delimited_bodies_are_read_whole():
    async def test(server: RawServer, client: httpx.AsyncClient) -> None:
        assert (await client.post("/chunked", json={})).text == '{"a": 12}'
        assert (await client.post("/close", json={})).text == "ok"
        assert (await client.post("/until-eof", json={})).text == "read to the end"
        assert (await client.post("/length", json={})).status_code == 200
        assert server.connections == 3  # the closed ones were not reused

    _run(test)


def test_an_error_status_is_a_response_not_an_exception():
    async def test(server: RawServer, client: httpx.AsyncClient) -> None:
        response = await client.post("/error", json={})
        assert response.status_code == 500 and response.json() == {"error": "boom!"}
        assert (await client.post("/length", json={})).status_code == 200
        assert server.connections == 1

    _run(test)


def test_an_idle_connection_the_server_closed_is_replaced_without_an_error():
    async def test(server: RawServer, client: httpx.AsyncClient) -> None:
        assert (await client.post("/length", json={})).status_code == 200
        await server.close_idle()
        assert (await client.post("/length", json={})).status_code == 200
        assert server.connections == 2

    _run(test)


def test_concurrent_requests_open_more_connections_and_keep_at_most_max_idle():
    async def test(server: RawServer, client: httpx.AsyncClient) -> None:
        server.delay = 0.05
        answers = await asyncio.gather(*(client.post("/length", json={}) for _ in range(4)))
        assert all(a.status_code == 200 for a in answers) and server.connections == 4
        server.delay = 0.0
        for _ in range(4):
            await client.post("/length", json={})
        assert server.connections == 4  # reused the two kept ones

    _run(test)


def test_a_slow_answer_is_a_read_timeout_and_its_connection_is_dropped():
    async def test(server: RawServer, client: httpx.AsyncClient) -> None:
        server.delay = 0.5
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/length", json={}, timeout=httpx.Timeout(0.1))
        server.delay = 0.0
        assert (await client.post("/length", json={})).status_code == 200
        assert server.connections == 2

    _run(test)


def test_a_refused_connection_is_httpx_connect_error():
    async def go() -> None:
        async with httpx.AsyncClient(transport=StreamTransport()) as client:
            with pytest.raises(httpx.ConnectError):
                await client.post(f"{CLOSED_PORT_URL}/api/chat", json={})

    asyncio.run(go())
