"""When a run ends: the failure or success condition, max_ticks, no agents left, or idleness."""

from __future__ import annotations

from simengine.core.agents import AgentStatus
from simengine.core.clock import due_agents
from simengine.core.events import RunEnded
from simengine.core.metrics import evaluate_condition
from simengine.core.run_state import SimulationState
from simengine.core.turns import TickLog

END_REASONS = ("success", "failure", "max_ticks", "no_active_agents", "idle", "stopped")


def check_termination(run: SimulationState, log: TickLog) -> None:
    """End the run if a termination rule holds after this tick (failure wins over success)."""
    verdict = _verdict(run)
    if verdict is None:
        return
    reason, detail = verdict
    run.end(reason, detail)
    log.add(RunEnded(run.tick, None, reason=reason, detail=detail, metrics=dict(run.metrics)))


def _verdict(run: SimulationState) -> tuple[str, str] | None:
    termination = run.spec.termination
    metrics = run.metrics
    if run.stop_reason is not None:
        return "stopped", run.stop_reason
    if termination.failure is not None and evaluate_condition(termination.failure, metrics):
        return "failure", termination.failure.describe()
    if termination.success is not None and evaluate_condition(termination.success, metrics):
        return "success", termination.success.describe()
    if run.tick >= termination.max_ticks:
        return "max_ticks", f"reached max_ticks ({termination.max_ticks})"
    if not run.active_agents():
        return "no_active_agents", "every agent has been terminated"
    if _idle(run):
        return "idle", "event mode: nothing reaches any agent and the world is still"
    return None


def _idle(run: SimulationState) -> bool:
    """Event mode only: no agent due next tick, no scripted event left, a static world."""
    if run.spec.mode != "event" or not run.kind.static:
        return False
    pending = [e for i, e in enumerate(run.spec.events) if i not in run.fired_events]
    if pending:
        return False
    if any(a.status == AgentStatus.PAUSED for a in run.agents.values()):
        return False  # the operator may resume them
    deciders = [n for n, a in run.agents.items() if a.decides]
    return not due_agents(deciders, mode="event", tick=run.tick + 1, woken=run.woken)
