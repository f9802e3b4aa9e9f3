"""MCP tests: the SDK's own client against real server processes (stdio and Daphne).

The server processes use the embedded executor (no broker) and the test's database, so a
run started through a tool executes in the server process, as it would for a user.
"""

from __future__ import annotations

import os

import pytest
from rest_framework.authtoken.models import Token

from tests.runs_app.factories import small_flood_version

# The scenario drives the client from asyncio while the test reads the database.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SERVER_ENV = {
    "REDIS_URL": "",
    "CELERY_BROKER_URL": "",
    "OLLAMA_HOST": "http://127.0.0.1:9",
    "SIMENGINE_SLICE_TICKS": "2",
}


@pytest.fixture
def researcher(transactional_db, django_user_model):
    return django_user_model.objects.create_user("researcher", "r@example.org", "mcp-pass-7")


@pytest.fixture
def token(researcher) -> str:
    return Token.objects.create(user=researcher).key


@pytest.fixture
def flood(researcher):
    """The researcher's flood of four offline agents with no end condition but its tick limit."""
    return small_flood_version(max_ticks=400, name="MCP flood", user=researcher)
