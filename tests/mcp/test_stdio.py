"""The stdio transport: `manage.py mcp --user NAME` as a subprocess, driven by the SDK's client."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.mcp.conftest import SERVER_ENV
from tests.mcp.scenario import check_bad_input, check_long_calls_report_progress, drive_flood
from tests.processes import ROOT, child_env

pytestmark = pytest.mark.timeout(300)


def stdio_server(username: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["manage.py", "mcp", "--user", username],
        env=child_env(**SERVER_ENV),
        cwd=ROOT,
    )


def run_async(coroutine) -> None:
    """Run the client on a thread of its own: the test's own thread stays synchronous."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def test_an_assistant_steers_a_flood_run_over_stdio(researcher, flood):
    async def session() -> None:
        async with Client(stdio_server(researcher.username)) as client:
            await drive_flood(client, flood.scenario_id)

    run_async(session())


def test_bad_arguments_are_tool_errors_and_long_calls_report_progress(researcher, flood):
    async def session() -> None:
        async with Client(stdio_server(researcher.username)) as client:
            await check_bad_input(client, flood.scenario_id)
            await check_long_calls_report_progress(client)

    run_async(session())


def test_the_command_refuses_an_unknown_user(transactional_db):
    done = subprocess.run(
        [sys.executable, "manage.py", "mcp", "--user", "nobody"],
        cwd=ROOT,
        env=child_env(**SERVER_ENV),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    assert "no active user named 'nobody'" in done.stderr
