"""LLM layer configuration, read from the environment without Django."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

from simengine.env import EnvError, env_int, env_str

DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434"
DEFAULT_ANTHROPIC_MODELS = ("claude-sonnet-4-5", "claude-haiku-4-5")


def env_float(
    name: str, default: float, *, minimum: float = 0.0, environ: Mapping[str, str] = os.environ
) -> float:
    """Read a non-negative number of seconds (or similar) from the environment."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise EnvError(f"{name}={raw!r} is not a number: expected e.g. 30 or 2.5") from None
    if value < minimum:
        raise EnvError(f"{name}={value} is too small: expected a number >= {minimum}")
    return value


def normalize_ollama_host(host: str) -> str:
    """Spell OLLAMA_HOST as `scheme://host:port` the way the ollama client reads it."""
    host = host.strip().rstrip("/")
    scheme, sep, rest = host.partition("://")
    if sep:
        default_port = 443 if scheme == "https" else 80
    else:
        scheme, rest, default_port = "http", host, 11434
    parsed = urlparse(f"{scheme}://{rest}")
    hostname = parsed.hostname or "127.0.0.1"
    if ":" in hostname:
        hostname = f"[{hostname}]"
    return f"{scheme}://{hostname}:{parsed.port or default_port}{parsed.path.rstrip('/')}"


def _redis_url(environ: Mapping[str, str]) -> str | None:
    url = environ.get("REDIS_URL", "").strip()
    if url:
        return url
    broker = environ.get("CELERY_BROKER_URL", "").strip()
    if broker.startswith(("redis://", "rediss://", "unix://")):
        return broker
    return None


@dataclass(frozen=True)
class LLMSettings:
    """Everything the LLM layer needs to reach its providers and bound their load."""

    ollama_host: str = DEFAULT_OLLAMA_HOST
    ollama_parallel: int = 4
    ollama_timeout: float = 120.0
    ollama_connect_timeout: float = 5.0
    ollama_keep_alive: str = "30m"
    ollama_retries: int = 3
    anthropic_api_key: str | None = None
    anthropic_base_url: str | None = None
    anthropic_timeout: float = 120.0
    anthropic_retries: int = 4
    anthropic_parallel: int = 8
    anthropic_rpm: int = 50
    anthropic_tpm: int = 40_000
    anthropic_models: tuple[str, ...] = DEFAULT_ANTHROPIC_MODELS
    redis_url: str | None = None
    max_tokens: int = 512
    retry_backoff: float = 0.5
    retry_backoff_max: float = 30.0
    slot_lease_seconds: float = 30.0
    # The environment these settings were read from: a provider module reads its own
    # variables here (`settings.env("OPENAI_BASE_URL")`), so adding one edits no settings.
    environ: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def env(self, name: str, default: str = "") -> str:
        """One environment variable as read with these settings (stripped), or `default`."""
        return self.environ.get(name, "").strip() or default

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LLMSettings:
        """Read settings from `environ` (default `os.environ`); bad values raise `EnvError`."""
        env = os.environ if environ is None else environ
        models = env_str("SIMENGINE_ANTHROPIC_MODELS", ",".join(DEFAULT_ANTHROPIC_MODELS), env)
        return cls(
            ollama_host=normalize_ollama_host(env_str("OLLAMA_HOST", DEFAULT_OLLAMA_HOST, env)),
            ollama_parallel=env_int("SIMENGINE_OLLAMA_PARALLEL", 4, minimum=1, environ=env),
            ollama_timeout=env_float("SIMENGINE_OLLAMA_TIMEOUT", 120.0, minimum=0.1, environ=env),
            ollama_connect_timeout=env_float(
                "SIMENGINE_OLLAMA_CONNECT_TIMEOUT", 5.0, minimum=0.1, environ=env
            ),
            ollama_keep_alive=env_str("SIMENGINE_OLLAMA_KEEP_ALIVE", "30m", env),
            ollama_retries=env_int("SIMENGINE_OLLAMA_RETRIES", 3, minimum=0, environ=env),
            anthropic_api_key=env.get("ANTHROPIC_API_KEY", "").strip() or None,
            anthropic_base_url=env.get("ANTHROPIC_BASE_URL", "").strip() or None,
            anthropic_timeout=env_float(
                "SIMENGINE_ANTHROPIC_TIMEOUT", 120.0, minimum=0.1, environ=env
            ),
            anthropic_retries=env_int("SIMENGINE_ANTHROPIC_RETRIES", 4, minimum=0, environ=env),
            anthropic_parallel=env_int("SIMENGINE_ANTHROPIC_PARALLEL", 8, minimum=1, environ=env),
            anthropic_rpm=env_int("SIMENGINE_ANTHROPIC_RPM", 50, minimum=1, environ=env),
            anthropic_tpm=env_int("SIMENGINE_ANTHROPIC_TPM", 40_000, minimum=1, environ=env),
            anthropic_models=tuple(m.strip() for m in models.split(",") if m.strip()),
            redis_url=_redis_url(env),
            max_tokens=env_int("SIMENGINE_LLM_MAX_TOKENS", 512, minimum=16, environ=env),
            retry_backoff=env_float("SIMENGINE_LLM_RETRY_BACKOFF", 0.5, environ=env),
            slot_lease_seconds=env_float(
                "SIMENGINE_LLM_SLOT_LEASE", 30.0, minimum=1.0, environ=env
            ),
            environ=dict(env),
        )
