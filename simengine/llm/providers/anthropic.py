"""Claude through the official `anthropic.AsyncAnthropic`: structured output via a forced tool.

Only the request, the answer and the errors are Claude's here; slots, the RPM/TPM limiter,
retries (honouring retry-after), metering and closing come from `ServedProvider`. The SDK
takes most of a second to import, so it is loaded on the first call, not with the registry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..errors import (
    LLMError,
    ModelNotFoundError,
    ProviderResponseError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)
from ..limits import RateLimiter, rate_limiter
from ..messages import ANTHROPIC_DEFAULT_BASE_URL, MISSING_ANTHROPIC_KEY
from ..retry import retry_after_seconds
from ..settings import LLMSettings
from ..types import LLMCall, ProviderAnswer
from .base import Memo, ProviderStatus, Readiness, ServedProvider

if TYPE_CHECKING:
    import anthropic

TOOL_NAME = "respond"


def sdk() -> ModuleType:
    """The `anthropic` package, imported on first use."""
    import anthropic

    return anthropic


def is_retryable(exc: BaseException) -> bool:
    """Rate limits, overload and 5xx and dropped connections; not timeouts or other 4xx."""
    api = sdk()
    if isinstance(exc, api.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    if isinstance(exc, api.APITimeoutError):
        return False
    return isinstance(exc, api.APIConnectionError)


def answer_text(content: Any) -> str:
    """The forced tool's input as JSON, or the joined text blocks when there is no tool use."""
    for block in content:
        if getattr(block, "type", None) == "tool_use":
            return json.dumps(block.input, ensure_ascii=False)
    return "".join(getattr(block, "text", "") for block in content)


def base_url(settings: LLMSettings) -> str:
    """ANTHROPIC_BASE_URL, or the public API."""
    return settings.anthropic_base_url or ANTHROPIC_DEFAULT_BASE_URL


class AnthropicProvider(ServedProvider["anthropic.AsyncAnthropic", Any]):
    """Calls the Messages API with client-side retries, slots and per-minute limits."""

    name = "anthropic"
    context_chars = 24_000

    @property
    def base_url(self) -> str:
        """Where calls go (ANTHROPIC_BASE_URL or the public API)."""
        return base_url(self.settings)

    def slot_name(self) -> str:
        """One limiter per API base URL."""
        return self.server_slots(self.settings)[0][0]

    def slot_count(self) -> int:
        """SIMENGINE_ANTHROPIC_PARALLEL."""
        return self.settings.anthropic_parallel

    def retries(self) -> int:
        """SIMENGINE_ANTHROPIC_RETRIES."""
        return self.settings.anthropic_retries

    def rate_limiter(self) -> RateLimiter:
        """SIMENGINE_ANTHROPIC_RPM requests and SIMENGINE_ANTHROPIC_TPM tokens a minute."""
        return rate_limiter(self.base_url, self.settings.anthropic_rpm, self.settings.anthropic_tpm)

    def is_retryable(self, exc: BaseException) -> bool:
        """429, 408, 409, 5xx and dropped connections."""
        return is_retryable(exc)

    def retry_after(self, exc: BaseException) -> float | None:
        """The server's retry-after(-ms) header."""
        return retry_after_seconds(exc)

    def unavailable(self, call: LLMCall) -> LLMError | None:
        """No ANTHROPIC_API_KEY: nothing is sent."""
        if not self.settings.anthropic_api_key:
            return ProviderUnavailableError(MISSING_ANTHROPIC_KEY)
        return None

    def make_client(self) -> anthropic.AsyncAnthropic:
        """A client with the SDK's own retries off: retries happen in the base, counted."""
        return sdk().AsyncAnthropic(
            api_key=self.settings.anthropic_api_key,
            base_url=self.base_url,
            timeout=self.settings.anthropic_timeout,
            max_retries=0,
        )

    def build_request(self, call: LLMCall) -> dict[str, Any]:
        """`messages.create()` arguments; a schema becomes one forced tool."""
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

    def estimate_tokens(self, call: LLMCall, request: dict[str, Any]) -> int:
        """Prompt, schema and the answer's ceiling, at about four characters a token."""
        chars = len(call.system or "") + sum(len(m.get("content", "")) for m in call.messages)
        if call.schema:
            chars += len(json.dumps(call.schema))
        return chars // 4 + request["max_tokens"]

    async def send(self, client: anthropic.AsyncAnthropic, request: dict[str, Any]) -> Any:
        """One Messages request."""
        return await client.messages.create(**request)

    def tokens_used(self, response: Any) -> int:
        """Input plus output tokens, as billed."""
        return response.usage.input_tokens + response.usage.output_tokens

    def translate_response(self, response: Any) -> ProviderAnswer:
        """The tool input (as JSON) or the text, with usage, id and stop reason."""
        return ProviderAnswer(
            text=answer_text(response.content),
            tokens_in=response.usage.input_tokens,
            tokens_out=response.usage.output_tokens,
            details={"id": response.id, "stop_reason": response.stop_reason},
        )

    def translate_error(self, exc: Exception, call: LLMCall) -> LLMError:
        """Bad key, unknown model, rate limit, HTTP error, timeout or no connection."""
        api = sdk()
        retries = call.meter.retries
        after = f" after {retries} retries" if retries else ""
        if isinstance(exc, api.AuthenticationError | api.PermissionDeniedError):
            return ProviderUnavailableError(
                f"Anthropic rejected ANTHROPIC_API_KEY (HTTP {exc.status_code}): check the key",
                retries=retries,
            )
        if isinstance(exc, api.NotFoundError):
            return ModelNotFoundError(
                f"Anthropic has no model '{call.model}' (HTTP 404): check the model id",
                retries=retries,
            )
        if isinstance(exc, api.RateLimitError):
            return ProviderResponseError(
                f"Anthropic rate limit (HTTP 429){after}: lower SIMENGINE_ANTHROPIC_RPM / "
                "SIMENGINE_ANTHROPIC_TPM or wait",
                status_code=429,
                retries=retries,
            )
        if isinstance(exc, api.APIStatusError):
            return ProviderResponseError(
                f"Anthropic answered HTTP {exc.status_code}{after}: {exc.message}",
                status_code=exc.status_code,
                retries=retries,
            )
        if isinstance(exc, api.APITimeoutError):
            return ProviderTimeoutError(
                f"Anthropic did not answer within {self.settings.anthropic_timeout:g}s "
                "(SIMENGINE_ANTHROPIC_TIMEOUT)",
                retries=retries,
            )
        if isinstance(exc, api.APIConnectionError):
            return ProviderUnavailableError(
                f"the Anthropic API at {self.base_url} is not reachable{after} "
                "(ANTHROPIC_BASE_URL): check the network or the proxy",
                retries=retries,
            )
        return LLMError(f"Anthropic call failed: {exc!r}", retries=retries)

    @classmethod
    def preflight(cls, model: str, settings: LLMSettings, memo: Memo) -> Readiness:
        """Ready when ANTHROPIC_API_KEY is set (nothing is sent to check it)."""
        if not settings.anthropic_api_key:
            return Readiness(False, MISSING_ANTHROPIC_KEY)
        return Readiness(True, f"ANTHROPIC_API_KEY is set; calls go to {base_url(settings)}")

    @classmethod
    def offered_models(cls, settings: LLMSettings, memo: Memo) -> Iterable[str]:
        """SIMENGINE_ANTHROPIC_MODELS, when a key is set."""
        if not settings.anthropic_api_key:
            return []
        return [f"anthropic/{name}" for name in settings.anthropic_models]

    @classmethod
    def server_slots(cls, settings: LLMSettings) -> tuple[tuple[str, int], ...]:
        """One limiter per API base URL, SIMENGINE_ANTHROPIC_PARALLEL slots."""
        return ((f"anthropic:{base_url(settings)}", settings.anthropic_parallel),)

    @classmethod
    def status(cls, settings: LLMSettings, memo: Memo) -> ProviderStatus:
        """Configured or not (the key is set); nothing is sent to a paid API to check."""
        readiness = cls.preflight("", settings, memo)
        models = tuple(cls.offered_models(settings, memo))
        configured = True if readiness.ok else None  # no key: not configured, not "down"
        return ProviderStatus(
            cls.name, configured, readiness.message, models, cls.server_slots(settings)
        )
