"""Celery tasks: an id in, one service call out.

Callers never import these: they enqueue by name through runs_app.executor.
"""

from celery import Task, shared_task

from runs_app.executor import EVALUATION_TASK, SLICE_TASK, WATCHDOG_TASK
from runs_app.services.evaluation import evaluation_auto
from runs_app.services.execution import TRANSIENT_ERRORS, execute_slice
from runs_app.services.watchdog import watchdog_run

# A slice whose database or broker stayed unreachable is sent again after this many s.
DEFERRED_SLICE_DELAY = 10


@shared_task(name=SLICE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def run_slice(self: Task, run_id: int, token: str | None = None) -> str:
    """Advance a run by one bounded slice of ticks; the slice enqueues its successor."""
    outcome = execute_slice(run_id, token)
    if outcome == "deferred":
        raise self.retry(countdown=DEFERRED_SLICE_DELAY, max_retries=None)
    return outcome


@shared_task(
    name=EVALUATION_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=120,
    max_retries=12,
)
def evaluate_run(run_id: int) -> int:
    """Evaluate a completed run as its scenario's `evaluation` block asks (idempotent)."""
    return len(evaluation_auto(run_id))


@shared_task(
    name=WATCHDOG_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,  # the same link again: the chain survives a blip
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=None,
)
def watchdog(token: str = "") -> dict[str, list[int]]:
    """Sweep for runs whose slice was lost, then schedule the next sweep."""
    sweep = watchdog_run(token)
    return {"resent": sweep.resent, "stopped": sweep.stopped, "admitted": sweep.admitted}
