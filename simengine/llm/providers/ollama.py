"""Ollama through the official `ollama.AsyncClient`: structured output via `format=<schema>`.

Only the request, the answer and the errors are Ollama's here; slots, retries, metering and
closing come from `ServedProvider`. The health probe (version, pulled models) lives in
`..health` and is shared with the console.
"""

from __future__ import annotations

from collections.abc import Iterable
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
from ..messages import not_pulled_message, unreachable_message
from ..settings import LLMSettings
from ..transport import StreamTransport
from ..types import LLMCall, ProviderAnswer
from .base import Memo, ProviderStatus, Readiness, ServedProvider
from .ollama_health import OllamaHealth, check_ollama_sync


def is_retryable(exc: BaseException) -> bool:
    """Connection failures and 5xx are worth another try; timeouts and 4xx are not."""
    if isinstance(exc, ollama.ResponseError):
        return exc.status_code >= 500
    if isinstance(exc, httpx.ConnectTimeout):
        return True
    if isinstance(exc, httpx.TimeoutException):
        return False
    return isinstance(exc, ConnectionError | httpx.TransportError)


def health_key(settings: LLMSettings) -> str:
    """Where a preflight's memo keeps the server's health."""
    return f"ollama:{settings.ollama_host}"


def server_health(settings: LLMSettings, memo: Memo) -> OllamaHealth:
    """The Ollama server's health, probed once per preflight (kept in `memo` by host)."""
    key = health_key(settings)
    if key not in memo:
        memo[key] = check_ollama_sync(settings.ollama_host)
    return memo[key]


class OllamaProvider(ServedProvider[ollama.AsyncClient, ollama.ChatResponse]):
    """Chats with one Ollama server, at most `SIMENGINE_OLLAMA_PARALLEL` requests at once."""

    name = "ollama"
    context_chars = 6_000  # Ollama's default context is a few thousand tokens
    runs_locally = True  # no per-token price: the explorer shows model-seconds

    @property
    def host(self) -> str:
        """The server's normalised OLLAMA_HOST."""
        return self.settings.ollama_host

    def slot_name(self) -> str:
        """One limiter per Ollama server."""
        return self.server_slots(self.settings)[0][0]

    def slot_count(self) -> int:
        """SIMENGINE_OLLAMA_PARALLEL."""
        return self.settings.ollama_parallel

    def retries(self) -> int:
        """SIMENGINE_OLLAMA_RETRIES."""
        return self.settings.ollama_retries

    def is_retryable(self, exc: BaseException) -> bool:
        """Connection failures and 5xx; not timeouts or 4xx."""
        return is_retryable(exc)

    def make_client(self) -> ollama.AsyncClient:
        """A client with the read and connect timeouts of the settings."""
        timeout = httpx.Timeout(
            self.settings.ollama_timeout, connect=self.settings.ollama_connect_timeout
        )
        transport = StreamTransport(max_idle=self.slot_count())
        return ollama.AsyncClient(host=self.host, timeout=timeout, transport=transport)

    def build_request(self, call: LLMCall) -> dict[str, Any]:
        """`chat()` arguments: system first, the schema as `format`, seed and temperature."""
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

    async def send(self, client: ollama.AsyncClient, request: dict[str, Any]) -> Any:
        """One `chat` request."""
        return await client.chat(**request)

    def translate_response(self, response: ollama.ChatResponse) -> ProviderAnswer:
        """The message text, token counts and Ollama's timings."""
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

    def translate_error(self, exc: Exception, call: LLMCall) -> LLMError:
        """Not pulled -> `ollama pull`; refused -> OLLAMA_HOST; slow -> the timeout setting."""
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

    @classmethod
    def preflight(cls, model: str, settings: LLMSettings, memo: Memo) -> Readiness:
        """Reachable and the model pulled (one health probe per host and preflight)."""
        host = settings.ollama_host
        state = server_health(settings, memo)
        if not state.reachable:
            return Readiness(False, state.error or unreachable_message(host))
        if not state.has_model(model):
            return Readiness(False, not_pulled_message(host, model))
        return Readiness(True, f"ready on Ollama {state.version} at {host}")

    @classmethod
    def offered_models(cls, settings: LLMSettings, memo: Memo) -> Iterable[str]:
        """Every model pulled on the server (`:latest` left off)."""
        state = server_health(settings, memo)
        return [f"ollama/{name.removesuffix(':latest')}" for name in state.models]

    @classmethod
    def server_slots(cls, settings: LLMSettings) -> tuple[tuple[str, int], ...]:
        """The one server at OLLAMA_HOST, with SIMENGINE_OLLAMA_PARALLEL slots."""
        return ((f"ollama:{settings.ollama_host}", settings.ollama_parallel),)

    @classmethod
    def status(cls, settings: LLMSettings, memo: Memo) -> ProviderStatus:
        """Reachable or not (one probe of OLLAMA_HOST), its version and pulled models."""
        state = server_health(settings, memo)
        if state.reachable:
            message = f"Ollama {state.version or '?'} at {state.host}"
        else:
            message = state.error or unreachable_message(state.host)
        models = tuple(cls.offered_models(settings, memo)) if state.reachable else ()
        return ProviderStatus(
            cls.name, state.reachable, message, models, cls.server_slots(settings)
        )
