"""Reaching the real services tests rely on (Redis, PostgreSQL, Chromium).

Outside CI a missing service skips the test; under CI=true it fails, so a broken
machine never passes silently.
"""

from __future__ import annotations

import os
import shutil
import socket
from typing import NoReturn

import pytest

CHROMIUM_PATH = os.environ.get("SIMENGINE_CHROMIUM", "/usr/bin/chromium")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(what: str) -> NoReturn:
    """Skip, or fail under CI, because `what` is missing."""
    if in_ci():
        pytest.fail(f"{what} is required under CI=true but is not available", pytrace=False)
    pytest.skip(f"{what} is not available")


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def redis_server_path() -> str | None:
    """The `redis-server` binary tests start their own Redis with, if there is one."""
    return os.environ.get("SIMENGINE_REDIS_SERVER") or shutil.which("redis-server")


def require_redis_server() -> str:
    path = redis_server_path()
    if not path:
        unavailable("redis-server (tests start their own Redis on a free port)")
    return path


def require_chromium() -> str:
    if not (os.path.exists(CHROMIUM_PATH) or shutil.which("chromium")):
        unavailable(f"Chromium at {CHROMIUM_PATH}")
    return CHROMIUM_PATH
