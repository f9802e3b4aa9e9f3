"""Streamable HTTP at /mcp/ in a real Daphne, with the REST API's tokens."""

from __future__ import annotations

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from tests.mcp.conftest import SERVER_ENV
from tests.mcp.scenario import (
    check_bad_input,
    check_long_calls_report_progress,
    check_more_tools,
    drive_flood,
)
from tests.mcp.test_stdio import run_async
from tests.processes import daphne_server

pytestmark = pytest.mark.timeout(300)
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


@pytest.fixture
def server(transactional_db):
    with daphne_server(env=SERVER_ENV) as url:
        yield url


def http_client(url: str, token: str, *, mode: str = "auto") -> Client:
    """The SDK's client with the API token; `legacy` forces the initialize handshake."""
    headers = {"Authorization": f"Token {token}"}
    transport = streamable_http_client(
        f"{url}/mcp/", http_client=httpx2.AsyncClient(headers=headers, timeout=120)
    )
    return Client(transport, mode=mode)


def test_an_assistant_steers_a_flood_run_over_http(server, token, flood):
    async def session() -> None:
        async with http_client(server, token) as client:
            await drive_flood(client, flood.scenario_id)

    run_async(session())


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_bad_arguments_are_tool_errors_and_progress_streams_over_http(server, token, flood, mode):
    async def session() -> None:
        async with http_client(server, token, mode=mode) as client:
            await check_bad_input(client, flood.scenario_id)
            await check_long_calls_report_progress(client)

    run_async(session())


def test_an_anonymous_or_bad_token_is_refused_with_401(server, token):
    anonymous = httpx.post(f"{server}/mcp/", json=INITIALIZE, headers=ACCEPT, timeout=30)
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "Authentication credentials were not provided."}
    bad = httpx.post(
        f"{server}/mcp/",
        json=INITIALIZE,
        headers={**ACCEPT, "Authorization": "Token not-a-token"},
        timeout=30,
    )
    assert bad.status_code == 401
    assert bad.json() == {"detail": "Invalid token."}
    good = httpx.post(
        f"{server}/mcp/",
        json=INITIALIZE,
        headers={**ACCEPT, "Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert good.status_code == 200


def test_the_token_of_a_deactivated_user_is_refused(server, token, researcher):
    researcher.is_active = False
    researcher.save()
    refused = httpx.post(
        f"{server}/mcp/",
        json=INITIALIZE,
        headers={**ACCEPT, "Authorization": f"Token {token}"},
        timeout=30,
    )
    assert refused.status_code == 401


def test_the_sdk_client_without_a_token_cannot_connect(server):
    async def session() -> None:
        async with Client(f"{server}/mcp/") as client:
            await client.list_tools()

    with pytest.raises(ExceptionGroup) as refused:
        run_async(session())
    # The SDK reports the 401 as an error response to its first request.
    assert refused.group_contains(MCPError, match="Server returned an error response")


def test_tools_cover_versions_god_mode_decisions_evaluation_and_batches(server, token, flood):
    async def session() -> None:
        async with http_client(server, token) as client:
            await check_more_tools(client, flood.scenario_id)

    run_async(session())
