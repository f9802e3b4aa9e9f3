"""Errors raised by the LLM layer: each message says what went wrong and what to do."""

from __future__ import annotations


class LLMError(Exception):
    """A model call could not be answered; `str(error)` is written for people."""

    def __init__(self, message: str, *, retries: int = 0) -> None:
        super().__init__(message)
        self.retries = retries
        self.latency_ms = 0.0


class UnknownModelError(LLMError):
    """The model id has no known provider prefix (or no model name)."""


class ProviderUnavailableError(LLMError):
    """The provider cannot be reached or is not configured (server down, key missing)."""


class ModelNotFoundError(LLMError):
    """The provider is up but does not have this model (e.g. not pulled into Ollama)."""


class ProviderTimeoutError(LLMError):
    """The provider did not answer within the configured timeout."""


class ProviderResponseError(LLMError):
    """The provider answered with an HTTP error that retries did not cure."""

    def __init__(self, message: str, *, status_code: int | None = None, retries: int = 0) -> None:
        super().__init__(message, retries=retries)
        self.status_code = status_code


class ReplayMissingError(LLMError):
    """A replayed run has no recorded response for this agent, tick and purpose."""
