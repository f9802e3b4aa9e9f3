"""`python manage.py mcp --user NAME`: the MCP server over stdio, for desktop assistants.

Every tool call acts as that user (the same user the REST API would see with their
token). Runs started here execute like any other: on the Celery workers when a broker is
configured, else in this process's thread pool while it serves.
"""

from __future__ import annotations

from typing import Any

import anyio
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from runs_app.mcp.server import build_server


class Command(BaseCommand):
    """The `mcp` management command."""

    help = "Serve simengine's MCP tools and resources over stdio, acting as --user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user", required=True, metavar="NAME", help="username every tool call acts as"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None or not user.is_active:
            raise CommandError(f"no active user named {options['user']!r}")
        server = build_server(user_id=user.pk)
        anyio.run(server.run_stdio_async)
