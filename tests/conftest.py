from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlparse, urlunparse

import pytest

from tests.services import require_redis


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis URL on a db index of this test process's own, flushed before and after the test.

    The index comes from the process id, so test processes running side by side on one
    machine (and CI's own use of db 0) do not flush each other's keys.
    """
    import redis

    base = urlparse(require_redis())
    url = urlunparse(base._replace(path=f"/{2 + os.getpid() % 14}"))
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def ci_env() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _runs_execute_in_threads_unless_a_test_says_otherwise(request):
    """CI exports REDIS_URL; tests that want Celery workers opt in explicitly."""
    if request.config.pluginmanager.hasplugin("django"):
        request.getfixturevalue("settings").SIMENGINE_EXECUTOR = "thread"
