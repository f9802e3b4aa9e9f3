"""One error format for the whole API, and the mapping of service exceptions to statuses.

Services raise subclasses of `simengine.errors` (conflict: 409, invalid input: 400), so this
module knows no app.

Every error body is `{"detail": str, "errors": [{"path": str, "message": str}]}`; `errors`
lists each bad field by its path (`overrides.max_ticks`, `spec.agent_templates[0].model`)
and is present only for 400 answers about input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from simengine.core.spec import SpecError
from simengine.errors import ConflictError, InvalidInputError

INVALID_INPUT = "Invalid input."


class Conflict(exceptions.APIException):
    """The resource's current state does not allow the request (e.g. pausing a stopped run)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the resource's current state."
    default_code = "conflict"


class InvalidInput(exceptions.APIException):
    """A 400 whose problems are already `path: message` lines (spec and run-config errors)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, lines: Iterable[str], *, prefix: str = "") -> None:
        super().__init__(INVALID_INPUT)
        self.errors = [_line_to_error(line, prefix) for line in lines]


class ErrorItemSerializer(serializers.Serializer):
    """One problem in an error body: where it is and what is wrong."""

    path = serializers.CharField(help_text="Where the problem is, e.g. `overrides.max_ticks`.")
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    detail = serializers.CharField()
    # DRF's metaclass moves declared fields off the class, so this does not shadow
    # `Serializer.errors` at runtime; the stubs cannot see that.
    errors = ErrorItemSerializer(many=True, required=False)  # type: ignore[assignment]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus our service exceptions and the flat `errors` list for 400s."""
    exc = _translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, InvalidInput):
        response.data = {"detail": INVALID_INPUT, "errors": exc.errors}
    elif isinstance(exc, exceptions.ValidationError):
        errors = [{"path": p, "message": m} for p, m in flatten_errors(exc.detail)]
        response.data = {"detail": INVALID_INPUT, "errors": errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {**response.data, "detail": str(response.data["detail"])}
    return response


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, ConflictError):
        return Conflict(str(exc))
    if isinstance(exc, InvalidInputError | SpecError):
        return InvalidInput(exc.errors)
    if isinstance(exc, ObjectDoesNotExist):
        return exceptions.NotFound()
    return exc


def flatten_errors(detail: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """DRF's nested error detail as (path, message) pairs: `overrides.templates.rescuer`."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("non_field_errors", api_settings.NON_FIELD_ERRORS_KEY):
                yield from flatten_errors(value, path)
            elif isinstance(key, int):
                yield from flatten_errors(value, f"{path}[{key}]")
            else:
                yield from flatten_errors(value, f"{path}.{key}" if path else str(key))
    elif isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            for message in detail:
                yield (path or "(root)", str(message))
        else:
            for index, item in enumerate(detail):
                if item:  # a ListSerializer reports {} for the items that were fine
                    yield from flatten_errors(item, f"{path}[{index}]")
    else:
        yield (path or "(root)", str(detail))


def _line_to_error(line: str, prefix: str) -> dict[str, str]:
    path, sep, message = line.partition(": ")
    if not sep:
        path, message = "(root)", line
    if prefix:
        path = prefix if path == "(root)" else f"{prefix}.{path}"
    return {"path": path, "message": message}
