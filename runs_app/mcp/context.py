"""What every tool needs: the acting user, the API's error messages, and its result shape."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections, connections
from django.db.models import Q, QuerySet
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent

from runs_app.mcp.errors import api_errors

# The request scope key the HTTP transport's authentication stores the user id under, and the
# lifespan key of the stdio server's user.
USER_SCOPE_KEY = "simengine.user_id"
T = TypeVar("T")


def acting_user_id(ctx: Context) -> int:
    """The id of the user a tool call acts for: the HTTP token's user, or stdio's --user."""
    request = ctx.request_context.request
    if request is not None:
        user_id = getattr(request, "scope", {}).get(USER_SCOPE_KEY)
    else:
        user_id = (ctx.request_context.lifespan_context or {}).get(USER_SCOPE_KEY)
    if user_id is None:  # the transports authenticate first: this is a wiring fault
        raise ToolError("Authentication credentials were not provided.")
    return int(user_id)


@contextmanager
def acting(ctx: Context, *, spec_prefix: str = "") -> Iterator[User]:
    """The acting user, with the API's failures turned into tool errors and DB connections freed.

    Tool bodies run on worker threads; each call gets a fresh connection, like a request.
    """
    close_old_connections()
    try:
        user = User.objects.filter(pk=acting_user_id(ctx), is_active=True).first()
        if user is None:
            raise ToolError("User inactive or deleted.")
        with api_errors(spec_prefix=spec_prefix):
            yield user
    finally:
        connections.close_all()


def plain(data: Any) -> Any:
    """Serializer output (ordered dicts, datetimes, decimals) as plain JSON values."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def result(text: str, data: dict[str, Any]) -> CallToolResult:
    """A tool result: the data as structured content, and a short text saying what it is."""
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=plain(data)
    )


async def with_progress(
    ctx: Context, label: str, work: Callable[[], T], *, every: float = 2.0
) -> T:
    """Run blocking `work` on a thread, reporting progress every `every` seconds until it ends."""
    beats = 0
    await ctx.report_progress(beats, None, f"{label}: started")

    async def heartbeat() -> None:
        nonlocal beats
        while True:
            await anyio.sleep(every)
            beats += 1
            await ctx.report_progress(beats, None, f"{label}: working ({beats * every:.0f} s)")

    failure: Exception | None = None
    async with anyio.create_task_group() as group:
        group.start_soon(heartbeat)
        try:
            outcome = await anyio.to_thread.run_sync(work)
        except Exception as exc:  # raised below, outside the group, so it is not wrapped
            failure = exc
        finally:
            group.cancel_scope.cancel()
    if failure is not None:
        await ctx.report_progress(beats + 1, beats + 1, f"{label}: failed")
        raise failure
    await ctx.report_progress(beats + 1, beats + 1, f"{label}: done")
    return outcome


# -- cursor pages over a run's history, in the API's (step, id) order --------------------------


def keyset_page(
    rows: QuerySet, *, cursor: str | None, limit: int, ordering: tuple[str, str] = ("step", "id")
) -> tuple[list[Any], str | None]:
    """One page of `rows` after `cursor` and the cursor of the next page (None at the end).

    Keys are those of the API's history lists: new rows never shift pages already read.
    """
    first, second = ordering
    key = _decode(cursor)
    if key is not None:
        rows = rows.filter(
            Q(**{f"{first}__gt": key[0]}) | Q(**{first: key[0], f"{second}__gt": key[1]})
        )
    page = list(rows.order_by(first, second)[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    next_cursor = _encode([getattr(page[-1], first), getattr(page[-1], second)]) if more else None
    return page, next_cursor


def _encode(key: list[int]) -> str:
    raw = json.dumps({"d": "next", "k": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str | None) -> list[int] | None:
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = data["k"]
        valid = (
            data["d"] == "next"
            and isinstance(key, list)
            and len(key) == 2
            and all(type(part) is int and 0 <= part <= 2**63 - 1 for part in key)
        )
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        valid = False
    if not valid:
        raise ToolError("Invalid input.\ncursor: invalid cursor: use next_cursor of a page")
    return key
