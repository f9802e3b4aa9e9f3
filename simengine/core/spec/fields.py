"""Field types for the spec models, each with the exact error message a user will read.

Pydantic's own messages ("Input should be a valid number") are replaced by short ones in
the style of the rest of validation (`expected a number, got 'abc'`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator

from simengine.core.memory.config import IMPORTANCE_SOURCES
from simengine.core.providers import known_providers
from simengine.core.text import describe_value, format_number
from simengine.core.worlds.registry import policy_names


def _validator(check: Callable[[Any], Any]) -> PlainValidator:
    return PlainValidator(check)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {describe_value(value)}")
    return value


def _name(value: Any) -> str:
    value = _text(value)
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {describe_value(value)}")
    return value


def number_between(minimum: float | None = None, maximum: float | None = None) -> PlainValidator:
    """A finite int or float (not a bool) within an optional range; ints stay ints."""

    def check(value: Any) -> float | int:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ValueError(f"expected a number, got {describe_value(value)}")
        _check_range(value, minimum, maximum)
        return value

    return _validator(check)


def integer_between(minimum: int | None = None, maximum: int | None = None) -> PlainValidator:
    """An int (not a bool, not 2.0) within an optional range."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {describe_value(value)}")
        _check_range(value, minimum, maximum)
        return value

    return _validator(check)


def one_of(*options: str) -> PlainValidator:
    """One of a fixed set of strings."""

    def check(value: Any) -> str:
        if value not in options:
            listed = ", ".join(f"'{o}'" for o in options)
            raise ValueError(f"must be one of {listed}, got {describe_value(value)}")
        return value

    return _validator(check)


def check_model_id(value: Any) -> str:
    """A model id `provider/model` with a known provider (and a known offline policy)."""
    value = _text(value)
    provider, sep, model = value.partition("/")
    if not sep or not provider or not model:
        raise ValueError(f"expected 'provider/model' (e.g. 'ollama/llama3.2'), got {value!r}")
    known = known_providers()
    if provider not in known:
        listed = ", ".join(known) or "none registered: import simengine.llm"
        raise ValueError(f"unknown provider '{provider}' (known: {listed})")
    if provider == "offline" and model not in policy_names():
        policies = ", ".join(policy_names())
        raise ValueError(f"unknown offline policy '{model}' (known: {policies})")
    return value


EMBEDDING_DEFAULT = "ollama/nomic-embed-text"


def check_embedding_model(value: Any) -> str:
    """`local` (the hashed n-gram embedding) or `ollama/<model>`; bare `ollama` is the default."""
    value = _text(value)
    if value == "local":
        return value
    if value == "ollama":
        return EMBEDDING_DEFAULT
    provider, sep, model = value.partition("/")
    if provider == "ollama" and sep and model.strip():
        return value
    raise ValueError(
        f"unknown embedding model {value!r}: use 'local' or 'ollama/<model>'"
        f" (e.g. '{EMBEDDING_DEFAULT}')"
    )


def check_importance_source(value: Any) -> str:
    """Who rates memories' importance: `rule` (the engine's rules) or `model` (the agent's)."""
    value = _text(value)
    if value in IMPORTANCE_SOURCES:
        return value
    raise ValueError(f"unknown importance source {value!r}: use 'rule' or 'model'")


def _check_range(value: float, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and value < minimum:
        raise ValueError(f"must be >= {format_number(minimum)}, got {format_number(value)}")
    if maximum is not None and value > maximum:
        raise ValueError(f"must be <= {format_number(maximum)}, got {format_number(value)}")


Text = Annotated[str, _validator(_text), PlainSerializer(str)]
Name = Annotated[str, _validator(_name), PlainSerializer(str)]
Flag = Annotated[bool, _validator(_flag), PlainSerializer(bool)]
ModelId = Annotated[str, _validator(check_model_id), PlainSerializer(str)]
Number = Annotated[float | int, number_between()]
NonNegative = Annotated[float | int, number_between(0)]
Unit = Annotated[float | int, number_between(0, 1)]
Integer = Annotated[int, integer_between()]
Count = Annotated[int, integer_between(0)]
PositiveInt = Annotated[int, integer_between(1)]
EmbeddingModel = Annotated[str, _validator(check_embedding_model), PlainSerializer(str)]
ImportanceSource = Annotated[str, _validator(check_importance_source), PlainSerializer(str)]
