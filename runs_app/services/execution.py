"""Executing a run: one bounded slice of ticks per call, each tick committed on its own.

A slice loads the run, restores the simulation from the last committed step, advances
a few ticks (or a few seconds), commits each tick in one transaction and enqueues the
next slice unless the run is paused, stopped or done. A redelivered or duplicated slice
is harmless: only the slice holding the run's lease advances it (runs_app.services.leases)
and (run, step index) is unique, so a tick committed twice fails and the loser stops.

Transient trouble (the database or the broker unreachable for a moment, a connection the
server closed) is not the simulation's fault: the slice retries from the last committed
tick with backoff, then hands the run to a later slice; only errors of the simulation
itself fail a run (which can be resumed). A stop cancels the tick in flight.
"""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import IntegrityError, connection, connections
from django.db import InterfaceError as DbInterfaceError
from django.db import OperationalError as DbOperationalError

from runs_app.models import EXECUTING_RUN_STATUSES, PendingControl, Run, RunStatus
from runs_app.services.adapters import agent_ids, control_from_row, memory_records
from runs_app.services.config import run_spec
from runs_app.services.decisions import slice_tools
from runs_app.services.guard import SliceGuard, TickCancelled
from runs_app.services.leases import (
    BROKER_ERRORS,
    slice_claim,
    slice_dispatch,
    slice_release,
)
from runs_app.services.lifecycle import run_fail, run_finish, run_halt, runs_beside_batch
from runs_app.services.sink import commit_tick
from runs_app.services.snapshots import snapshot_latest
from runs_app.services.watchdog import watchdog_ensure
from simengine.core.simulation import Simulation

logger = logging.getLogger(__name__)

SLICE_SECONDS = 5.0
UNBOUNDED_TICKS = 1_000_000_000  # a tick budget only SLICE_SECONDS cuts short
# Database and broker errors that pass: retried inside the slice after these pauses (s).
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    DbOperationalError,
    DbInterfaceError,
    *BROKER_ERRORS,
)
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)
# Allocations between two collections of the youngest generation, in a slice's process.
YOUNG_GC_THRESHOLD = 10_000


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

    The youngest generation is also collected less often: a tick's database rows, JSON
    and records number thousands of objects, nearly all freed by reference counting, and
    at the default threshold (700) a slice ran a young collection every few hundred
    microseconds (1.5 % of a worker's CPU per offline decision; 0.2 % at this threshold).
    """
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.collect()
        gc.freeze()
        gc.set_threshold(YOUNG_GC_THRESHOLD, *gc.get_threshold()[1:])


def prepare_worker_process() -> None:
    """Ready a new worker process before it takes a slice (Celery's worker_process_init).

    Done at a run's first slice in the process instead, the full collection kept an LLM
    run's server slots idle for a few hundred ms whenever a slice landed on a process
    that had not run one yet. (The model SDKs stay imported on first use: importing them
    all in every process costs more CPU and memory than their first use does.)
    """
    _freeze_startup_heap()


def execute_slice(run_id: int, token: str | None = None, *, max_ticks: int | None = None) -> str:
    """Advance a run by at most one slice; returns what ended the slice.

    `token` is the slice message's lease token (None: a direct call, which may advance a
    run no slice holds). "busy" and "stale" mean another slice has or had the run.
    "deferred" means the database or broker stayed unreachable through every retry: the
    run keeps its lease, and the task (or else the watchdog) sends the slice again.
    """
    _freeze_startup_heap()
    outcome = _execute_with_retries(run_id, token, max_ticks)
    if settings.SIMENGINE_EXECUTOR == "celery":
        _keep_watchdog_alive()
    return outcome


def _keep_watchdog_alive() -> None:
    """Revive the watchdog's chain of sweeps if it died (one UPDATE when it is alive)."""
    try:
        watchdog_ensure()
    except TRANSIENT_ERRORS as exc:
        logger.info("could not check the watchdog: %r", exc)
        _forget_connections()


def _execute_with_retries(run_id: int, token: str | None, max_ticks: int | None) -> str:
    holder: str | None = None
    for delay in (*RETRY_DELAYS, None):
        try:
            if holder is None:
                outcome, holder = _claim(run_id, token)
                if holder is None:
                    return outcome
            return _execute_claimed(run_id, holder, max_ticks)
        except TRANSIENT_ERRORS as exc:
            _forget_connections()
            if delay is None:
                logger.warning("run %s: giving up on this slice after %r", run_id, exc)
                return _hand_on(run_id, holder)
            logger.warning("run %s: %r; retrying from the last tick in %s s", run_id, exc, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _claim(run_id: int, token: str | None) -> tuple[str, str | None]:
    run = Run.objects.filter(pk=run_id).only("status", "pending_steps", "slice_token").first()
    if run is None:
        return "missing", None
    if not _may_advance(_state(run_id)):
        return "idle", None
    holder = slice_claim(run_id, token)
    if holder is None:
        stale = token is not None and token != run.slice_token
        return ("stale" if stale else "busy"), None
    return "claimed", holder


def _execute_claimed(run_id: int, holder: str, max_ticks: int | None) -> str:
    run = Run.objects.select_related("scenario_version").get(pk=run_id)
    try:
        outcome = _advance(run, holder, max_ticks or _tick_budget(run))
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:  # an engine bug must fail the run, not loop forever
        logger.exception("run %s failed", run_id)
        run_fail(run_id, error=f"{type(exc).__name__}: {exc}")
        slice_release(run_id, holder)
        return "failed"
    if outcome == "continue":
        slice_dispatch(run_id, holder=holder)
    elif outcome != "lost":
        slice_release(run_id, holder)
    return outcome


def _tick_budget(run: Run) -> int:
    """How many ticks this slice may advance before it hands the run to the next slice.

    SIMENGINE_SLICE_TICKS, so that runs share the workers. A batch run with no other run
    beside its batch (none executing, queued or stepping) goes on until it ends or the
    slice's SLICE_SECONDS are up: it keeps only its siblings waiting, and saves the
    restore of the run, the hand-over and a message per slice it does not start.
    """
    if run.batch_id is not None and not runs_beside_batch(run.batch_id):
        return UNBOUNDED_TICKS
    return settings.SIMENGINE_SLICE_TICKS


def _hand_on(run_id: int, holder: str | None) -> str:
    """After the last retry: pass the run to a later slice, or leave it to the watchdog."""
    try:
        if holder is not None and slice_dispatch(run_id, holder=holder):
            return "requeued"
    except TRANSIENT_ERRORS as exc:
        logger.warning("run %s: could not hand on its slice (%r)", run_id, exc)
        _forget_connections()
    return "deferred"


def _forget_connections() -> None:
    """Drop this thread's database connections: the next query opens a fresh one."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except Exception:  # a connection the server closed may fail to close cleanly
            conn.connection = None


def _advance(run: Run, holder: str, tick_budget: int) -> str:
    spec = run_spec(run)
    override = run.overrides.get("model_override") or None
    last = snapshot_latest(run.pk)
    if last is None:
        simulation = Simulation.create(
            spec, seed=run.seed, run_id=str(run.pk), model_override=override
        )
    else:
        simulation = Simulation.restore(
            spec,
            last[1],
            run_id=str(run.pk),
            model_override=override,
            memories=memory_records(run.pk, upto=last[0], keep_as=run.created_at),
        )
    previous = None if last is None else last[1]
    if simulation.finished:
        run_finish(run.pk, reason=simulation.end_reason or "", detail=simulation.end_detail)
        return "finished"
    models = [a.model for a in simulation.agents.values()]
    keep = settings.SIMENGINE_EXECUTOR == "celery"  # a worker process: one slice at a time
    with slice_tools(models, keep=keep) as tools, SliceGuard(run.pk, holder) as guard:
        runner, decision_maker, embeddings = tools
        try:
            return _advance_ticks(
                run, simulation, previous, decision_maker, embeddings, runner, guard, tick_budget
            )
        except TickCancelled:
            if guard.lease_lost:
                logger.warning("run %s: another slice took over its lease", run.pk)
                return "lost"
            run_halt(run.pk)  # the stop cancelled the tick in flight; it is not committed
            return "stopped"


def _advance_ticks(
    run, simulation, previous, decision_maker, embeddings, runner, guard, tick_budget: int
) -> str:
    """Step and commit ticks; `previous` is the last committed snapshot (None before tick 1)."""
    deadline = time.monotonic() + SLICE_SECONDS
    owners = agent_ids(run.pk)
    for _ in range(tick_budget):
        state = _state(run.pk)
        if state.status == RunStatus.STOPPING:
            run_halt(run.pk)
            return "stopped"
        if not _may_advance(state):
            return "paused" if state.status == RunStatus.PAUSED else "idle"
        if guard.lease_lost:
            raise TickCancelled
        rows = list(_pending_controls(run.pk)) if state.has_controls else []
        controls = [control_from_row(r) for r in rows]
        result = runner.run(guard.run_tick(simulation.step(decision_maker, controls, embeddings)))
        stepping = state.status == RunStatus.PAUSED
        try:
            commit_tick(
                run.pk,
                result,
                rows,
                simulation.agents,
                consume_step=stepping,
                owners=owners,
                previous_snapshot=previous,
            )
        except IntegrityError:
            logger.info("run %s tick %s was committed by another slice", run.pk, result.tick)
            return "duplicate"
        previous = result.snapshot
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
