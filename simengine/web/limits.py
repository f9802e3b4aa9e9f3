"""The request-size cap: a body larger than `SIMENGINE_MAX_REQUEST_BYTES` answers 413 at once.

Django's own `DATA_UPLOAD_MAX_MEMORY_SIZE` counts form fields only (not uploaded files) and
answers a bare 400; this middleware refuses any body by its declared length before a view,
a form parser or DRF reads it, with a message naming the limit (JSON under `/api/`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


def too_large_message(size: int, limit: int) -> str:
    """The sentence a user reads when a request body is over the limit."""
    return (
        f"The request body is {size:,} bytes, larger than the limit of {limit:,} bytes "
        f"(SIMENGINE_MAX_REQUEST_BYTES); scenario files may be at most "
        f"{settings.SIMENGINE_MAX_SCENARIO_BYTES:,} bytes."
    )


class RequestSizeLimitMiddleware:
    """Answers 413 to a request whose Content-Length is over `SIMENGINE_MAX_REQUEST_BYTES`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Refuse an oversized body by its declared length; pass everything else on."""
        limit = settings.SIMENGINE_MAX_REQUEST_BYTES
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        if size <= limit:
            return self.get_response(request)
        message = too_large_message(size, limit)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": message, "errors": [{"path": "(body)", "message": message}]},
                status=413,
            )
        response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        # The body was not read: the client must not reuse the connection mid-upload.
        response["Connection"] = "close"
        return response
