"""The provider contract and the one base every networked provider is built on.

`Provider` is what the client and the health checks need from a backend. `ServedProvider`
owns everything a model server call has in common: the slot limiter (per server, shared
through Redis when configured), an optional per-minute rate limiter, retries with backoff
that honour retry-after, the call's meter (retries, time queued), one HTTP client per event
loop and closing it. A provider module only says how to build a request, send it with its
SDK, and translate the answer and the errors (see `ollama.py`, `anthropic.py`).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from ..errors import LLMError
from ..limits import RateLimiter, SlotLimiter, slot_limiter
from ..loops import PerLoop
from ..replay import ReplaySource
from ..retry import RetryPolicy, with_retries
from ..settings import LLMSettings
from ..types import LLMCall, ProviderAnswer

ClientT = TypeVar("ClientT")
ResponseT = TypeVar("ResponseT")
Memo = dict[str, Any]  # shared by the checks of one preflight, e.g. one health probe per host


@dataclass(frozen=True)
class Readiness:
    """Whether a provider can serve one model now, with one line for people saying why (not)."""

    ok: bool
    message: str


@dataclass(frozen=True)
class ProviderStatus:
    """A provider as an operator sees it now.

    Whether it is reachable (None: not configured), its models, and the limiter slots
    (`(slot name, slots)`) of the servers it would call.
    """

    name: str
    reachable: bool | None
    message: str
    models: tuple[str, ...] = ()
    servers: tuple[tuple[str, int], ...] = ()


class Provider(ABC):
    """One model backend behind a model-id prefix: `name` is the prefix (`ollama`, ...).

    The class is its own registry entry: `cls(settings, replay_source)` builds it, and the
    class methods answer health questions without building anything.
    """

    name: ClassVar[str]
    context_chars: ClassVar[int] = 6_000  # run-summary characters its prompts may hold
    runs_locally: ClassVar[bool] = False  # True: costs nothing per token (cost shown as 0)

    def __init__(self, settings: LLMSettings, replay: ReplaySource | None = None) -> None:
        self.settings = settings
        self.replay = replay

    @abstractmethod
    async def generate(self, call: LLMCall) -> ProviderAnswer:
        """Answer the call or raise an `LLMError` whose message says what to do."""

    async def aclose(self) -> None:
        """Release the running event loop's connections (nothing by default)."""
        return None

    @classmethod
    def preflight(cls, model: str, settings: LLMSettings, memo: Memo) -> Readiness:
        """Can `model` be served now? Asked before a run starts; must not call the model."""
        return Readiness(True, f"{cls.name} serves {model}")

    @classmethod
    def offered_models(cls, settings: LLMSettings, memo: Memo) -> Iterable[str]:
        """Model ids (with prefix) the console can offer now; none by default."""
        return ()

    @classmethod
    def server_slots(cls, settings: LLMSettings) -> tuple[tuple[str, int], ...]:
        """`(limiter slot name, slots)` of each server this provider calls; none by default."""
        return ()

    @classmethod
    def status(cls, settings: LLMSettings, memo: Memo) -> ProviderStatus:
        """Reachability and models for the system page; must not call a model.

        The default: built in, always there (the offline policy, replays).
        """
        return ProviderStatus(
            cls.name,
            True,
            "built in",
            tuple(cls.offered_models(settings, memo)),
            cls.server_slots(settings),
        )


class ServedProvider(Provider, Generic[ClientT, ResponseT]):
    """A provider reached over the network: limits, retries, metering and clients done here.

    Subclasses implement `slot_name`, `slot_count`, `retries`, `make_client`,
    `build_request`, `send`, `translate_response` and `translate_error`; they may override
    `is_retryable`, `retry_after`, `unavailable`, `rate_limiter`, `tokens_used`,
    `estimate_tokens` and `close_client`.
    """

    def __init__(
        self,
        settings: LLMSettings,
        replay: ReplaySource | None = None,
        *,
        limiter: SlotLimiter | None = None,
        rate: RateLimiter | None = None,
    ) -> None:
        super().__init__(settings, replay)
        self.limiter = limiter or slot_limiter(
            self.slot_name(),
            self.slot_count(),
            redis_url=settings.redis_url,
            lease_seconds=settings.slot_lease_seconds,
        )
        self.rate = rate or self.rate_limiter()
        self.policy = RetryPolicy(
            retries=self.retries(),
            backoff=settings.retry_backoff,
            backoff_max=settings.retry_backoff_max,
            should_retry=self.is_retryable,
            retry_after=self.retry_after,
        )
        self._clients: PerLoop[ClientT] = PerLoop(self.make_client)

    # -- what a provider module supplies ---------------------------------------------------

    @abstractmethod
    def slot_name(self) -> str:
        """The limiter key: one per server (e.g. `ollama:<host>`), shared by every process."""

    @abstractmethod
    def slot_count(self) -> int:
        """How many requests the server takes at once (its parallel slots)."""

    @abstractmethod
    def retries(self) -> int:
        """How many times a retryable failure is tried again."""

    @abstractmethod
    def make_client(self) -> ClientT:
        """A new SDK client for the running event loop (with the configured timeouts)."""

    @abstractmethod
    def build_request(self, call: LLMCall) -> dict[str, Any]:
        """The keyword arguments of one SDK request for `call`."""

    @abstractmethod
    async def send(self, client: ClientT, request: dict[str, Any]) -> ResponseT:
        """Send one request with the SDK client (no retries, no limits: the base does those)."""

    @abstractmethod
    def translate_response(self, response: ResponseT) -> ProviderAnswer:
        """The SDK's answer as text plus usage."""

    @abstractmethod
    def translate_error(self, exc: Exception, call: LLMCall) -> LLMError:
        """The SDK's error (after retries) as an `LLMError` that says what to do."""

    def is_retryable(self, exc: BaseException) -> bool:
        """Whether a failure is worth another try (connection failures by default)."""
        return isinstance(exc, ConnectionError)

    def retry_after(self, exc: BaseException) -> float | None:
        """The server's hint of how long to wait before retrying, in seconds, if any."""
        return None

    def unavailable(self, call: LLMCall) -> LLMError | None:
        """An error to raise before sending anything (e.g. no API key); None when ready."""
        return None

    def rate_limiter(self) -> RateLimiter | None:
        """A per-minute request/token limiter for this server, or None for no rate limit."""
        return None

    def estimate_tokens(self, call: LLMCall, request: dict[str, Any]) -> int:
        """A pre-call token figure the rate limiter reserves (about four characters a token)."""
        chars = len(call.system or "") + sum(len(m.get("content", "")) for m in call.messages)
        return chars // 4 + int(request.get("max_tokens") or 0)

    def tokens_used(self, response: ResponseT) -> int:
        """The tokens a response really cost, to settle the rate limiter's reservation."""
        answer = self.translate_response(response)
        return answer.tokens_in + answer.tokens_out

    async def close_client(self, client: ClientT) -> None:
        """Close one SDK client: its `close()` (ollama, anthropic, openai) or `aclose()` (httpx)."""
        close = getattr(client, "close", None) or client.aclose  # type: ignore[attr-defined]
        await close()

    # -- what the base does ------------------------------------------------------------------

    async def generate(self, call: LLMCall) -> ProviderAnswer:
        """Send the call (retrying transient failures) and return its text and usage."""
        problem = self.unavailable(call)
        if problem is not None:
            raise problem
        request = self.build_request(call)
        try:
            response = await with_retries(
                lambda: self._send_once(call, request), self.policy, call.meter
            )
        except LLMError:
            raise
        except Exception as exc:
            raise self.translate_error(exc, call) from exc
        return self.translate_response(response)

    async def _send_once(self, call: LLMCall, request: dict[str, Any]) -> ResponseT:
        queued = time.perf_counter()
        reservation = None
        if self.rate is not None:
            reservation = await self.rate.acquire(self.estimate_tokens(call, request))
        async with self.limiter.slot():
            call.meter.wait_ms += (time.perf_counter() - queued) * 1000
            response = await self.send(self._clients.get(), request)
        if self.rate is not None and reservation is not None:
            self.rate.settle(reservation, self.tokens_used(response))
        return response

    async def aclose(self) -> None:
        """Close this loop's SDK client (and the limiter's Redis connection, if any)."""
        client = self._clients.pop()
        if client is not None:
            await self.close_client(client)
        close = getattr(self.limiter, "aclose", None)
        if close is not None:
            await close()
