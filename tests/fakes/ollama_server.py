"""A stand-in Ollama server: /api/chat, /api/embed, /api/tags, /api/version on a loopback port."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from .http import Headers, LoopbackServer, Reply, Request, json_response
from .schema_example import example_for_schema

DEFAULT_MODELS = ("llama3.2:latest", "qwen2.5:7b")
FALLBACK_DECISION: dict[str, Any] = {
    "thought": "Waiting (stand-in).",
    "actions": [{"type": "wait"}],
    "message": None,
    "emotion": {},
}
BUSY = "server busy, please try again.  maximum pending requests exceeded"


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


EMBEDDING_DIMENSION = 768  # nomic-embed-text's


def fake_embedding(text: str) -> list[float]:
    """A deterministic 768-value unit vector for `text` (words hashed to signed buckets)."""
    vector = [0.0] * EMBEDDING_DIMENSION
    for word in text.lower().split():
        digest = hashlib.sha256(word.strip(".,:;!?()").encode()).digest()
        index = int.from_bytes(digest[:4], "big") % EMBEDDING_DIMENSION
        vector[index] += 1.0 if digest[4] & 1 else -1.0
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    return [v / norm for v in vector]


class FakeOllama(LoopbackServer):
    """Speaks enough of Ollama's HTTP API for the official client, with counters and faults.

    `models` are the pulled models (a chat for any other model gets Ollama's 404); pass
    `models=None` to accept every model name. With `max_queue`, a chat arriving while that
    many already wait for a slot gets Ollama's 503 (its OLLAMA_MAX_QUEUE, 512 by default),
    counted in `stats().rejected`.
    """

    def __init__(
        self,
        *,
        slots: int = 4,
        latency: float = 0.0,
        models: tuple[str, ...] | None = DEFAULT_MODELS,
        version: str = "0.12.6",
        max_queue: int | None = None,
    ) -> None:
        super().__init__(slots=slots, latency=latency)
        self.models = models
        self.version = version
        self.max_queue = max_queue

    def has_model(self, name: str) -> bool:
        """Whether `name` counts as pulled (a bare name means `:latest`)."""
        if self.models is None:
            return True
        return name in self.models or f"{name}:latest" in self.models

    def chats(self) -> list[dict[str, Any]]:
        """Every /api/chat body received, oldest first."""
        return self.bodies("/api/chat")

    async def route(self, request: Request) -> tuple[int, Headers, bytes]:
        if request.method == "GET" and request.path == "/api/version":
            return json_response(200, {"version": self.version})
        if request.method == "GET" and request.path == "/api/tags":
            return json_response(200, {"models": [self._tag(m) for m in self.models or ()]})
        if request.method in ("GET", "HEAD") and request.path == "/":
            return 200, {"content-type": "text/plain"}, b"Ollama is running"
        if request.method == "POST" and request.path == "/api/chat":
            body = request.body if isinstance(request.body, dict) else {}
            if not self.has_model(str(body.get("model", ""))):
                return json_response(404, {"error": f"model '{body.get('model')}' not found"})
            if self.max_queue is not None and self.stats().queued >= self.max_queue:
                self._count(rejected=1)
                return json_response(503, {"error": BUSY})
            return await self.work(lambda reply: self._chat(body, reply))
        if request.method == "POST" and request.path == "/api/embed":
            body = request.body if isinstance(request.body, dict) else {}
            if not self.has_model(str(body.get("model", ""))):
                return json_response(404, {"error": f"model '{body.get('model')}' not found"})
            return await self.work(lambda reply: self._embed(body, reply))
        return 404, {"content-type": "text/plain"}, b"404 page not found"

    def embeds(self) -> list[dict[str, Any]]:
        """Every /api/embed body received, oldest first."""
        return self.bodies("/api/embed")

    def _embed(self, body: dict[str, Any], reply: Reply) -> tuple[int, Headers, bytes]:
        """Ollama's embed answer: one unit vector per input, a pure function of the text."""
        if reply.status != 200:
            error = reply.message or f"model '{body.get('model')}' not found"
            return json_response(reply.status, {"error": error}, reply.headers)
        texts = body.get("input", [])
        texts = [texts] if isinstance(texts, str) else list(texts)
        return json_response(
            200,
            {
                "model": body.get("model"),
                "embeddings": [fake_embedding(str(text)) for text in texts],
                "total_duration": int(self.latency * 1e9),
                "load_duration": 1_000_000,
                "prompt_eval_count": sum(_tokens(str(t)) for t in texts),
            },
            reply.headers,
        )

    def _tag(self, name: str) -> dict[str, Any]:
        return {
            "name": name,
            "model": name,
            "modified_at": "2025-01-01T00:00:00Z",
            "size": 2_019_393_189,
            "digest": hashlib.sha256(name.encode()).hexdigest(),
            "details": {
                "format": "gguf",
                "family": "llama",
                "parameter_size": "3.2B",
                "quantization_level": "Q4_K_M",
            },
        }

    def content_for(self, body: dict[str, Any]) -> str:
        """The default answer: the `answer` hook's, else a valid decision for the sent schema."""
        if self.answer is not None:
            value = self.answer(body)
        elif isinstance(body.get("format"), dict):
            value = example_for_schema(body["format"])
        else:
            value = FALLBACK_DECISION
        return value if isinstance(value, str) else json.dumps(value)

    def _chat(self, body: dict[str, Any], reply: Reply) -> tuple[int, Headers, bytes]:
        if reply.status != 200:
            error = reply.message or f"model '{body.get('model')}' not found"
            return json_response(reply.status, {"error": error}, reply.headers)
        if reply.content is None:
            content = self.content_for(body)
        else:
            content = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
        prompt = "".join(str(m.get("content", "")) for m in body.get("messages", []))
        done = {
            "model": body.get("model"),
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "message": {"role": "assistant", "content": content},
            "done_reason": "stop",
            "done": True,
            "total_duration": int((self.latency + reply.delay) * 1e9),
            "load_duration": 1_000_000,
            "prompt_eval_count": _tokens(prompt),
            "prompt_eval_duration": 1_000_000,
            "eval_count": _tokens(content),
            "eval_duration": int(self.latency * 1e9),
        }
        if body.get("stream", True) is False:
            return json_response(200, done, reply.headers)
        first = {**done, "done": False, "done_reason": None}
        first = {k: v for k, v in first.items() if not k.endswith(("count", "duration"))}
        final = {**done, "message": {"role": "assistant", "content": ""}}
        lines = json.dumps(first) + "\n" + json.dumps(final) + "\n"
        return 200, {"content-type": "application/x-ndjson", **reply.headers}, lines.encode()


@contextmanager
def running_ollama(**options: Any) -> Iterator[FakeOllama]:
    """Start a `FakeOllama` for the duration of the block."""
    server = FakeOllama(**options)
    with server:
        yield server
