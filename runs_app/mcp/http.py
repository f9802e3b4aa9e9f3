"""Streamable HTTP at /mcp/ in the ASGI app, behind the REST API's token authentication.

`Authorization: Token <key>` (as the API) or `Bearer <key>` (as MCP clients send it), with
a key of DRF's token table: anything else answers 401 before the MCP transport sees the
request. The transport is stateless, so several web processes can serve one client. Daphne
sends no ASGI lifespan events, so the SDK's session manager is started on the first request
and lives as long as the process.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from rest_framework.authtoken.models import Token

from runs_app.mcp.context import USER_SCOPE_KEY
from runs_app.mcp.server import build_server

PATH = "/mcp/"
Scope = dict[str, Any]
ASGIApp = Any
SCHEMES = {"token", "bearer"}


def _user_id_for(key: str) -> int | None:
    """The id of the active user whose API token is `key` (None for any other key)."""
    close_old_connections()
    try:
        token = Token.objects.select_related("user").filter(key=key).first()
    finally:
        connections.close_all()  # this thread's connection, as a request would
    if token is None or not token.user.is_active:
        return None
    return token.user.pk


def _bearer_key(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").strip().partition(" ")
            if scheme.lower() in SCHEMES and key.strip():
                return key.strip()
    return None


async def _refuse(send: Any, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"www-authenticate", b'Token realm="simengine"'),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class McpHttpApp:
    """The ASGI app answering /mcp/: token check, then the SDK's streamable HTTP transport."""

    def __init__(self) -> None:
        server = build_server()
        server.streamable_http_app(
            streamable_http_path=PATH,
            json_response=False,
            # No session state in this process: any web process (or machine) can answer any
            # request, as for the REST API. Progress still streams on each call's response.
            stateless_http=True,
            # Every request carries an API token, which a page's script cannot send from
            # another origin, so the SDK's Host/Origin allow-list is not needed here.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        self.manager: StreamableHTTPSessionManager = server.session_manager
        self._ready: asyncio.Event | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        """Answer 401 without a valid token; else hand the request to the MCP transport."""
        key = _bearer_key(scope)
        if key is None:
            await _refuse(send, "Authentication credentials were not provided.")
            return
        user_id = await sync_to_async(_user_id_for, thread_sensitive=False)(key)
        if user_id is None:
            await _refuse(send, "Invalid token.")
            return
        principal = AuthenticatedUser(AccessToken(token=key, client_id=str(user_id), scopes=[]))
        scope = {**scope, "user": principal, USER_SCOPE_KEY: user_id}
        await self._start()
        await self.manager.handle_request(scope, receive, send)

    async def _start(self) -> None:
        """Run the session manager in a task of its own the first time, then wait until ready."""
        if self._ready is None:
            self._ready = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._serve(self._ready))
        await self._ready.wait()

    async def _serve(self, ready: asyncio.Event) -> None:
        async with self.manager.run():
            ready.set()
            await asyncio.Event().wait()  # until the process ends


def with_mcp(django_app: ASGIApp) -> ASGIApp:
    """`django_app`, with HTTP requests to /mcp/ (and /mcp) answered by the MCP transport."""
    mcp_app = McpHttpApp()

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] in (PATH, PATH.rstrip("/")):
            await mcp_app(scope, receive, send)
        else:
            await django_app(scope, receive, send)

    return app
