"""A stand-in OpenAI-compatible server (vLLM, llama.cpp server, LM Studio) on a loopback port.

Speaks `GET /v1/models` and `POST /v1/chat/completions` the way those servers do, including
their error shape. `formats` says which `response_format` types it accepts: a server built
with `formats=("json_object",)` answers 400 to `json_schema`, as older llama.cpp builds and
some hosted endpoints do, and `formats=()` rejects every `response_format`.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .http import Headers, LoopbackServer, Reply, Request, json_response
from .ollama_server import FALLBACK_DECISION
from .schema_example import example_for_schema

DEFAULT_MODELS = ("llama-3.2-3b-instruct", "Qwen/Qwen2.5-7B-Instruct")
ALL_FORMATS = ("json_schema", "json_object")
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_exceeded",
}


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def schema_in_prompt(body: dict[str, Any]) -> dict[str, Any] | None:
    """A JSON schema written into the prompt (one line of its own), as a model would read it."""
    for message in body.get("messages", []):
        for line in str(message.get("content", "")).splitlines():
            line = line.strip()
            if not (line.startswith("{") and '"properties"' in line):
                continue
            try:
                schema = json.loads(line)
            except ValueError:
                continue
            if isinstance(schema, dict) and schema.get("type") == "object":
                return schema
    return None


class FakeOpenAI(LoopbackServer):
    """Answers chat completions with usage, lists its models, and fails as scripted.

    `models=None` serves any model name. With `api_key` set, requests must carry it as a
    Bearer token or get 401. In `json_object` mode and without a `response_format`, the
    answer follows a schema found in the prompt; plain-text answers come wrapped in prose
    and a fenced block, the way chat models write them.
    """

    def __init__(
        self,
        *,
        slots: int = 8,
        latency: float = 0.0,
        models: tuple[str, ...] | None = DEFAULT_MODELS,
        formats: tuple[str, ...] = ALL_FORMATS,
        api_key: str | None = None,
        owned_by: str = "vllm",
    ) -> None:
        super().__init__(slots=slots, latency=latency)
        self.models = models
        self.formats = formats
        self.api_key = api_key
        self.owned_by = owned_by
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        """The URL clients are given: `http://127.0.0.1:<port>/v1`."""
        return f"{self.url}/v1"

    def completions(self) -> list[dict[str, Any]]:
        """Every /v1/chat/completions body received, oldest first."""
        return self.bodies("/v1/chat/completions")

    def formats_asked(self) -> list[str]:
        """The `response_format` type of every completion request ("text" when none was sent)."""
        return [
            (body.get("response_format") or {}).get("type", "text")
            for body in self.completions()
            if isinstance(body, dict)
        ]

    async def route(self, request: Request) -> tuple[int, Headers, bytes]:
        if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return self._error(401, "Incorrect API key provided.", param=None)
        if request.method == "GET" and request.path == "/v1/models":
            return json_response(200, {"object": "list", "data": self._model_list()})
        if request.method == "POST" and request.path == "/v1/chat/completions":
            body = request.body if isinstance(request.body, dict) else {}
            model = str(body.get("model", ""))
            if self.models is not None and model not in self.models:
                return self._error(404, f"The model `{model}` does not exist.", param="model")
            kind = (body.get("response_format") or {}).get("type")
            if kind not in (None, "text") and kind not in self.formats:
                message = f"response_format type '{kind}' is not supported by this server"
                return self._error(400, message, param="response_format")
            return await self.work(lambda reply: self._completion(body, reply))
        return self._error(404, f"no route {request.method} {request.path}", param=None)

    def _model_list(self) -> list[dict[str, Any]]:
        return [
            {"id": name, "object": "model", "created": 1_735_689_600, "owned_by": self.owned_by}
            for name in self.models or ()
        ]

    def _error(
        self, status: int, message: str, *, param: str | None, headers: Headers | None = None
    ) -> tuple[int, Headers, bytes]:
        error = {
            "message": message,
            "type": ERROR_TYPES.get(status, "server_error"),
            "param": param,
            "code": status,
        }
        return json_response(status, {"error": error}, headers)

    def content_for(self, body: dict[str, Any]) -> str:
        """The default answer for the requested mode (the `answer` hook decides when set)."""
        response_format = body.get("response_format") or {}
        kind = response_format.get("type")
        if self.answer is not None:
            value = self.answer(body)
        elif kind == "json_schema":
            value = example_for_schema(response_format["json_schema"]["schema"])
        else:
            schema = schema_in_prompt(body)
            value = example_for_schema(schema) if schema else FALLBACK_DECISION
        text = value if isinstance(value, str) else json.dumps(value)
        if kind is None and not isinstance(value, str):
            return f"Here is my decision:\n```json\n{text}\n```"
        return text

    def _completion(self, body: dict[str, Any], reply: Reply) -> tuple[int, Headers, bytes]:
        if reply.status != 200:
            return self._error(
                reply.status, reply.message or "error", param=None, headers=reply.headers
            )
        if reply.content is None:
            content = self.content_for(body)
        else:
            content = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
        prompt = "".join(str(m.get("content", "")) for m in body.get("messages", []))
        used_in, used_out = _tokens(prompt), _tokens(content)
        completion = {
            "id": f"chatcmpl-{next(self._ids):06d}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": used_in,
                "completion_tokens": used_out,
                "total_tokens": used_in + used_out,
            },
        }
        return json_response(200, completion, reply.headers)


@contextmanager
def running_openai(**options: Any) -> Iterator[FakeOpenAI]:
    """Start a `FakeOpenAI` for the duration of the block."""
    server = FakeOpenAI(**options)
    with server:
        yield server
