"""Slow views (they wait for a model) off the ASGI server's one shared thread for sync code.

Under Daphne, Django runs every sync view in a single shared thread, so a view waiting a
minute for a model would stall the whole console. Wrapped views run in a worker thread
instead; under WSGI (and the test client) nothing changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def off_the_shared_thread(view: View) -> Callable[..., Any]:
    """An async view that runs the sync `view` in its own worker thread when served by ASGI."""

    def closing(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        finally:
            connections.close_all()  # the worker thread's own connections

    @functools.wraps(view)
    async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if isinstance(request, ASGIRequest):
            return await sync_to_async(closing, thread_sensitive=False)(request, *args, **kwargs)
        return await sync_to_async(view)(request, *args, **kwargs)

    return wrapper
