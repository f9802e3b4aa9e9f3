"""`LLMClient`: one `generate` for every model id, routed to its provider by prefix."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import LLMError
from .providers import PROVIDERS, Provider, ProviderFactory
from .replay import ReplaySource
from .router import split_model_id
from .settings import LLMSettings
from .types import CallContext, LLMCall, LLMResponse, Message


class LLMClient:
    """Routes each model id to the provider registered for its prefix (`providers.PROVIDERS`)."""

    def __init__(
        self,
        settings: LLMSettings | None = None,
        *,
        replay_source: ReplaySource | None = None,
        providers: Mapping[str, ProviderFactory] | None = None,
    ) -> None:
        self.settings = settings or LLMSettings.from_env()
        self.replay_source = replay_source
        self._factories: dict[str, ProviderFactory] = dict(providers or PROVIDERS)
        self._providers: dict[str, Provider] = {}
        self._lock = threading.Lock()

    def provider(self, name: str) -> Provider:
        """The provider behind a prefix, created on first use."""
        with self._lock:
            provider = self._providers.get(name)
            if provider is None:
                factory = self._factories[name]
                provider = self._providers[name] = factory(self.settings, self.replay_source)
            return provider

    async def generate(
        self,
        model_id: str,
        messages: Sequence[Message],
        *,
        system: str | None = None,
        schema: dict[str, Any] | None = None,
        temperature: float | None = None,
        seed: int | None = None,
        max_tokens: int | None = None,
        context: CallContext | None = None,
    ) -> LLMResponse:
        """Ask `model_id`; raises `LLMError` (with retries and latency set) when it cannot."""
        started = time.perf_counter()
        prefix, model = split_model_id(model_id, self._factories)
        call = LLMCall(
            model=model,
            model_id=model_id,
            messages=tuple(dict(m) for m in messages),
            system=system,
            schema=schema,
            temperature=temperature,
            seed=seed,
            max_tokens=max_tokens,
            context=context or CallContext(),
        )
        try:
            answer = await self.provider(prefix).generate(call)
        except LLMError as exc:
            exc.retries = call.meter.retries
            exc.latency_ms = _elapsed_ms(started) - call.meter.wait_ms
            raise
        except Exception as exc:
            error = LLMError(f"{prefix} call failed: {exc!r}", retries=call.meter.retries)
            error.latency_ms = _elapsed_ms(started) - call.meter.wait_ms
            raise error from exc
        return LLMResponse(
            provider=prefix,
            model=model_id,
            text=answer.text,
            tokens_in=answer.tokens_in,
            tokens_out=answer.tokens_out,
            latency_ms=_elapsed_ms(started) - call.meter.wait_ms,
            wait_ms=call.meter.wait_ms,
            retries=call.meter.retries,
            details=answer.details,
            output_mode=answer.output_mode,
        )

    async def aclose(self) -> None:
        """Close the running loop's connections of every provider used so far."""
        for provider in list(self._providers.values()):
            await provider.aclose()


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
