"""Where a run's next slice executes: Celery workers when a broker is set, else a thread pool."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def enqueue_slice(run_id: int) -> None:
    """Schedule the next slice of a run; call it from `transaction.on_commit`."""
    if settings.SIMENGINE_EXECUTOR == "celery":
        from runs_app.tasks import run_slice

        run_slice.apply_async(args=(run_id,), queue=settings.SIMENGINE_CELERY_QUEUE)
    else:
        _thread_pool().submit(_run_slice_in_thread, run_id)


def _thread_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=settings.SIMENGINE_MAX_CONCURRENT_RUNS + 2,
                thread_name_prefix="simengine-run",
            )
        return _pool


def _run_slice_in_thread(run_id: int) -> None:
    from runs_app.services.execution import execute_slice

    try:
        execute_slice(run_id)
    except Exception:
        logger.exception("slice of run %s failed", run_id)
    finally:
        connections.close_all()
