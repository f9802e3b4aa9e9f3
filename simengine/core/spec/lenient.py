"""Field-by-field validation, so one bad field never hides the problems of its siblings.

`parse_lenient` validates each field of a model on its own, records every error, and
returns a partial instance plus the names of the fields that failed, which cross-checks
then leave alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from simengine.core.spec.errors import format_validation_error
from simengine.core.text import describe_value

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Parsed(Generic[M]):
    """A possibly partial model instance and the fields that failed validation."""

    value: M
    bad: frozenset[str]

    @property
    def ok(self) -> bool:
        """Whether every field validated."""
        return not self.bad

    def good(self, field: str) -> bool:
        """Whether `field` validated, so cross-checks may rely on its value."""
        return field not in self.bad


def parse_lenient(model: type[M], raw: Any, path: str, errors: list[str]) -> Parsed[M] | None:
    """Validate `raw` as `model` field by field; None when `raw` is not even a mapping."""
    if not isinstance(raw, dict):
        errors.append(f"{path or '(root)'}: expected a mapping, got {describe_value(raw)}")
        return None
    values: dict[str, Any] = {}
    bad: set[str] = set()
    for name, field in model.model_fields.items():
        where = f"{path}.{name}" if path else name
        if name not in raw:
            if field.is_required():
                errors.append(f"{where}: required")
                bad.add(name)
            continue
        try:
            values[name] = _adapter(model, name).validate_python(raw[name])
        except ValidationError as exc:
            errors.extend(format_validation_error(exc, where))
            bad.add(name)
    for key in raw:
        if key not in model.model_fields:
            errors.append(f"{path}.{key}: unknown field" if path else f"{key}: unknown field")
            bad.add(key)
    return Parsed(model.model_construct(**values), frozenset(bad))


@cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    field = model.model_fields[name]
    annotation: Any = field.annotation
    if field.metadata:
        annotation = Annotated[(annotation, *field.metadata)]
    return TypeAdapter(annotation)
