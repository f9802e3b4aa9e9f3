"""WebSocket consumers: authorise, join the run's group, forward its payloads.

A socket also joins its login session's group, so logging out closes it at once (a
`session.ended` payload); a session that expires closes it within `SESSION_CHECK_SECONDS`.

Payloads are the `TypedDict`s of `runs_app.broadcast`; each handler is named after a
payload `type` and sends it on unchanged. A console that sends `{"type": "catch_up",
"since": <step>}` also receives, after that and after every payload, the HTML fragments it
is missing since that step (rendered by `runs_app.services.live` from the database, so a
reconnecting page loses nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from redis.exceptions import RedisError

from runs_app.broadcast import (
    RunControlPayload,
    RunEvaluatedPayload,
    RunStatusPayload,
    RunTickPayload,
    SessionEndedPayload,
    register_consumer_loop,
    run_group_name,
    session_group_name,
)
from runs_app.selectors import run_exists, session_is_signed_in
from runs_app.services.live import LiveCursor, live_update

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
# The channel layer (Redis) cannot be reached now: the page reconnects later. (Not RFC 6455's
# 1013: Daphne's Autobahn sends only 1000 and 3000-4999, and drops any other close code.)
CLOSE_TRY_AGAIN_LATER = 4503
CLOSE_WAIT_SECONDS = 10.0

logger = logging.getLogger(__name__)
# How often an open socket checks that its login session still exists (expiry, deletion).
SESSION_CHECK_SECONDS = 60.0


class RunConsumer(AsyncJsonWebsocketConsumer):
    """One browser watching one run (`/ws/runs/<run_id>/`)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Serve the socket; if Redis becomes unreachable, end it with a close code, not 1011.

        The layer's own receive loop fails too when Redis is down (before or after the
        socket joined its groups): that ends this socket cleanly, and the page reconnects.
        """
        try:
            await super().__call__(scope, receive, send)
        except RedisError as exc:
            logger.warning("a run socket closed, the channel layer is unreachable: %s", exc)
            if not getattr(self, "closing_for_layer", False):
                await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER})
            # Stay until the client has the close frame (the server drops it if we leave).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_WAIT_SECONDS):
                    while (await receive())["type"] != "websocket.disconnect":
                        pass

    async def connect(self) -> None:
        """Refuse anonymous users and runs they may not read; join the run's group."""
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.run_id = int(self.scope["url_route"]["kwargs"]["run_id"])
        # A run the user may not read is refused exactly like a missing one.
        if not await database_sync_to_async(run_exists)(pk=self.run_id, user=user):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        register_consumer_loop(asyncio.get_running_loop())
        self.cursor: LiveCursor | None = None
        try:
            await self._join_groups()
        except RedisError as exc:
            # Redis is down (its restarts are retried by the layer's connections): accept
            # and close with a code the page understands, never an HTTP 500.
            logger.warning(
                "run %s: socket closed, the channel layer is unreachable: %s", self.run_id, exc
            )
            self.closing_for_layer = True
            await self.accept()
            await self.close(code=CLOSE_TRY_AGAIN_LATER)
            return
        await self.accept()

    async def _join_groups(self) -> None:
        """Join the run's group and the login session's (logout closes the socket at once)."""
        group = run_group_name(self.run_id)
        await self.channel_layer.group_add(group, self.channel_name)
        self.group = group
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if session_key:
            # Logout closes this socket at once (`session.ended`); expiry within a check.
            session_group = session_group_name(session_key)
            await self.channel_layer.group_add(session_group, self.channel_name)
            self.session_group = session_group
            self.session_watch = asyncio.create_task(self._watch_session(session_key))

    async def disconnect(self, code: int) -> None:
        """Leave the run's and the session's groups (their entries expire if Redis is down)."""
        if hasattr(self, "session_watch"):
            self.session_watch.cancel()
        try:
            if hasattr(self, "group"):
                await self.channel_layer.group_discard(self.group, self.channel_name)
            if hasattr(self, "session_group"):
                await self.channel_layer.group_discard(self.session_group, self.channel_name)
        except RedisError as exc:
            logger.warning("could not leave the socket's groups: %s", exc)

    async def session_ended(self, event: SessionEndedPayload) -> None:
        """The login session ended (logout): close; the page does not reconnect on 4401."""
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def _watch_session(self, session_key: str) -> None:
        """Close the socket once its session has expired or was deleted (checked periodically)."""
        while True:
            await asyncio.sleep(SESSION_CHECK_SECONDS)
            if not await database_sync_to_async(session_is_signed_in)(session_key):
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """`catch_up`: from now on, also send the fragments missed since `since`."""
        if isinstance(content, dict) and content.get("type") == "catch_up":
            try:
                since = max(0, int(content.get("since", 0)))
            except (TypeError, ValueError):
                since = 0
            self.cursor = LiveCursor(step=since)
            await self._push_fragments()

    async def run_tick(self, event: RunTickPayload) -> None:
        """Forward a committed tick (and the fragments it brings to a catching-up page)."""
        await self.send_json(event)
        if self.cursor is not None and int(event.get("step", 0)) > self.cursor.step:
            await self._push_fragments()

    async def run_status(self, event: RunStatusPayload) -> None:
        """Forward a status change (and the redrawn fragments)."""
        await self.send_json(event)
        await self._push_fragments()

    async def run_control(self, event: RunControlPayload) -> None:
        """Forward a queued control (and the redrawn fragments: pending controls, timeline)."""
        await self.send_json(event)
        await self._push_fragments()

    async def run_evaluated(self, event: RunEvaluatedPayload) -> None:
        """Forward a new evaluation (and the redrawn evaluation panel)."""
        await self.send_json(event)
        await self._push_fragments()

    async def _push_fragments(self) -> None:
        if self.cursor is None:
            return
        html, self.cursor = await database_sync_to_async(live_update)(self.run_id, self.cursor)
        await self.send(text_data=html)
