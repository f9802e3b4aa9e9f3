"""Where OpenAI-compatible servers are and what they serve: configuration and `GET /models`.

One unnamed server comes from `OPENAI_BASE_URL` (+ `OPENAI_API_KEY`,
`SIMENGINE_OPENAI_PARALLEL`); more servers are named by suffixing the same variables,
`OPENAI_BASE_URL_GPU2=...` for model ids `openai/@gpu2/<model>`. Model names may hold `/`
and `:` (`Qwen/Qwen2.5-7B-Instruct`, `llama3.2:3b`), so a server name is marked by a
leading `@`, which no model name starts with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx

from simengine.env import env_int

from ..settings import LLMSettings, env_float
from .base import Memo

BASE_URL_VAR = "OPENAI_BASE_URL"
API_KEY_VAR = "OPENAI_API_KEY"
PARALLEL_VAR = "SIMENGINE_OPENAI_PARALLEL"
TIMEOUT_VAR = "SIMENGINE_OPENAI_TIMEOUT"
CONNECT_TIMEOUT_VAR = "SIMENGINE_OPENAI_CONNECT_TIMEOUT"
RETRIES_VAR = "SIMENGINE_OPENAI_RETRIES"
DEFAULT_PARALLEL = 4
PROBE_TIMEOUT = 3.0
SERVER_NAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,39}$")


class ServerNameError(ValueError):
    """A model id names a server (`openai/@name/...`) that is not configured or not well formed."""


def normalize_base_url(url: str) -> str:
    """`http://host:8001` -> `http://host:8001/v1`; a URL with a path is kept as written."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = f"http://{url}"
    parsed = urlparse(url)
    return url if parsed.path not in ("", "/") else f"{url}/v1"


@dataclass(frozen=True)
class OpenAIServer:
    """One configured OpenAI-compatible server; `name` is "" for the one of OPENAI_BASE_URL."""

    name: str
    base_url: str | None
    api_key: str | None
    parallel: int
    timeout: float
    connect_timeout: float
    retries: int

    def var(self, base: str) -> str:
        """The variable that configures this server: `OPENAI_BASE_URL` or `..._GPU2`."""
        return f"{base}_{self.name.upper()}" if self.name else base

    def model_id(self, model: str) -> str:
        """The full model id for one of this server's models."""
        return f"openai/@{self.name}/{model}" if self.name else f"openai/{model}"

    @property
    def where(self) -> str:
        """`the OpenAI-compatible server at <url> (OPENAI_BASE_URL)`, for messages."""
        return f"the OpenAI-compatible server at {self.base_url} ({self.var(BASE_URL_VAR)})"


def split_server(model: str) -> tuple[str, str]:
    """`@gpu2/Qwen/Qwen2.5-7B` -> `("gpu2", "Qwen/Qwen2.5-7B")`; `qwen` -> `("", "qwen")`."""
    if not model.startswith("@"):
        return "", model
    name, sep, rest = model[1:].partition("/")
    if not SERVER_NAME.match(name) or not sep or not rest:
        raise ServerNameError(
            f"'openai/{model}' is not a model on a named server: write "
            "openai/@<server>/<model> with a server name of lower-case letters, digits and _"
        )
    return name, rest


def server_names(settings: LLMSettings) -> list[str]:
    """Configured servers: `""` when OPENAI_BASE_URL is set, then each OPENAI_BASE_URL_<NAME>."""
    names = [""] if settings.env(BASE_URL_VAR) else []
    prefix = f"{BASE_URL_VAR}_"
    for var in sorted(settings.environ):
        if var.startswith(prefix) and settings.env(var):
            name = var.removeprefix(prefix).lower()
            if SERVER_NAME.match(name):
                names.append(name)
    return names


def _int(settings: LLMSettings, var: str, suffix: str, default: int, minimum: int) -> int:
    """A server's own `VAR_<NAME>`, else the shared `VAR`, else `default`."""
    shared = env_int(var, default, minimum=minimum, environ=settings.environ)
    return env_int(var + suffix, shared, minimum=minimum, environ=settings.environ)


def _float(settings: LLMSettings, var: str, suffix: str, default: float, minimum: float) -> float:
    """A server's own `VAR_<NAME>`, else the shared `VAR`, else `default`."""
    shared = env_float(var, default, minimum=minimum, environ=settings.environ)
    return env_float(var + suffix, shared, minimum=minimum, environ=settings.environ)


def server_config(settings: LLMSettings, name: str = "") -> OpenAIServer:
    """The configuration of server `name` (its base URL is None when it is not set).

    A named server's `SIMENGINE_OPENAI_*_<NAME>` win over the shared `SIMENGINE_OPENAI_*`.
    """
    suffix = f"_{name.upper()}" if name else ""
    raw_url = settings.env(BASE_URL_VAR + suffix)
    return OpenAIServer(
        name=name,
        base_url=normalize_base_url(raw_url) if raw_url else None,
        api_key=settings.env(API_KEY_VAR + suffix) or None,
        parallel=_int(settings, PARALLEL_VAR, suffix, DEFAULT_PARALLEL, 1),
        timeout=_float(settings, TIMEOUT_VAR, suffix, 120.0, 0.1),
        connect_timeout=_float(settings, CONNECT_TIMEOUT_VAR, suffix, 5.0, 0.1),
        retries=_int(settings, RETRIES_VAR, suffix, 3, 0),
    )


def missing_base_url_message(server: OpenAIServer) -> str:
    """No URL for this server: say which variable to set, and mind vLLM's default port."""
    var = server.var(BASE_URL_VAR)
    return (
        f"{var} is not set: set it to the OpenAI-compatible server's URL, e.g. "
        f"{var}=http://127.0.0.1:8001/v1 (vLLM serves on port 8000 by default, the console's "
        "own port: start it with `vllm serve <model> --port 8001`), or use an ollama/ or "
        "offline/ model"
    )


def unreachable_message(server: OpenAIServer, after: str = "") -> str:
    """Nothing answers at the server's URL (`after` e.g. " after 3 retries")."""
    return (
        f"{server.where} is not reachable{after}: start the server (vLLM, llama.cpp's "
        f"llama-server, LM Studio) or fix {server.var(BASE_URL_VAR)}, or use an offline/ model"
    )


def unknown_model_message(server: OpenAIServer, model: str, served: tuple[str, ...]) -> str:
    """The server is up but does not serve `model`: name what it does serve."""
    offer = ", ".join(served) if served else "nothing"
    return f"{server.where} does not serve model '{model}'; it serves: {offer} (GET /models)"


@dataclass(frozen=True)
class ServedModels:
    """What `GET /models` said; `listed` is False when the server has no such endpoint."""

    reachable: bool
    models: tuple[str, ...] = ()
    listed: bool = True
    error: str | None = None


def _served(server: OpenAIServer, response: httpx.Response) -> ServedModels:
    status = response.status_code
    if status in (401, 403):
        return ServedModels(
            False,
            error=f"{server.where} rejected {server.var(API_KEY_VAR)} (HTTP {status}): "
            "set the key the server was started with",
        )
    if status in (404, 405):  # some hosted endpoints do not list models
        return ServedModels(True, listed=False)
    if status != 200:
        return ServedModels(False, error=f"{server.where} answered HTTP {status} to GET /models")
    try:
        data: Any = response.json().get("data")
        names = tuple(str(entry["id"]) for entry in data)
    except (ValueError, AttributeError, KeyError, TypeError):
        return ServedModels(
            False,
            error=f"{server.where} answered GET /models with something that is not a model "
            f"list: is {server.var(BASE_URL_VAR)} an OpenAI-compatible /v1 URL?",
        )
    return ServedModels(True, names)


def list_models(server: OpenAIServer, *, timeout: float = PROBE_TIMEOUT) -> ServedModels:
    """Ask the server's `GET /models` (with its key, if any)."""
    assert server.base_url is not None
    headers = {"Authorization": f"Bearer {server.api_key}"} if server.api_key else {}
    try:
        with httpx.Client(timeout=timeout, headers=headers) as http:
            return _served(server, http.get(f"{server.base_url}/models"))
    except httpx.HTTPError as exc:
        error = unreachable_message(server)
        if not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            error = f"{error} ({exc!r})"
        return ServedModels(False, error=error)


def served_models(server: OpenAIServer, memo: Memo) -> ServedModels:
    """`list_models`, asked once per server and preflight (kept in `memo` by URL)."""
    key = f"openai:{server.base_url}"
    if key not in memo:
        memo[key] = list_models(server)
    return memo[key]


__all__ = [
    "OpenAIServer",
    "ServedModels",
    "ServerNameError",
    "list_models",
    "missing_base_url_message",
    "normalize_base_url",
    "server_config",
    "server_names",
    "served_models",
    "split_server",
    "unknown_model_message",
    "unreachable_message",
]
