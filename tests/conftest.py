from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.processes import free_port
from tests.services import port_open, require_redis_server


@pytest.fixture(scope="session")
def own_redis(tmp_path_factory) -> Iterator[str]:
    """A Redis server this test session starts itself on a free loopback port.

    Tests never touch a Redis they did not start: a user's Redis at the default address
    (or at REDIS_URL) keeps every key it holds.
    """
    binary = require_redis_server()
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
        + ["--dir", str(workdir), "--databases", "16"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 10
    while not port_open("127.0.0.1", port, timeout=0.2):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"redis-server did not start on port {port}", pytrace=False)
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def redis_url(own_redis: str) -> Iterator[str]:
    """A db index of the session's own Redis, empty at the start and end of the test."""
    import redis

    url = f"{own_redis}/{2 + os.getpid() % 14}"
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


@pytest.fixture(autouse=True)
def _login_counts_stay_in_this_process(request):
    """CI exports REDIS_URL, which the `login` cache would use: tests keep it in memory."""
    if request.config.pluginmanager.hasplugin("django"):
        settings = request.getfixturevalue("settings")
        settings.CACHES = {
            **settings.CACHES,
            "login": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        }
