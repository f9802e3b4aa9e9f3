"""Where a run's next slice or evaluation executes: Celery workers or an in-process pool.

The executor only enqueues and imports no service. With a broker, tasks are sent by
name to SIMENGINE_CELERY_QUEUE; without one, the callables registered under those names
at app start (see runs_app.apps) run in bounded thread pools inside this process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from celery import current_app
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

SLICE_TASK = "runs.run_slice"
EVALUATION_TASK = "runs.evaluate_run"
WATCHDOG_TASK = "runs.watchdog"
EVALUATION_THREADS = 2  # evaluations wait for models; they must not hold run slices back

# Per task: the thread-name prefix of its in-process pool and what a failure logs.
_IN_PROCESS = {
    SLICE_TASK: ("simengine-run", "slice of run %s failed"),
    EVALUATION_TASK: ("simengine-evaluate", "automatic evaluation of run %s failed"),
    WATCHDOG_TASK: ("simengine-watchdog", "watchdog sweep %s failed"),
}
_handlers: dict[str, Callable[..., object]] = {}
_pools: dict[str, ThreadPoolExecutor] = {}
_pool_lock = threading.Lock()


def register_in_process(task_name: str, handler: Callable[..., object]) -> None:
    """Name the callable the in-process pool runs for `task_name` when no broker is set."""
    _handlers[task_name] = handler


def enqueue_slice(run_id: int, token: str | None = None) -> None:
    """Schedule the next slice of a run (with its lease token); call it from on_commit."""
    _enqueue(SLICE_TASK, (run_id,) if token is None else (run_id, token))


def enqueue_evaluation(run_id: int) -> None:
    """Evaluate a completed run in the background; call it from `transaction.on_commit`."""
    _enqueue(EVALUATION_TASK, (run_id,))


def enqueue_watchdog(token: str, *, countdown: float = 0) -> None:
    """Schedule the watchdog's next sweep (`token` names its chain) in `countdown` s."""
    _enqueue(WATCHDOG_TASK, (token,), countdown=countdown)


def _enqueue(task_name: str, args: tuple[object, ...], *, countdown: float = 0) -> None:
    if settings.SIMENGINE_EXECUTOR == "celery":
        queue = settings.SIMENGINE_CELERY_QUEUE
        if countdown:
            current_app.send_task(task_name, args=args, queue=queue, countdown=countdown)
        else:
            current_app.send_task(task_name, args=args, queue=queue)
        return
    handler = _handlers.get(task_name)
    if handler is None:
        raise LookupError(f"no in-process handler registered for task {task_name!r}")
    if countdown:
        timer = threading.Timer(countdown, _submit, (task_name, handler, args))
        timer.daemon = True
        timer.start()
        return
    _submit(task_name, handler, args)


def _submit(task_name: str, handler: Callable[..., object], args: tuple[object, ...]) -> None:
    _pool(task_name).submit(_call_in_thread, task_name, handler, args)


def _pool(task_name: str) -> ThreadPoolExecutor:
    with _pool_lock:
        if task_name not in _pools:
            threads = {EVALUATION_TASK: EVALUATION_THREADS, WATCHDOG_TASK: 1}.get(
                task_name, settings.SIMENGINE_MAX_CONCURRENT_RUNS + 2
            )
            _pools[task_name] = ThreadPoolExecutor(
                max_workers=threads, thread_name_prefix=_IN_PROCESS[task_name][0]
            )
        return _pools[task_name]


def _call_in_thread(
    task_name: str, handler: Callable[..., object], args: tuple[object, ...]
) -> None:
    try:
        handler(*args)
    except Exception:
        logger.exception(_IN_PROCESS[task_name][1], args[0])
    finally:
        connections.close_all()
