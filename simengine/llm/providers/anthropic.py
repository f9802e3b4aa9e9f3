"""Claude through the official `anthropic.AsyncAnthropic`: structured output via a forced tool."""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

import anthropic

from ..errors import (
    LLMError,
    ModelNotFoundError,
    ProviderResponseError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)
from ..limits import RateLimiter, SlotLimiter, rate_limiter, slot_limiter
from ..loops import PerLoop
from ..messages import ANTHROPIC_DEFAULT_BASE_URL, MISSING_ANTHROPIC_KEY
from ..retry import RetryPolicy, with_retries
from ..settings import LLMSettings
from ..types import LLMCall, ProviderAnswer

TOOL_NAME = "respond"


def is_retryable(exc: BaseException) -> bool:
    """Rate limits, overload and 5xx and dropped connections; not timeouts or other 4xx."""
    if isinstance(exc, anthropic.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    if isinstance(exc, anthropic.APITimeoutError):
        return False
    return isinstance(exc, anthropic.APIConnectionError)


def retry_after_seconds(exc: BaseException) -> float | None:
    """The server's `retry-after-ms` / `retry-after` hint, in seconds, if it sent one."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) * scale
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is not None:
                return max(email.utils.mktime_tz(parsed) - time.time(), 0.0)
    return None


def estimate_tokens(call: LLMCall, max_tokens: int) -> int:
    """A rough pre-call token figure for the rate limiter (about four characters a token)."""
    chars = len(call.system or "") + sum(len(m.get("content", "")) for m in call.messages)
    if call.schema:
        chars += len(json.dumps(call.schema))
    return chars // 4 + max_tokens


class AnthropicProvider:
    """Calls the Messages API with client-side retries, slots and per-minute limits."""

    name = "anthropic"

    def __init__(
        self,
        settings: LLMSettings,
        limiter: SlotLimiter | None = None,
        rate: RateLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.base_url = settings.anthropic_base_url or ANTHROPIC_DEFAULT_BASE_URL
        self.limiter = limiter or slot_limiter(
            f"anthropic:{self.base_url}",
            settings.anthropic_parallel,
            redis_url=settings.redis_url,
            lease_seconds=settings.slot_lease_seconds,
        )
        self.rate = rate or rate_limiter(
            self.base_url, settings.anthropic_rpm, settings.anthropic_tpm
        )
        self.policy = RetryPolicy(
            retries=settings.anthropic_retries,
            backoff=settings.retry_backoff,
            backoff_max=settings.retry_backoff_max,
            should_retry=is_retryable,
            retry_after=retry_after_seconds,
        )
        self._clients: PerLoop[anthropic.AsyncAnthropic] = PerLoop(self._make_client)

    def _make_client(self) -> anthropic.AsyncAnthropic:
        return anthropic.AsyncAnthropic(
            api_key=self.settings.anthropic_api_key,
            base_url=self.base_url,
            timeout=self.settings.anthropic_timeout,
            max_retries=0,  # retries happen here, so they are counted and recorded
        )

    def _request(self, call: LLMCall) -> dict[str, Any]:
        # No temperature or seed: anthropic 2.x dropped `temperature` from `create()` and
        # current Claude models reject sampling settings other than the defaults.
        request: dict[str, Any] = {
            "model": call.model,
            "max_tokens": call.max_tokens or self.settings.max_tokens,
            "messages": [dict(m) for m in call.messages],
        }
        if call.system:
            request["system"] = call.system
        if call.schema is not None:
            request["tools"] = [
                {
                    "name": TOOL_NAME,
                    "description": "Give your answer as this tool's input, matching its schema.",
                    "input_schema": call.schema,
                }
            ]
            request["tool_choice"] = {"type": "tool", "name": TOOL_NAME}
        return request

    async def _create_once(self, call: LLMCall, request: dict[str, Any]) -> Any:
        queued = time.perf_counter()
        estimate = estimate_tokens(call, request["max_tokens"])
        reservation = await self.rate.acquire(estimate)
        async with self.limiter.slot():
            call.meter.wait_ms += (time.perf_counter() - queued) * 1000
            message = await self._clients.get().messages.create(**request)
        self.rate.settle(reservation, message.usage.input_tokens + message.usage.output_tokens)
        return message

    async def generate(self, call: LLMCall) -> ProviderAnswer:
        """Send one Messages request and return the tool input (as JSON) or the text."""
        if not self.settings.anthropic_api_key:
            raise ProviderUnavailableError(MISSING_ANTHROPIC_KEY)
        request = self._request(call)
        try:
            message = await with_retries(
                lambda: self._create_once(call, request), self.policy, call.meter
            )
        except Exception as exc:
            raise self._translate(exc, call) from exc
        return ProviderAnswer(
            text=answer_text(message.content),
            tokens_in=message.usage.input_tokens,
            tokens_out=message.usage.output_tokens,
            details={"id": message.id, "stop_reason": message.stop_reason},
        )

    def _translate(self, exc: Exception, call: LLMCall) -> LLMError:
        retries = call.meter.retries
        after = f" after {retries} retries" if retries else ""
        if isinstance(exc, anthropic.AuthenticationError | anthropic.PermissionDeniedError):
            return ProviderUnavailableError(
                f"Anthropic rejected ANTHROPIC_API_KEY (HTTP {exc.status_code}): check the key",
                retries=retries,
            )
        if isinstance(exc, anthropic.NotFoundError):
            return ModelNotFoundError(
                f"Anthropic has no model '{call.model}' (HTTP 404): check the model id",
                retries=retries,
            )
        if isinstance(exc, anthropic.RateLimitError):
            return ProviderResponseError(
                f"Anthropic rate limit (HTTP 429){after}: lower SIMENGINE_ANTHROPIC_RPM / "
                "SIMENGINE_ANTHROPIC_TPM or wait",
                status_code=429,
                retries=retries,
            )
        if isinstance(exc, anthropic.APIStatusError):
            return ProviderResponseError(
                f"Anthropic answered HTTP {exc.status_code}{after}: {exc.message}",
                status_code=exc.status_code,
                retries=retries,
            )
        if isinstance(exc, anthropic.APITimeoutError):
            return ProviderTimeoutError(
                f"Anthropic did not answer within {self.settings.anthropic_timeout:g}s "
                "(SIMENGINE_ANTHROPIC_TIMEOUT)",
                retries=retries,
            )
        if isinstance(exc, anthropic.APIConnectionError):
            return ProviderUnavailableError(
                f"the Anthropic API at {self.base_url} is not reachable{after} "
                "(ANTHROPIC_BASE_URL): check the network or the proxy",
                retries=retries,
            )
        return LLMError(f"Anthropic call failed: {exc!r}", retries=retries)

    async def aclose(self) -> None:
        """Close this loop's HTTP client (and its Redis connection, if any)."""
        client = self._clients.pop()
        if client is not None:
            await client.close()
        close = getattr(self.limiter, "aclose", None)
        if close is not None:
            await close()


def answer_text(content: Any) -> str:
    """The forced tool's input as JSON, or the joined text blocks when there is no tool use."""
    for block in content:
        if getattr(block, "type", None) == "tool_use":
            return json.dumps(block.input, ensure_ascii=False)
    return "".join(getattr(block, "text", "") for block in content)
