"""Service and validation failures as MCP tool errors, in the API's words.

The API answers 404 (unknown id), 400 (`Invalid input.` with `path: message` lines) and
409 (the run's state forbids it). A tool raises `ToolError` with the same text instead, so
the assistant reads what is wrong and where, and the session goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from mcp.server.mcpserver.exceptions import ToolError
from rest_framework import serializers

from runs_app.mcp.lookup import Forbidden, NotFound
from simengine.api.errors import INVALID_INPUT, flatten_errors
from simengine.core.spec import SpecError
from simengine.errors import ConflictError, InvalidInputError


def invalid(lines: list[str], *, prefix: str = "") -> ToolError:
    """A 400-style tool error: `Invalid input.` then one `path: message` line per problem."""
    shown = [_prefixed(line, prefix) for line in lines]
    return ToolError("\n".join([INVALID_INPUT, *shown]))


def _prefixed(line: str, prefix: str) -> str:
    if not prefix:
        return line
    path, sep, message = line.partition(": ")
    return f"{prefix}.{path}: {message}" if sep else f"{prefix}: {line}"


@contextmanager
def api_errors(*, spec_prefix: str = "") -> Iterator[None]:
    """Turn the exceptions the API maps to 400/404/409 into tool errors with its messages."""
    try:
        yield
    except ToolError:
        raise
    except NotFound as exc:
        raise ToolError(f"Not found: {exc}") from None
    except Forbidden as exc:
        raise ToolError(f"Forbidden: {exc}") from None
    except ObjectDoesNotExist as exc:
        raise ToolError(f"Not found: {exc or 'no such object'}") from None
    except serializers.ValidationError as exc:
        raise invalid([f"{p}: {m}" for p, m in flatten_errors(exc.detail)]) from None
    except SpecError as exc:
        raise invalid(list(exc.errors), prefix=spec_prefix) from None
    except InvalidInputError as exc:
        raise invalid(list(exc.errors)) from None
    except ConflictError as exc:
        raise ToolError(f"Conflict: {exc}") from None


def validated(serializer_class: Any, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Arguments checked by the API's own input serializer (ValidationError naming each one)."""
    serializer = serializer_class(data={k: v for k, v in data.items() if v is not None}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
