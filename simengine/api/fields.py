"""Input validators shared by the apps' serializers, checked exactly as the scenario spec checks."""

from __future__ import annotations

from pydantic import TypeAdapter, ValidationError
from rest_framework import serializers

from simengine.core.spec.fields import ModelId

_MODEL_ID = TypeAdapter(ModelId)


def model_id_value(value: str) -> str:
    """A model id checked like the spec checks one (`provider/model`, known provider)."""
    try:
        return _MODEL_ID.validate_python(value)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise serializers.ValidationError(message) from None
