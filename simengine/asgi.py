"""ASGI entry point: HTTP through Django (MCP at /mcp/), WebSockets through Channels routes."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simengine.settings")

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from runs_app.mcp.http import with_mcp  # noqa: E402
from runs_app.routing import websocket_urlpatterns  # noqa: E402
from runs_app.startup import resume_in_process_runs  # noqa: E402

resume_in_process_runs()

application = ProtocolTypeRouter(
    {
        "http": with_mcp(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
