"""Pagination: limit/offset for resource lists, keyset cursors for run histories.

Both are strict: a limit, offset or cursor that is not valid answers 400 with its name
as the path, instead of being silently replaced by a default.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

MAX_INT = 2**31 - 1
_INTEGER = re.compile(r"-?\d{1,12}")


def query_int(request: Request, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """An integer query parameter within bounds; anything else answers 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not _INTEGER.fullmatch(raw):
        raise ValidationError({name: [f"expected an integer, got {raw[:40]!r}"]})
    value = int(raw)
    if not minimum <= value <= maximum:
        raise ValidationError({name: [f"must be between {minimum} and {maximum}, got {value}"]})
    return value


def _int_param(name: str, description: str, minimum: int, maximum: int) -> dict[str, Any]:
    return {
        "name": name,
        "required": False,
        "in": "query",
        "description": description,
        "schema": {"type": "integer", "minimum": minimum, "maximum": maximum},
    }


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """`?limit=&offset=` with bounds checked (DRF's own ignores bad values)."""

    default_limit = 50
    max_limit = 500

    def get_limit(self, request: Request) -> int:
        return query_int(
            request, "limit", default=self.default_limit, minimum=1, maximum=self.max_limit
        )

    def get_offset(self, request: Request) -> int:
        return query_int(request, "offset", default=0, minimum=0, maximum=MAX_INT)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            _int_param("limit", "Number of results per page.", 1, self.max_limit),
            _int_param("offset", "Index of the first result.", 0, MAX_INT),
        ]


class KeysetPagination(pagination.BasePagination):
    """Cursor pagination in a stable order on two columns, `(step, id)` by default.

    The cursor holds the key of the row a page ends (or starts) at, so rows added while a
    client pages through a history never shift the pages: no gaps, no repeats.
    """

    ordering: tuple[str, str] = ("step", "id")
    default_limit = 100
    max_limit = 1000

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        limit = query_int(
            request, "limit", default=self.default_limit, minimum=1, maximum=self.max_limit
        )
        direction, key = self._decode(request.query_params.get("cursor"))
        first, second = self.ordering
        if key is None:
            rows = list(queryset.order_by(first, second)[: limit + 1])
            has_next, has_previous = len(rows) > limit, False
            rows = rows[:limit]
        elif direction == "next":
            after = Q(**{f"{first}__gt": key[0]}) | Q(**{first: key[0], f"{second}__gt": key[1]})
            rows = list(queryset.filter(after).order_by(first, second)[: limit + 1])
            has_next, has_previous = len(rows) > limit, True
            rows = rows[:limit]
        else:
            before = Q(**{f"{first}__lt": key[0]}) | Q(**{first: key[0], f"{second}__lt": key[1]})
            rows = list(queryset.filter(before).order_by(f"-{first}", f"-{second}")[: limit + 1])
            has_next, has_previous = True, len(rows) > limit
            rows = rows[:limit][::-1]
        self.next_key = self._key(rows[-1]) if has_next and rows else None
        self.previous_key = self._key(rows[0]) if has_previous and rows else None
        return rows

    def _key(self, row: Any) -> list[int]:
        return [getattr(row, name) for name in self.ordering]

    def _link(self, direction: str, key: list[int] | None) -> str | None:
        if key is None:
            return None
        url = self.request.build_absolute_uri()
        raw = json.dumps({"d": direction, "k": key}, separators=(",", ":")).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return replace_query_param(url, "cursor", cursor)

    @staticmethod
    def _decode(cursor: str | None) -> tuple[str, list[int] | None]:
        if not cursor:
            return "next", None
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            data = json.loads(raw)
            direction, key = data["d"], data["k"]
            valid = (
                direction in ("next", "previous")
                and isinstance(key, list)
                and len(key) == 2
                and all(type(part) is int and 0 <= part <= 2**63 - 1 for part in key)
            )
        except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
            valid = False
        if not valid:
            raise ValidationError({"cursor": ["invalid cursor: use the next or previous link"]})
        return direction, key

    def get_paginated_response(self, data: list[Any]) -> Response:
        return Response(
            {
                "next": self._link("next", self.next_key),
                "previous": self._link("previous", self.previous_key),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "Opaque position from a `next` or `previous` link.",
                "schema": {"type": "string"},
            },
            _int_param("limit", "Number of results per page.", 1, self.max_limit),
        ]


class StepKeysetPagination(KeysetPagination):
    """Keyset pagination for a run's steps, ordered by step index."""

    ordering = ("index", "id")


class SortedKeysetPagination(KeysetPagination):
    """Keyset pages in an order the view chooses per request: `view.keyset_ordering`.

    The ordering is one or two fields, all ascending or all descending (`("-latency_ms",
    "-id")`); the last is a unique id. Keys may be floats (latencies), so a cursor holds
    numbers. New rows never shift pages already read: no gaps, no repeats.
    """

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        fields: tuple[str, ...] = tuple(view.keyset_ordering)
        self.names = tuple(name.lstrip("-") for name in fields)
        descending = fields[0].startswith("-")
        limit = query_int(
            request, "limit", default=self.default_limit, minimum=1, maximum=self.max_limit
        )
        direction, key = self._decode_key(request.query_params.get("cursor"), len(fields))
        forward = direction == "next"
        order = fields if forward else tuple(_flip(f) for f in fields)
        if key is not None:
            queryset = queryset.filter(self._beyond(key, greater=forward != descending))
        rows = list(queryset.order_by(*order)[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        if not forward:
            rows.reverse()
        has_next = more if forward or key is None else True
        has_previous = (key is not None) if forward else more
        self.next_key = self._key(rows[-1]) if has_next and rows else None
        self.previous_key = self._key(rows[0]) if has_previous and rows else None
        return rows

    def links(self) -> tuple[str | None, str | None]:
        """The `(next, previous)` page URLs of the page just read (None at either end)."""
        return self._link("next", self.next_key), self._link("previous", self.previous_key)

    def _beyond(self, key: list[Any], *, greater: bool) -> Q:
        """Rows strictly after `key` in (names...) order, lexicographically."""
        op = "gt" if greater else "lt"
        condition = Q(**{f"{self.names[-1]}__{op}": key[-1]})
        for name, value in zip(self.names[-2::-1], key[-2::-1], strict=True):
            condition = Q(**{f"{name}__{op}": value}) | (Q(**{name: value}) & condition)
        return condition

    def _key(self, row: Any) -> list[Any]:
        return [getattr(row, name) for name in self.names]

    @staticmethod
    def _decode_key(cursor: str | None, size: int) -> tuple[str, list[Any] | None]:
        if not cursor:
            return "next", None
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            data = json.loads(raw)
            direction, key = data["d"], data["k"]
            valid = (
                direction in ("next", "previous")
                and isinstance(key, list)
                and len(key) == size
                and all(_is_key_part(part) for part in key)
                and type(key[-1]) is int
            )
        except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
            valid = False
        if not valid:
            raise ValidationError(
                {"cursor": ["invalid cursor for this sort: use the next or previous link"]}
            )
        return direction, key


def _flip(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


def _is_key_part(part: Any) -> bool:
    if type(part) is int:
        return 0 <= part <= 2**63 - 1
    return type(part) is float and math.isfinite(part) and part >= 0
