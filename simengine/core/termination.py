"""When a run ends: the failure or success condition, max_ticks, no agents left, or idleness."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simengine.core.agents import AgentStatus
from simengine.core.clock import due_agents
from simengine.core.events import RunEnded
from simengine.core.metrics import evaluate_condition

if TYPE_CHECKING:
    from simengine.core.simulation import Simulation
    from simengine.core.turns import TickLog

END_REASONS = ("success", "failure", "max_ticks", "no_active_agents", "idle", "stopped")


def check_termination(sim: Simulation, log: TickLog) -> None:
    """End the run if a termination rule holds after this tick (failure wins over success)."""
    verdict = _verdict(sim)
    if verdict is None:
        return
    reason, detail = verdict
    sim.end(reason, detail)
    log.add(RunEnded(sim.tick, None, reason=reason, detail=detail, metrics=sim.metrics))


def _verdict(sim: Simulation) -> tuple[str, str] | None:
    termination = sim.spec.termination
    metrics = sim.metrics
    if sim.stop_reason is not None:
        return "stopped", sim.stop_reason
    if termination.failure is not None and evaluate_condition(termination.failure, metrics):
        return "failure", termination.failure.describe()
    if termination.success is not None and evaluate_condition(termination.success, metrics):
        return "success", termination.success.describe()
    if sim.tick >= termination.max_ticks:
        return "max_ticks", f"reached max_ticks ({termination.max_ticks})"
    if not sim.active_agents():
        return "no_active_agents", "every agent has been terminated"
    if _idle(sim):
        return "idle", "event mode: nothing reaches any agent and the world is still"
    return None


def _idle(sim: Simulation) -> bool:
    """Event mode only: no agent due next tick, no scripted event left, a static world."""
    if sim.spec.mode != "event" or not sim.kind.static:
        return False
    pending = [e for i, e in enumerate(sim.spec.events) if i not in sim.fired_events]
    if pending:
        return False
    if any(a.status == AgentStatus.PAUSED for a in sim.states.values()):
        return False  # the operator may resume them
    deciders = [n for n, a in sim.states.items() if a.decides]
    return not due_agents(deciders, mode="event", tick=sim.tick + 1, woken=sim.woken)
