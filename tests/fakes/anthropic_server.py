"""A stand-in for Anthropic's Messages API (`POST /v1/messages`) on a loopback port."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from .http import Headers, LoopbackServer, Reply, Request, json_response
from .schema_example import example_for_schema

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _text_of(body: dict[str, Any]) -> str:
    system = body.get("system")
    parts = [system if isinstance(system, str) else ""]
    for message in body.get("messages", []):
        content = message.get("content", "")
        parts.append(content if isinstance(content, str) else json.dumps(content))
    return "".join(parts)


class FakeAnthropic(LoopbackServer):
    """Answers with a tool_use block when a tool is forced, else a text block; counts usage.

    With `api_key` set, requests must carry it (as `x-api-key` or a Bearer token) or get 401.
    """

    def __init__(self, *, slots: int = 8, latency: float = 0.0, api_key: str | None = None) -> None:
        super().__init__(slots=slots, latency=latency)
        self.api_key = api_key
        self._ids = itertools.count(1)

    def messages(self) -> list[dict[str, Any]]:
        """Every /v1/messages body received, oldest first."""
        return self.bodies("/v1/messages")

    async def route(self, request: Request) -> tuple[int, Headers, bytes]:
        if request.method == "POST" and request.path == "/v1/messages":
            if self.api_key and not self._authorised(request.headers):
                return self._error(401, "invalid x-api-key", {})
            body = request.body if isinstance(request.body, dict) else {}
            return await self.work(lambda reply: self._message(body, reply))
        return self._error(404, f"no route {request.method} {request.path}", {})

    def _authorised(self, headers: Headers) -> bool:
        return self.api_key in (
            headers.get("x-api-key"),
            headers.get("authorization", "").removeprefix("Bearer "),
        )

    def _error(self, status: int, message: str, headers: Headers) -> tuple[int, Headers, bytes]:
        kind = ERROR_TYPES.get(status, "api_error")
        return json_response(
            status, {"type": "error", "error": {"type": kind, "message": message}}, headers
        )

    def _forced_tool(self, body: dict[str, Any]) -> dict[str, Any] | None:
        choice = body.get("tool_choice") or {}
        for tool in body.get("tools") or []:
            if choice.get("type") == "tool" and tool.get("name") == choice.get("name"):
                return tool
        return None

    def _message(self, body: dict[str, Any], reply: Reply) -> tuple[int, Headers, bytes]:
        if reply.status != 200:
            return self._error(reply.status, reply.message or "error", reply.headers)
        tool = self._forced_tool(body)
        content = reply.content
        if content is None:
            if self.answer is not None:
                content = self.answer(body)
            elif tool is not None:
                content = example_for_schema(tool.get("input_schema", {}))
            else:
                content = "Stand-in answer."
        if isinstance(content, str) and tool is not None:
            with suppress(ValueError):  # non-JSON stays text: the model ignored the tool
                content = json.loads(content)
        if tool is not None and isinstance(content, dict):
            blocks = [
                {
                    "type": "tool_use",
                    "id": f"toolu_{next(self._ids)}",
                    "name": tool["name"],
                    "input": content,
                }
            ]
            stop, out = "tool_use", json.dumps(content)
        else:
            out = content if isinstance(content, str) else json.dumps(content)
            blocks, stop = [{"type": "text", "text": out}], "end_turn"
        message = {
            "id": f"msg_{next(self._ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model"),
            "content": blocks,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": _tokens(_text_of(body)), "output_tokens": _tokens(out)},
        }
        return json_response(200, message, reply.headers)


@contextmanager
def running_anthropic(**options: Any) -> Iterator[FakeAnthropic]:
    """Start a `FakeAnthropic` for the duration of the block."""
    server = FakeAnthropic(**options)
    with server:
        yield server
