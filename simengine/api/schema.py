"""OpenAPI generation: every operation documents the errors it can answer with."""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc

from simengine.api.errors import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `errors` lists each problem with its path.",
    "401": "Authentication credentials were missing or invalid.",
    "403": "Authenticated, but not allowed (staff only).",
    "404": "No such object.",
    "409": "The object's current state does not allow this (the reason is in `detail`).",
    "415": "Unsupported media type.",
}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema plus the 400/401/404/409 answers our views give."""

    # drf-spectacular drops ViewInspector's (path, method) arguments; its own
    # definition carries the same ignore.
    def get_description(self) -> str:  # type: ignore[override]
        """An operation's own description only: view class docstrings are notes for maintainers."""
        method = getattr(self.view, getattr(self.view, "action", self.method.lower()), None)
        return get_doc(method)

    def get_override_parameters(self) -> list[Any]:
        parameters = super().get_override_parameters()
        filters = getattr(self.view, "filter_serializer_class", None)
        if filters is not None and self.method == "GET":
            return [filters, *parameters]
        return parameters

    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        codes = ["400", "401"]
        if getattr(self.view, "staff_only", False):
            codes.append("403")
        if "{" in self.path or getattr(self.view, "may_be_missing", False):
            codes.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")
        if self.method != "GET" and getattr(self.view, "may_conflict", False):
            codes.append("409")
        # A file endpoint (HTML, JSON lines) still answers its errors as JSON.
        media = ["application/json"] if getattr(self.view, "errors_as_json", False) else None
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, media_types=media
                )
                responses[code]["description"] = ERROR_DESCRIPTIONS[code]
        return responses
