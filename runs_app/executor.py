"""Where a run's next slice executes: Celery workers when a broker is set, else a thread pool."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

_pool: ThreadPoolExecutor | None = None
_evaluation_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
EVALUATION_THREADS = 2  # evaluations wait for models; they must not hold run slices back


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


def enqueue_evaluation(run_id: int) -> None:
    """Evaluate a completed run in the background; call it from `transaction.on_commit`."""
    if settings.SIMENGINE_EXECUTOR == "celery":
        from runs_app.tasks import evaluate_run

        evaluate_run.apply_async(args=(run_id,), queue=settings.SIMENGINE_CELERY_QUEUE)
    else:
        _evaluation_threads().submit(_evaluate_in_thread, run_id)


def _evaluation_threads() -> ThreadPoolExecutor:
    global _evaluation_pool
    with _pool_lock:
        if _evaluation_pool is None:
            _evaluation_pool = ThreadPoolExecutor(
                max_workers=EVALUATION_THREADS, thread_name_prefix="simengine-evaluate"
            )
        return _evaluation_pool


def _evaluate_in_thread(run_id: int) -> None:
    from runs_app.services.evaluation import evaluation_auto

    try:
        evaluation_auto(run_id)
    except Exception:
        logger.exception("automatic evaluation of run %s failed", run_id)
    finally:
        connections.close_all()
