"""Celery tasks: an id in, one service call out."""

from celery import shared_task

from runs_app.services.evaluation import evaluation_auto
from runs_app.services.execution import execute_slice


@shared_task(name="runs.run_slice", acks_late=True, reject_on_worker_lost=True)
def run_slice(run_id: int) -> str:
    """Advance a run by one bounded slice of ticks; the slice enqueues its successor."""
    return execute_slice(run_id)


@shared_task(name="runs.evaluate_run", acks_late=True, reject_on_worker_lost=True)
def evaluate_run(run_id: int) -> int:
    """Evaluate a completed run as its scenario's `evaluation` block asks (idempotent)."""
    return len(evaluation_auto(run_id))
