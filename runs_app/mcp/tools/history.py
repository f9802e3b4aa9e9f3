"""History tools: messages, events, and decisions with their LLM calls, in cursor pages."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult
from pydantic import Field

from runs_app.api.history import EventFilterSerializer, MessageFilterSerializer
from runs_app.api.serializers import EventSerializer, LLMCallSerializer, MessageSerializer
from runs_app.mcp import lookup
from runs_app.mcp.context import acting, keyset_page, result
from runs_app.mcp.errors import validated
from runs_app.mcp.tools.fields import Cursor, FromStep, RunId, ToStep
from runs_app.selectors import decision_calls, event_list, message_list

PageSize = Annotated[int, Field(ge=1, le=1000, description="Results per page.")]
DECISION_TYPES = ("AgentDecided", "DecisionFailed")


def _page(rows: Any, next_cursor: str | None) -> dict[str, Any]:
    return {"results": rows, "next_cursor": next_cursor}


def read_messages(
    ctx: Context,
    run_id: RunId,
    agent: Annotated[
        str | None,
        Field(max_length=200, description="What this agent sent or could read."),
    ] = None,
    room: Annotated[str | None, Field(max_length=200, description="Said in this room.")] = None,
    from_step: FromStep = None,
    to_step: ToStep = None,
    since: Annotated[datetime | None, Field(description="Created at or after (ISO 8601).")] = None,
    until: Annotated[datetime | None, Field(description="Created before (ISO 8601).")] = None,
    cursor: Cursor = None,
    limit: PageSize = 100,
) -> CallToolResult:
    """Read a run's message history in step order, filtered like the API, in cursor pages."""
    with acting(ctx) as user:
        run = lookup.get_run(user, run_id)
        filters = validated(
            MessageFilterSerializer,
            {
                "agent": agent,
                "room": room,
                "from_step": from_step,
                "to_step": to_step,
                "since": since.isoformat() if since else None,
                "until": until.isoformat() if until else None,
            },
        )
        rows, next_cursor = keyset_page(
            message_list(run=run, **filters), cursor=cursor, limit=limit
        )
        lines = "\n".join(
            f"[{m.step}] {m.sender} -> {m.channel}{':' + m.recipient if m.recipient else ''}: "
            f"{m.text[:200]}"
            for m in rows
        )
        more = " More: pass next_cursor." if next_cursor else ""
        return result(
            f"{len(rows)} messages of run {run.pk}.{more}\n{lines}".rstrip(),
            _page(MessageSerializer(rows, many=True).data, next_cursor),
        )


def read_events(
    ctx: Context,
    run_id: RunId,
    type: Annotated[
        str | None, Field(max_length=60, description="Event type, e.g. AgentActed, control.")
    ] = None,
    agent: Annotated[str | None, Field(max_length=200, description="Events of this agent.")] = None,
    from_step: FromStep = None,
    to_step: ToStep = None,
    cursor: Cursor = None,
    limit: PageSize = 100,
) -> CallToolResult:
    """Read a run's events (actions, decisions, controls, world events) in step order."""
    with acting(ctx) as user:
        run = lookup.get_run(user, run_id)
        filters = validated(
            EventFilterSerializer,
            {"type": type, "agent": agent, "from_step": from_step, "to_step": to_step},
        )
        rows, next_cursor = keyset_page(event_list(run=run, **filters), cursor=cursor, limit=limit)
        more = " More: pass next_cursor." if next_cursor else ""
        return result(
            f"{len(rows)} events of run {run.pk}.{more}",
            _page(EventSerializer(rows, many=True).data, next_cursor),
        )


def read_decisions(
    ctx: Context,
    run_id: RunId,
    agent: Annotated[str | None, Field(max_length=200, description="This agent's only.")] = None,
    from_step: FromStep = None,
    to_step: ToStep = None,
    cursor: Cursor = None,
    limit: Annotated[int, Field(ge=1, le=100, description="Decisions per page.")] = 20,
) -> CallToolResult:
    """Read agents' decisions in step order, each with the LLM calls behind it (prompt, answer)."""
    with acting(ctx) as user:
        run = lookup.get_run(user, run_id)
        filters = validated(
            EventFilterSerializer, {"agent": agent, "from_step": from_step, "to_step": to_step}
        )
        decisions = event_list(run=run, **filters).filter(type__in=DECISION_TYPES)
        rows, next_cursor = keyset_page(decisions, cursor=cursor, limit=limit)
        items = []
        for event in rows:
            item = dict(EventSerializer(event).data)
            calls = decision_calls(event=event, agent_ids=[])
            item["llm_calls"] = LLMCallSerializer(calls, many=True).data
            items.append(item)
        more = " More: pass next_cursor." if next_cursor else ""
        return result(f"{len(items)} decisions of run {run.pk}.{more}", _page(items, next_cursor))


TOOLS: list[Callable[..., Any]] = [read_messages, read_events, read_decisions]
