"""OpenAI-compatible servers (vLLM, llama.cpp's server, LM Studio, hosted endpoints).

Through the official `openai.AsyncOpenAI` with the SDK's own retries off: slots, retries
(honouring retry-after), metering and closing come from `ServedProvider`. Structured output
asks for `response_format` `json_schema` (strict) first; a server that answers 400/422 to it
is asked with `json_object` and then with plain text (the schema written into the prompt,
the answer parsed and repaired as usual). The mode a server accepted is remembered per
server and model for the life of the process, and recorded on every call (`output_mode`).

`OpenAIProvider` is the registry entry: it routes `openai/<model>` to the server of
`OPENAI_BASE_URL` and `openai/@<name>/<model>` to `OPENAI_BASE_URL_<NAME>`, one
`OpenAIServerProvider` (one limiter, one client per loop) per server.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from types import ModuleType
from typing import TYPE_CHECKING, Any

import httpx

from simengine.env import EnvError

from ..errors import (
    LLMError,
    ModelNotFoundError,
    ProviderResponseError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)
from ..limits import SlotLimiter
from ..replay import ReplaySource
from ..retry import retry_after_seconds
from ..settings import LLMSettings
from ..transport import StreamTransport
from ..types import LLMCall, ProviderAnswer
from .base import Memo, Provider, Readiness, ServedProvider
from .openai_servers import (
    API_KEY_VAR,
    BASE_URL_VAR,
    TIMEOUT_VAR,
    OpenAIServer,
    ServerNameError,
    missing_base_url_message,
    served_models,
    server_config,
    server_names,
    split_server,
    unknown_model_message,
    unreachable_message,
)

if TYPE_CHECKING:
    import openai

MODES = ("json_schema", "json_object", "text")  # strictest first
NO_KEY = "EMPTY"  # the SDK needs some key; servers started without --api-key ignore it
SCHEMA_NAME = re.compile(r"[^a-zA-Z0-9_-]")

_accepted: dict[tuple[str, str], str] = {}  # (base URL, model) -> the mode the server took
_accepted_lock = threading.Lock()


def sdk() -> ModuleType:
    """The `openai` package, imported on first use (it takes a while to import)."""
    import openai

    return openai


def accepted_mode(base_url: str, model: str) -> str:
    """The structured-output mode this server accepted for `model` (json_schema until told)."""
    with _accepted_lock:
        return _accepted.get((base_url, model), MODES[0])


def remember_mode(base_url: str, model: str, mode: str) -> None:
    """Remember that the server accepted `mode` for `model` (for the life of the process)."""
    with _accepted_lock:
        _accepted[(base_url, model)] = mode


def forget_modes() -> None:
    """Forget every detected mode (a restarted server may have gained support)."""
    with _accepted_lock:
        _accepted.clear()


def schema_instruction(schema: dict[str, Any]) -> str:
    """What a prompt says when the server does not enforce the schema itself."""
    return (
        "Answer with exactly one JSON object and nothing else. It must match this JSON "
        f"schema:\n{json.dumps(schema, ensure_ascii=False, separators=(',', ':'))}"
    )


def request_for_mode(request: dict[str, Any], mode: str) -> dict[str, Any]:
    """The json_schema request rewritten for `mode`: json_object or text carry the schema as text.

    The schema goes at the end of the system message, so each agent's prompt prefix stays
    the same from tick to tick (servers reuse their cache for an identical prefix).
    """
    if mode == "json_schema" or "response_format" not in request:
        return request
    schema = request["response_format"]["json_schema"]["schema"]
    messages = [dict(m) for m in request["messages"]]
    instruction = schema_instruction(schema)
    if messages and messages[0]["role"] == "system":
        messages[0]["content"] = f"{messages[0]['content']}\n\n{instruction}"
    else:
        messages.insert(0, {"role": "system", "content": instruction})
    changed = {k: v for k, v in request.items() if k != "response_format"}
    changed["messages"] = messages
    if mode == "json_object":
        changed["response_format"] = {"type": "json_object"}
    return changed


class MalformedAnswer(Exception):
    """The server answered 200 with something that is not a chat completion."""


@dataclass(frozen=True)
class Sent:
    """A chat completion and the structured-output mode it was asked in."""

    completion: Any  # openai.types.chat.ChatCompletion
    mode: str
    prompt_chars: int = 0  # to estimate usage when a server reports none


def is_retryable(exc: BaseException) -> bool:
    """429, 408, 409, 5xx and connection failures; not timeouts, other 4xx or bad answers."""
    api = sdk()
    if isinstance(exc, api.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    if isinstance(exc, api.APITimeoutError):
        return False
    return isinstance(exc, api.APIConnectionError | ConnectionError)


def server_message(exc: Any) -> str:
    """The server's own error text (`{"error": {"message": ...}}` or `{"message": ...}`)."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error")
        inner: dict[str, Any] = error if isinstance(error, dict) else body
        message = inner.get("message")
        if isinstance(message, str):
            return message
    return str(getattr(exc, "message", exc))


def _check(completion: Any, server: OpenAIServer) -> Any:
    """The completion, or `MalformedAnswer` when the body was not a chat completion."""
    choices = getattr(completion, "choices", None)
    if not choices or getattr(choices[0], "message", None) is None:
        shown = completion if isinstance(completion, str) else repr(completion)
        raise MalformedAnswer(
            f"{server.where} answered something that is not a chat completion: {shown[:200]!r}"
        )
    return completion


class OpenAIServerProvider(ServedProvider["openai.AsyncOpenAI", Sent]):
    """Chats with one OpenAI-compatible server, at most its SIMENGINE_OPENAI_PARALLEL at once."""

    name = "openai"

    def __init__(
        self,
        settings: LLMSettings,
        replay: ReplaySource | None = None,
        *,
        server: OpenAIServer,
        limiter: SlotLimiter | None = None,
    ) -> None:
        self.server = server  # read by slot_name() during the base's set-up
        super().__init__(settings, replay, limiter=limiter)

    @property
    def base_url(self) -> str:
        """The server's /v1 URL."""
        return self.server.base_url or ""

    def slot_name(self) -> str:
        """One limiter per server URL, shared by every process through Redis."""
        return f"openai:{self.base_url}"

    def slot_count(self) -> int:
        """SIMENGINE_OPENAI_PARALLEL (or its `_<NAME>` for a named server)."""
        return self.server.parallel

    def retries(self) -> int:
        """SIMENGINE_OPENAI_RETRIES."""
        return self.server.retries

    def is_retryable(self, exc: BaseException) -> bool:
        """429, 408, 409, 5xx and dropped connections."""
        return is_retryable(exc)

    def retry_after(self, exc: BaseException) -> float | None:
        """The server's retry-after(-ms) header."""
        return retry_after_seconds(exc)

    def unavailable(self, call: LLMCall) -> LLMError | None:
        """No base URL for this server: nothing is sent."""
        if not self.server.base_url:
            return ProviderUnavailableError(missing_base_url_message(self.server))
        return None

    def make_client(self) -> openai.AsyncOpenAI:
        """A client with the SDK's own retries off: retries happen in the base, counted.

        It sends over `StreamTransport` (as the Ollama client does): the SDK's default
        httpx stack costs about 0.4 ms more CPU per call, which a worker serving hundreds
        of calls a second pays between an answer and the next request.
        """
        api = sdk()
        timeout = httpx.Timeout(self.server.timeout, connect=self.server.connect_timeout)
        wire = httpx.AsyncClient(
            transport=StreamTransport(max_idle=self.slot_count()),
            timeout=timeout,
            follow_redirects=True,  # as the SDK's own client
        )
        return api.AsyncOpenAI(
            api_key=self.server.api_key or NO_KEY,
            base_url=self.base_url,
            timeout=api.Timeout(self.server.timeout, connect=self.server.connect_timeout),
            max_retries=0,
            http_client=wire,
        )

    def build_request(self, call: LLMCall) -> dict[str, Any]:
        """`chat.completions.create()` arguments, with the schema as a strict json_schema."""
        messages = [{"role": "system", "content": call.system}] if call.system else []
        messages += [dict(m) for m in call.messages]
        request: dict[str, Any] = {
            "model": call.model,
            "messages": messages,
            "max_tokens": call.max_tokens or self.settings.max_tokens,
        }
        if call.temperature is not None:
            request["temperature"] = call.temperature
        if call.seed is not None:
            request["seed"] = call.seed
        if call.schema is not None:
            name = SCHEMA_NAME.sub("_", call.context.purpose or "answer")[:64] or "answer"
            request["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": name, "strict": True, "schema": call.schema},
            }
        return request

    async def send(self, client: openai.AsyncOpenAI, request: dict[str, Any]) -> Sent:
        """One completion in the mode this server accepts, stepping down once if it refuses."""
        chars = sum(len(str(m.get("content", ""))) for m in request["messages"])
        if "response_format" not in request:
            return Sent(await self._create(client, request), "text", chars)
        model = request["model"]
        first_mode = accepted_mode(self.base_url, model)
        refused: Exception | None = None  # the first mode's 400, if the server refused it
        for mode in MODES[MODES.index(first_mode) :]:
            try:
                completion = await self._create(client, request_for_mode(request, mode))
            except sdk().APIStatusError as exc:
                if exc.status_code not in (400, 422):
                    raise
                refused = refused or exc
                if mode == MODES[-1]:  # refused in every mode: the format was not the problem
                    raise refused from None
                continue
            if mode != first_mode:
                remember_mode(self.base_url, model, mode)
            return Sent(completion, mode, chars)
        raise AssertionError("unreachable: the text mode returns or raises")

    async def _create(self, client: openai.AsyncOpenAI, request: dict[str, Any]) -> Any:
        return _check(await client.chat.completions.create(**request), self.server)

    def translate_response(self, response: Sent) -> ProviderAnswer:
        """The message text, usage (estimated when the server sent none) and the mode."""
        completion = response.completion
        choice = completion.choices[0]
        text = choice.message.content or ""
        usage = getattr(completion, "usage", None)
        details: dict[str, Any] = {
            "id": getattr(completion, "id", None),
            "finish_reason": getattr(choice, "finish_reason", None),
            "server": self.base_url,
        }
        if usage is not None and usage.prompt_tokens is not None:
            tokens_in, tokens_out = usage.prompt_tokens, usage.completion_tokens or 0
        else:  # keep budgets working on servers that report no usage
            tokens_in, tokens_out = response.prompt_chars // 4, max(1, len(text) // 4)
            details["usage_estimated"] = True
        return ProviderAnswer(
            text=text,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            details=details,
            output_mode=response.mode,
        )

    def translate_error(self, exc: Exception, call: LLMCall) -> LLMError:
        """Bad key, unknown model, rate limit, HTTP error, timeout, refused or malformed."""
        api = sdk()
        server = self.server
        retries = call.meter.retries
        after = f" after {retries} retries" if retries else ""
        if isinstance(exc, MalformedAnswer):
            return ProviderResponseError(str(exc), retries=retries)
        if isinstance(exc, api.AuthenticationError | api.PermissionDeniedError):
            return ProviderUnavailableError(
                f"{server.where} rejected {server.var(API_KEY_VAR)} (HTTP {exc.status_code}): "
                "set the key the server was started with",
                retries=retries,
            )
        if isinstance(exc, api.NotFoundError):
            return ModelNotFoundError(
                f"{server.where} does not serve model '{call.model}' (HTTP 404): pick one of "
                "its models (GET /models) or start the server with it",
                retries=retries,
            )
        if isinstance(exc, api.APIStatusError):
            return ProviderResponseError(
                f"{server.where} answered HTTP {exc.status_code}{after}: {server_message(exc)}",
                status_code=exc.status_code,
                retries=retries,
            )
        if isinstance(exc, api.APITimeoutError):
            return ProviderTimeoutError(
                f"{server.where} did not answer within {server.timeout:g}s "
                f"({server.var(TIMEOUT_VAR)}): the model is too slow or the server is "
                "overloaded (lower SIMENGINE_OPENAI_PARALLEL or raise the timeout)",
                retries=retries,
            )
        if isinstance(exc, api.APIConnectionError | ConnectionError):
            return ProviderUnavailableError(unreachable_message(server, after), retries=retries)
        return LLMError(f"the call to {server.where} failed: {exc!r}", retries=retries)


class OpenAIProvider(Provider):
    """Routes `openai/<model>` and `openai/@<server>/<model>` to one provider per server."""

    name = "openai"
    context_chars = 6_000  # llama.cpp's server starts with a few thousand tokens of context

    def __init__(self, settings: LLMSettings, replay: ReplaySource | None = None) -> None:
        super().__init__(settings, replay)
        self._servers: dict[str, OpenAIServerProvider] = {}
        self._lock = threading.Lock()

    def server(self, name: str) -> OpenAIServerProvider:
        """The provider of server `name` ("" for OPENAI_BASE_URL), created on first use."""
        with self._lock:
            provider = self._servers.get(name)
            if provider is None:
                config = server_config(self.settings, name)
                if name and not config.base_url:
                    raise ProviderUnavailableError(missing_base_url_message(config))
                provider = OpenAIServerProvider(self.settings, self.replay, server=config)
                self._servers[name] = provider
            return provider

    async def generate(self, call: LLMCall) -> ProviderAnswer:
        """Send the call to its server with the model name the server knows."""
        try:
            name, model = split_server(call.model)
        except ServerNameError as exc:
            raise ProviderUnavailableError(str(exc)) from None
        return await self.server(name).generate(replace(call, model=model))

    async def aclose(self) -> None:
        """Close this loop's clients of every server used so far."""
        for provider in list(self._servers.values()):
            await provider.aclose()

    @classmethod
    def preflight(cls, model: str, settings: LLMSettings, memo: Memo) -> Readiness:
        """A base URL is set, the server answers GET /models, and it lists the model."""
        try:
            name, bare = split_server(model)
            server = server_config(settings, name)
        except (ServerNameError, EnvError) as exc:
            return Readiness(False, str(exc))
        if not server.base_url:
            return Readiness(False, missing_base_url_message(server))
        listing = served_models(server, memo)
        if not listing.reachable:
            return Readiness(False, listing.error or unreachable_message(server))
        if not listing.listed:
            return Readiness(True, f"{server.where} lists no models; calls go there as {bare}")
        if bare not in listing.models:
            return Readiness(False, unknown_model_message(server, bare, listing.models))
        return Readiness(True, f"ready on {server.where}")

    @classmethod
    def offered_models(cls, settings: LLMSettings, memo: Memo) -> Iterable[str]:
        """Every model each configured server lists (GET /models, once per preflight)."""
        offered: list[str] = []
        for name in server_names(settings):
            try:
                server = server_config(settings, name)
            except EnvError:  # preflight names the bad variable when the model is chosen
                continue
            offered += [server.model_id(m) for m in served_models(server, memo).models]
        return offered


__all__ = [
    "BASE_URL_VAR",
    "MODES",
    "OpenAIProvider",
    "OpenAIServerProvider",
    "accepted_mode",
    "forget_modes",
    "request_for_mode",
]
