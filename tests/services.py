"""Reaching the real services tests rely on (Redis, PostgreSQL, Chromium).

Outside CI a missing service skips the test; under CI=true it fails, so a broken
machine never passes silently.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

CHROMIUM_PATH = os.environ.get("SIMENGINE_CHROMIUM", "/usr/bin/chromium")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(what: str) -> None:
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


def redis_base_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis() -> str:
    url = urlparse(redis_base_url())
    if not port_open(url.hostname or "127.0.0.1", url.port or 6379):
        unavailable(f"Redis at {redis_base_url()}")
    return redis_base_url()


def require_chromium() -> str:
    if not (os.path.exists(CHROMIUM_PATH) or shutil.which("chromium")):
        unavailable(f"Chromium at {CHROMIUM_PATH}")
    return CHROMIUM_PATH
