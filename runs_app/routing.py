"""WebSocket routes: a run's live console."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.urls import path

from runs_app import consumers

if TYPE_CHECKING:
    from channels.consumer import _ASGIApplicationProtocol
    from channels.routing import URLRouter, _ExtendedURLPattern


def _consumer_path(route: str, consumer: _ASGIApplicationProtocol) -> _ExtendedURLPattern:
    # Channels routes ASGI apps through Django's `path()`, whose stubs accept views only.
    return cast("_ExtendedURLPattern", path(route, cast(Any, consumer)))


websocket_urlpatterns: list[_ExtendedURLPattern | URLRouter] = [
    _consumer_path("ws/runs/<int:run_id>/", consumers.RunConsumer.as_asgi()),
]
