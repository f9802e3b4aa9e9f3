"""WebSocket consumers: authorise, join the run's group, forward its payloads.

A console that sends `{"type": "catch_up", "since": <step>}` also receives, after that and
after every payload, the HTML fragments it is missing since that step (read from the
database, so a reconnecting page loses nothing).
"""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from runs_app.broadcast import register_consumer_loop, run_group_name
from runs_app.models import Run
from runs_app.views.live import LiveCursor, live_update

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


class RunConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.run_id = int(self.scope["url_route"]["kwargs"]["run_id"])
        if not await database_sync_to_async(Run.objects.filter(pk=self.run_id).exists)():
            await self.close(code=CLOSE_NOT_FOUND)
            return
        register_consumer_loop(asyncio.get_running_loop())
        self.group = run_group_name(self.run_id)
        self.cursor = None
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: dict, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "catch_up":
            try:
                since = max(0, int(content.get("since", 0)))
            except (TypeError, ValueError):
                since = 0
            self.cursor = LiveCursor(step=since)
            await self._push_fragments()

    async def run_tick(self, event: dict) -> None:
        await self.send_json(event)
        if self.cursor is not None and int(event.get("step", 0)) > self.cursor.step:
            await self._push_fragments()

    async def run_status(self, event: dict) -> None:
        await self.send_json(event)
        await self._push_fragments()

    async def _push_fragments(self) -> None:
        if self.cursor is None:
            return
        html, self.cursor = await database_sync_to_async(live_update)(self.run_id, self.cursor)
        await self.send(text_data=html)
