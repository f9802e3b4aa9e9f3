"""The fleet's state for the system page and `GET /api/system/`.

Celery workers (a ping with a short timeout), the queue's length in Redis, runs running and
queued against SIMENGINE_MAX_CONCURRENT_RUNS, LLM slots in use and waiting per model server
(read from the shared limiter), each provider's reachability and models, and whether the
database and Redis answer. Every check has its own timeout and all of them run at once
under one deadline, so a dead worker, a stopped Redis or a silent model server shows as
such within a few seconds and never turns into an error page. The result is cached for a
few seconds per process, so a page polled by many people costs one round of checks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from celery import current_app
from django.conf import settings
from django.db import connection, connections
from django.db.models import Count
from django.utils import timezone

from runs_app.models import Run, RunStatus
from runs_app.services.decisions import llm_settings
from simengine.llm.health import provider_statuses
from simengine.llm.limits import local_limiter, slot_usage

CHECK_TIMEOUT = 1.0  # seconds for each network round trip (Redis, Celery ping)
DEADLINE = 4.0  # seconds for every check together
CACHE_SECONDS = 3.0
# kombu's Redis transport keeps one list per queue and priority step: "name", "name\x06\x163"...
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")

_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="simengine-system")
_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()
_ping_in_flight: Future[Any] | None = None


def redacted(url: str) -> str:
    """A URL without its password, for showing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def system_status(*, fresh: bool = False) -> dict[str, Any]:
    """Everything the system page shows (cached for `CACHE_SECONDS` unless `fresh`)."""
    with _cache_lock:
        cached = _cache.get("status")
        if not fresh and cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
    status = _collect()
    with _cache_lock:
        _cache["status"] = (time.monotonic(), status)
    return status


def _collect() -> dict[str, Any]:
    started = time.monotonic()
    broker = settings.CELERY_BROKER_URL
    redis_url = settings.REDIS_URL or broker
    providers = _pool.submit(_providers)
    redis_check = _pool.submit(_redis, redis_url) if redis_url else None
    database = _database()
    runs = _runs() if database["ok"] else None
    redis_state = _wait(redis_check, started) if redis_check else None
    workers, queue = _workers_and_queue(broker, redis_state, started)
    provider_list = _wait(providers, started)
    slots = _slots(provider_list.get("providers", []), redis_url, redis_state)
    return {
        "checked_at": timezone.now().isoformat(),
        "check_ms": round((time.monotonic() - started) * 1000, 1),
        "executor": settings.SIMENGINE_EXECUTOR,
        "database": database,
        "redis": redis_state
        or {"configured": False, "ok": None, "message": "not configured: embedded mode"},
        "workers": workers,
        "queue": queue,
        "runs": runs,
        "llm_slots": slots,
        "providers": provider_list.get("providers", []),
        "providers_error": provider_list.get("error"),
    }


def _wait(future: Future[Any], started: float) -> dict[str, Any]:
    left = max(0.1, DEADLINE - (time.monotonic() - started))
    try:
        result: dict[str, Any] = future.result(timeout=left)
        return result
    except FutureTimeout:
        return {"ok": False, "error": f"no answer within {DEADLINE:g} s"}
    except Exception as exc:  # a check must report, never break the page
        return {"ok": False, "error": f"check failed: {exc!r}"}


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor, "message": f"{connection.vendor} answers"}
    except Exception as exc:  # any driver error means "not reachable" here
        return {"ok": False, "vendor": connection.vendor, "message": f"unreachable: {exc}"}


def _runs() -> dict[str, Any]:
    counts = dict(
        Run.objects.filter(
            status__in=[RunStatus.RUNNING, RunStatus.STOPPING, RunStatus.QUEUED, RunStatus.PAUSED]
        )
        .values_list("status")
        .annotate(n=Count("id"))
    )
    executing = counts.get(RunStatus.RUNNING, 0) + counts.get(RunStatus.STOPPING, 0)
    return {
        "running": executing,
        "queued": counts.get(RunStatus.QUEUED, 0),
        "paused": counts.get(RunStatus.PAUSED, 0),
        "max_concurrent": settings.SIMENGINE_MAX_CONCURRENT_RUNS,
    }


def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT
    )


def _redis(url: str) -> dict[str, Any]:
    client = _client(url)
    try:
        info = client.info("server")
        version = info.get("redis_version", "?")
        return {
            "configured": True,
            "ok": True,
            "url": redacted(url),
            "message": f"Redis {version} answers",
        }
    except redis.RedisError as exc:
        return {"configured": True, "ok": False, "url": redacted(url), "message": str(exc)}
    finally:
        client.close()


def _workers_and_queue(
    broker: str, redis_state: dict[str, Any] | None, started: float
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    if settings.SIMENGINE_EXECUTOR != "celery":
        workers = {
            "mode": "in-process",
            "ok": True,
            "alive": [],
            "message": "no broker configured: runs execute in this web process's thread pool",
        }
        return workers, None
    queue_name = settings.SIMENGINE_CELERY_QUEUE
    if not redis_state or not redis_state.get("ok"):
        message = "the broker is unreachable, so no worker can be asked"
        workers = {"mode": "celery", "ok": False, "alive": [], "message": message}
        return workers, {"name": queue_name, "length": None, "message": message}
    ping = _pool_ping()
    answered = _wait(ping, started)
    if "error" in answered:
        workers = {"mode": "celery", "ok": False, "alive": [], "message": answered["error"]}
    else:
        alive = answered["alive"]
        message = (
            f"{len(alive)} worker{'s' if len(alive) != 1 else ''} answered"
            if alive
            else f"no worker answered a ping within {CHECK_TIMEOUT:g} s"
        )
        workers = {"mode": "celery", "ok": bool(alive), "alive": alive, "message": message}
    return workers, _queue(broker, queue_name)


def _pool_ping() -> Future[Any]:
    """One ping in flight at a time: a slow broker must not pile up threads."""
    global _ping_in_flight
    with _cache_lock:
        if _ping_in_flight is None or _ping_in_flight.done():
            _ping_in_flight = _pool.submit(_ping)
        return _ping_in_flight


def _ping() -> dict[str, Any]:
    replies = current_app.control.ping(timeout=CHECK_TIMEOUT) or []
    alive = sorted(name for reply in replies for name in reply)
    return {"alive": alive}


def _queue(broker: str, name: str) -> dict[str, Any]:
    client = _client(broker)
    try:
        pipe = client.pipeline(transaction=False)
        for suffix in PRIORITY_SUFFIXES:
            pipe.llen(name + suffix)
        length = sum(int(n) for n in pipe.execute())
        return {"name": name, "length": length, "message": f"{length} task(s) waiting"}
    except redis.RedisError as exc:
        return {"name": name, "length": None, "message": f"cannot read the queue: {exc}"}
    finally:
        client.close()


def _providers() -> dict[str, Any]:
    try:
        statuses = provider_statuses(llm_settings())
    finally:
        connections.close_all()  # this thread's own connections, if anything opened one
    return {
        "providers": [
            {
                "name": s.name,
                "ok": s.reachable,
                "message": s.message,
                "models": list(s.models),
                "servers": [{"name": n, "slots": c} for n, c in s.servers],
            }
            for s in statuses
        ]
    }


def _slots(
    providers: list[dict[str, Any]], redis_url: str, redis_state: dict[str, Any] | None
) -> dict[str, Any]:
    servers = [(srv["name"], srv["slots"]) for p in providers for srv in p["servers"]]
    if not redis_url:
        rows = [_local_row(name, slots) for name, slots in servers]
        return {"shared": False, "servers": rows, "message": "per process (no Redis)"}
    if not redis_state or not redis_state.get("ok"):
        return {
            "shared": True,
            "servers": [
                {"name": n, "slots": c, "in_use": None, "waiting": None} for n, c in servers
            ],
            "message": "Redis is unreachable: slot use unknown",
        }
    usage = _guarded(lambda: slot_usage(redis_url, [n for n, _ in servers]))
    if isinstance(usage, str):
        return {"shared": True, "servers": [], "message": usage}
    rows = [
        {"name": u.name, "slots": count, "in_use": u.in_use, "waiting": u.waiting}
        for u, (_, count) in zip(usage, servers, strict=True)
    ]
    return {"shared": True, "servers": rows, "message": "shared by every process"}


def _local_row(name: str, slots: int) -> dict[str, Any]:
    limiter = local_limiter(name, slots)
    return {"name": name, "slots": slots, "in_use": limiter.in_use, "waiting": limiter.waiting}


def _guarded(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except (redis.RedisError, OSError) as exc:
        return f"cannot read the limiter: {exc}"
