"""Executing a run: one bounded slice of ticks per call, each tick committed on its own.

A slice loads the run, restores the simulation from the last committed step, advances
a few ticks (or a few seconds), commits each tick in one transaction and enqueues the
next slice unless the run is paused, stopped or done. A redelivered or duplicated slice
is harmless: (run, step index) is unique, so a tick committed twice fails and the loser
stops.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import IntegrityError, connection

from runs_app.executor import enqueue_slice
from runs_app.models import EXECUTING_RUN_STATUSES, PendingControl, Run, RunStatus, Step
from runs_app.services.adapters import agent_ids, control_from_row, memory_records
from runs_app.services.config import run_spec
from runs_app.services.decisions import decision_maker_for_run, embeddings_for_run
from runs_app.services.lifecycle import run_fail, run_finish, run_halt
from runs_app.services.sink import commit_tick
from simengine.core.simulation import Simulation

logger = logging.getLogger(__name__)

SLICE_SECONDS = 5.0


@dataclass(frozen=True)
class _RunState:
    status: str
    pending_steps: int
    has_controls: bool = False


_heap_frozen = False


def _freeze_startup_heap() -> None:
    """Move what this process has loaded so far (Django, apps) out of the cyclic GC's sight.

    A tick allocates many short-lived objects, so collections are frequent; without this
    each full collection walks the whole framework heap again (measured by `make bench`: a
    few per cent of a worker's time per decision). Done once per process.
    """
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.collect()
        gc.freeze()


def execute_slice(run_id: int, *, max_ticks: int | None = None) -> str:
    """Advance a run by at most one slice; returns what ended the slice."""
    _freeze_startup_heap()
    run = Run.objects.select_related("scenario_version").filter(pk=run_id).first()
    if run is None:
        return "missing"
    if not _may_advance(_state(run_id)):
        return "idle"
    try:
        outcome = _advance(run, max_ticks or settings.SIMENGINE_SLICE_TICKS)
    except Exception as exc:  # an engine bug must fail the run, not loop forever
        logger.exception("run %s failed", run_id)
        run_fail(run_id, error=f"{type(exc).__name__}: {exc}")
        return "failed"
    if outcome == "continue":
        enqueue_slice(run_id)
    return outcome


def _advance(run: Run, tick_budget: int) -> str:
    spec = run_spec(run)
    override = run.overrides.get("model_override") or None
    last = Step.objects.filter(run=run).order_by("-index").only("snapshot").first()
    if last is None:
        simulation = Simulation.create(
            spec, seed=run.seed, run_id=str(run.pk), model_override=override
        )
    else:
        simulation = Simulation.restore(
            spec,
            last.snapshot,
            run_id=str(run.pk),
            model_override=override,
            memories=memory_records(run.pk, upto=last.index),
        )
    if simulation.finished:
        run_finish(run.pk, reason=simulation.end_reason or "", detail=simulation.end_detail)
        return "finished"
    with asyncio.Runner() as runner:
        decision_maker = decision_maker_for_run()
        embeddings = embeddings_for_run(a.model for a in simulation.agents.values())
        try:
            return _advance_ticks(run, simulation, decision_maker, embeddings, runner, tick_budget)
        finally:
            runner.run(decision_maker.aclose())
            runner.run(embeddings.aclose())


def _advance_ticks(run, simulation, decision_maker, embeddings, runner, tick_budget: int) -> str:
    deadline = time.monotonic() + SLICE_SECONDS
    owners = agent_ids(run.pk)
    for _ in range(tick_budget):
        state = _state(run.pk)
        if state.status == RunStatus.STOPPING:
            run_halt(run.pk)
            return "stopped"
        if not _may_advance(state):
            return "paused" if state.status == RunStatus.PAUSED else "idle"
        rows = list(_pending_controls(run.pk)) if state.has_controls else []
        controls = [control_from_row(r) for r in rows]
        result = runner.run(simulation.step(decision_maker, controls, embeddings))
        stepping = state.status == RunStatus.PAUSED
        try:
            commit_tick(
                run.pk, result, rows, simulation.agents, consume_step=stepping, owners=owners
            )
        except IntegrityError:
            logger.info("run %s tick %s was committed by another slice", run.pk, result.tick)
            return "duplicate"
        if result.finished:
            run_finish(run.pk, reason=result.end_reason or "", detail=simulation.end_detail)
            return "finished"
        if stepping:
            if state.pending_steps <= 1:
                return "paused"
            continue
        if time.monotonic() > deadline:
            break
    return "continue"


def _pending_controls(run_id: int):
    return PendingControl.objects.filter(run_id=run_id, applied_step=None)


def _state(run_id: int) -> _RunState:
    """The run's status and step budget, and whether controls wait: one query per tick."""
    with connection.cursor() as cursor:
        cursor.execute(_state_sql(), [run_id, run_id])
        row = cursor.fetchone()
    if row is None:
        raise Run.DoesNotExist(f"run {run_id} does not exist")
    status, pending, has_controls = row
    return _RunState(status=status, pending_steps=pending, has_controls=bool(has_controls))


@cache
def _state_sql() -> str:
    """Plain SQL: through the ORM this query costs more to compile than to run."""
    q = connection.ops.quote_name

    def col(model, field: str) -> str:
        return q(model._meta.get_field(field).column)

    controls = q(PendingControl._meta.db_table)
    return (
        f"SELECT {col(Run, 'status')}, {col(Run, 'pending_steps')}, EXISTS ("
        f"SELECT 1 FROM {controls} WHERE {controls}.{col(PendingControl, 'run')} = %s "
        f"AND {controls}.{col(PendingControl, 'applied_step')} IS NULL) "
        f"FROM {q(Run._meta.db_table)} WHERE {col(Run, 'id')} = %s"
    )


def _may_advance(state: _RunState) -> bool:
    if state.status in EXECUTING_RUN_STATUSES:
        return True
    return state.status == RunStatus.PAUSED and state.pending_steps > 0
