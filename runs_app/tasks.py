"""Celery tasks: an id in, one service call out.

Callers never import these: they enqueue by name through runs_app.executor.
"""

from celery import shared_task

from runs_app.executor import EVALUATION_TASK, SLICE_TASK
from runs_app.services.evaluation import evaluation_auto
from runs_app.services.execution import execute_slice


@shared_task(name=SLICE_TASK, acks_late=True, reject_on_worker_lost=True)
def run_slice(run_id: int) -> str:
    """Advance a run by one bounded slice of ticks; the slice enqueues its successor."""
    return execute_slice(run_id)


@shared_task(name=EVALUATION_TASK, acks_late=True, reject_on_worker_lost=True)
def evaluate_run(run_id: int) -> int:
    """Evaluate a completed run as its scenario's `evaluation` block asks (idempotent)."""
    return len(evaluation_auto(run_id))
