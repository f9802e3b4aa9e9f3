from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from kombu import pools as kombu_pools

from simengine.celery import app as celery_app
from tests.processes import RedisServer
from tests.services import require_redis_server

FAST_REDELIVERY = {
    "SIMENGINE_VISIBILITY_TIMEOUT": "10",
    "SIMENGINE_UNACKED_RESTORE_INTERVAL": "1",
    "SIMENGINE_UNACKED_RESTORE_THROTTLE": "1",
}


@dataclass(frozen=True)
class Broker:
    url: str
    queue: str
    worker_env: dict[str, str]


@pytest.fixture
def celery_broker(redis_url: str, settings) -> Iterator[Broker]:
    """Runs in this test go to Celery workers on a private Redis db and queue."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    saved = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    celery_app.conf["broker_url"] = redis_url
    celery_app.conf["broker_transport_options"] = {"visibility_timeout": 10}
    _forget_connections()
    settings.SIMENGINE_EXECUTOR = "celery"
    settings.SIMENGINE_CELERY_QUEUE = queue
    yield Broker(url=redis_url, queue=queue, worker_env=dict(FAST_REDELIVERY))
    celery_app.conf["broker_url"], celery_app.conf["broker_transport_options"] = saved
    _forget_connections()


@pytest.fixture
def restartable_redis(tmp_path) -> Iterator[RedisServer]:
    """A Redis of this test's own (not started yet) that the test stops and restarts."""
    server = RedisServer(require_redis_server(), tmp_path)
    yield server
    server.stop()


@pytest.fixture
def outage_broker(restartable_redis: RedisServer, settings) -> Iterator[Broker]:
    """Runs go to Celery workers through `restartable_redis`, with short leases."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    saved = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    celery_app.conf["broker_url"] = restartable_redis.url
    celery_app.conf["broker_transport_options"] = {"visibility_timeout": 10}
    _forget_connections()
    settings.SIMENGINE_EXECUTOR = "celery"
    settings.SIMENGINE_CELERY_QUEUE = queue
    settings.SIMENGINE_RUN_LEASE_SECONDS = 5
    env = {
        **FAST_REDELIVERY,
        "SIMENGINE_RUN_LEASE_SECONDS": "5",
        "SIMENGINE_WATCHDOG_INTERVAL": "2",
    }
    yield Broker(url=restartable_redis.url, queue=queue, worker_env=env)
    celery_app.conf["broker_url"], celery_app.conf["broker_transport_options"] = saved
    _forget_connections()


def _forget_connections() -> None:
    """Drop cached broker connections so the next send uses the current broker URL."""
    kombu_pools.reset()
    celery_app._pool = None  # type: ignore[attr-defined]  # Celery's private connection caches
    celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]
