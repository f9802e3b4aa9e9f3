from __future__ import annotations

import os
from urllib.parse import urlparse, urlunparse

import pytest

from tests.services import require_redis


@pytest.fixture
def redis_url() -> str:
    """A Redis URL on a db index of its own (15), flushed before and after the test."""
    import redis

    base = urlparse(require_redis())
    url = urlunparse(base._replace(path="/15"))
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
