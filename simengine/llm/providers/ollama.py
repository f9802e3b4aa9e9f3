"""Ollama through the official `ollama.AsyncClient`: structured output via `format=<schema>`."""

from __future__ import annotations

import time
from typing import Any

import httpx
import ollama
from pydantic import ValidationError

from ..errors import (
    LLMError,
    ModelNotFoundError,
    ProviderResponseError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)
from ..limits import SlotLimiter, slot_limiter
from ..loops import PerLoop
from ..messages import not_pulled_message, unreachable_message
from ..retry import RetryPolicy, with_retries
from ..settings import LLMSettings
from ..types import LLMCall, ProviderAnswer


def is_retryable(exc: BaseException) -> bool:
    """Connection failures and 5xx are worth another try; timeouts and 4xx are not."""
    if isinstance(exc, ollama.ResponseError):
        return exc.status_code >= 500
    if isinstance(exc, httpx.ConnectTimeout):
        return True
    if isinstance(exc, httpx.TimeoutException):
        return False
    return isinstance(exc, ConnectionError | httpx.TransportError)


class OllamaProvider:
    """Chats with one Ollama server, at most `SIMENGINE_OLLAMA_PARALLEL` requests at once."""

    name = "ollama"

    def __init__(self, settings: LLMSettings, limiter: SlotLimiter | None = None) -> None:
        self.settings = settings
        self.host = settings.ollama_host
        self.limiter = limiter or slot_limiter(
            f"ollama:{self.host}",
            settings.ollama_parallel,
            redis_url=settings.redis_url,
            lease_seconds=settings.slot_lease_seconds,
        )
        self.policy = RetryPolicy(
            retries=settings.ollama_retries,
            backoff=settings.retry_backoff,
            backoff_max=settings.retry_backoff_max,
            should_retry=is_retryable,
        )
        self._clients: PerLoop[ollama.AsyncClient] = PerLoop(self._make_client)

    def _make_client(self) -> ollama.AsyncClient:
        timeout = httpx.Timeout(
            self.settings.ollama_timeout, connect=self.settings.ollama_connect_timeout
        )
        return ollama.AsyncClient(host=self.host, timeout=timeout)

    def _request(self, call: LLMCall) -> dict[str, Any]:
        messages = [{"role": "system", "content": call.system}] if call.system else []
        messages += [dict(m) for m in call.messages]
        options: dict[str, Any] = {"num_predict": call.max_tokens or self.settings.max_tokens}
        if call.seed is not None:
            options["seed"] = call.seed
        if call.temperature is not None:
            options["temperature"] = call.temperature
        return {
            "model": call.model,
            "messages": messages,
            "format": call.schema,
            "options": options,
            "keep_alive": self.settings.ollama_keep_alive,
        }

    async def _chat_once(self, call: LLMCall, request: dict[str, Any]) -> ollama.ChatResponse:
        queued = time.perf_counter()
        async with self.limiter.slot():
            call.meter.wait_ms += (time.perf_counter() - queued) * 1000
            return await self._clients.get().chat(**request)

    async def generate(self, call: LLMCall) -> ProviderAnswer:
        """Send one chat request (retrying transient failures) and return its text and usage."""
        request = self._request(call)
        try:
            response = await with_retries(
                lambda: self._chat_once(call, request), self.policy, call.meter
            )
        except Exception as exc:
            raise self._translate(exc, call) from exc
        return ProviderAnswer(
            text=response.message.content or "",
            tokens_in=response.prompt_eval_count or 0,
            tokens_out=response.eval_count or 0,
            details={
                "done_reason": response.done_reason,
                "total_duration_ns": response.total_duration,
                "load_duration_ns": response.load_duration,
                "prompt_eval_duration_ns": response.prompt_eval_duration,
                "eval_duration_ns": response.eval_duration,
            },
        )

    def _translate(self, exc: Exception, call: LLMCall) -> LLMError:
        retries = call.meter.retries
        after = f" after {retries} retries" if retries else ""
        if isinstance(exc, ollama.ResponseError):
            if exc.status_code == 404 and "not found" in str(exc.error).lower():
                return ModelNotFoundError(
                    not_pulled_message(self.host, call.model), retries=retries
                )
            return ProviderResponseError(
                f"Ollama at {self.host} answered HTTP {exc.status_code}{after}: {exc.error}",
                status_code=exc.status_code,
                retries=retries,
            )
        if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
            return ProviderTimeoutError(
                f"Ollama at {self.host} did not answer within {self.settings.ollama_timeout:g}s "
                "(SIMENGINE_OLLAMA_TIMEOUT): the model is too slow or the server is overloaded",
                retries=retries,
            )
        if isinstance(exc, ConnectionError | httpx.ConnectError | httpx.ConnectTimeout):
            return ProviderUnavailableError(unreachable_message(self.host), retries=retries)
        if isinstance(exc, httpx.TransportError):
            return ProviderUnavailableError(
                f"the connection to Ollama at OLLAMA_HOST={self.host} failed{after}: {exc!r}",
                retries=retries,
            )
        if isinstance(exc, ValidationError | ValueError):
            return ProviderResponseError(
                f"Ollama at {self.host} sent an answer that is not a chat response: {exc}",
                retries=retries,
            )
        return LLMError(f"Ollama call failed: {exc!r}", retries=retries)

    async def aclose(self) -> None:
        """Close this loop's HTTP client (and its Redis connection, if any)."""
        client = self._clients.pop()
        if client is not None:
            await client.close()
        close = getattr(self.limiter, "aclose", None)
        if close is not None:
            await close()
