"""The MCP tools, one module per subject; `ALL_TOOLS` is what the server registers."""

from collections.abc import Callable
from typing import Any

from runs_app.mcp.tools import batches, history, runs, scenarios

ALL_TOOLS: list[Callable[..., Any]] = [
    *scenarios.TOOLS,
    *runs.TOOLS,
    *history.TOOLS,
    *batches.TOOLS,
]
