"""Applying operator controls at a tick boundary; each yields ControlApplied or ControlRejected."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simengine.core.agents import AgentState, AgentStatus
from simengine.core.controls import (
    Control,
    InjectCommand,
    InjectMessage,
    MuteAgent,
    PauseAgent,
    ResumeAgent,
    SetWorldValue,
    StopRun,
    TerminateAgent,
    TriggerEvent,
    UnmuteAgent,
)
from simengine.core.events import ControlApplied, ControlRejected
from simengine.core.worlds.params import check_params
from simengine.core.worlds.paths import set_state_value

if TYPE_CHECKING:
    from simengine.core.simulation import Simulation
    from simengine.core.turns import Turns

_STATUS_CHANGES: dict[type[Control], tuple[AgentStatus, tuple[AgentStatus, ...], str]] = {
    # control: (new status, statuses it applies to, past-tense verb)
    PauseAgent: (AgentStatus.PAUSED, (AgentStatus.ACTIVE, AgentStatus.MUTED), "paused"),
    ResumeAgent: (AgentStatus.ACTIVE, (AgentStatus.PAUSED, AgentStatus.MUTED), "resumed"),
    MuteAgent: (AgentStatus.MUTED, (AgentStatus.ACTIVE, AgentStatus.PAUSED), "muted"),
    UnmuteAgent: (AgentStatus.ACTIVE, (AgentStatus.MUTED,), "unmuted"),
    TerminateAgent: (
        AgentStatus.TERMINATED,
        (AgentStatus.ACTIVE, AgentStatus.PAUSED, AgentStatus.MUTED),
        "terminated",
    ),
}


def apply_control(sim: Simulation, turns: Turns, control: Control) -> None:
    """Apply one control now, logging what happened (never raises for a bad control)."""
    agent = getattr(control, "agent", None)
    try:
        detail = _apply(sim, turns, control)
    except ValueError as exc:
        turns.log.add(
            ControlRejected(turns.tick, agent, control=control.to_json(), reason=str(exc))
        )
        return
    turns.log.add(ControlApplied(turns.tick, agent, control=control.to_json(), detail=detail))


def _apply(sim: Simulation, turns: Turns, control: Control) -> str:
    if type(control) in _STATUS_CHANGES:
        return _change_status(sim, turns, control)
    match control:
        case InjectMessage(to=to, text=text):
            posted = turns.operator_message(to, text)
            if posted.message is None:
                raise ValueError(posted.error or "not delivered")
            reached = len(posted.message.recipients)
            return f"operator message to {posted.message.to} reached {reached} agent(s)"
        case InjectCommand(agent=name, text=text):
            agent = _agent(sim, name)
            if not text.strip():
                raise ValueError("the command is empty")
            agent.pending_commands.append(text.strip())
            sim.woken.add(name)
            return f"command queued for {name}'s next decision"
        case SetWorldValue(path=path, value=value):
            sim.state, old = set_state_value(sim.kind, sim.state, path, value)
            return f"{path} set to {value!r} (was {old!r})"
        case TriggerEvent(type=kind, params=params):
            return _trigger(sim, turns, kind, params)
        case StopRun(reason=reason):
            sim.stop_reason = reason or "stopped by operator"
            return "the run stops at the end of this tick"
    raise ValueError(f"unsupported control {type(control).__name__}")


def _change_status(sim: Simulation, turns: Turns, control: Control) -> str:
    name = control.agent  # type: ignore[attr-defined]
    agent = _agent(sim, name)
    status, allowed, verb = _STATUS_CHANGES[type(control)]
    if agent.status not in allowed:
        raise ValueError(f"{name} is {agent.status.value}: cannot be {verb}")
    agent.status = status
    if status == AgentStatus.TERMINATED:
        sim.bus.discard(name)
    elif status == AgentStatus.ACTIVE:
        sim.woken.add(name)
    return f"{name} {verb}"


def _trigger(sim: Simulation, turns: Turns, kind: str, params: dict) -> str:
    definitions = sim.kind.events.get(kind)
    if definitions is None:
        known = ", ".join(sim.kind.events) or "none"
        raise ValueError(
            f"unknown event type {kind!r} for world kind {sim.kind.name!r} (known: {known})"
        )
    problems = check_params(params, definitions, "params", f"event '{kind}'")
    if problems:
        raise ValueError("; ".join(problems))
    try:
        notices = sim.kind.apply_event(sim.state, kind, params, turns.ctx)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"event {kind!r} could not be applied: {exc}") from None
    environment = [n for n, a in sim.states.items() if a.kind == "environment"]
    for notice in notices:
        turns.notice(notice, source=environment[0] if environment else None, record=True)
    return f"event {kind} triggered"


def _agent(sim: Simulation, name: str) -> AgentState:
    agent = sim.states.get(name)
    if agent is None:
        raise ValueError(f"unknown agent {name!r}")
    return agent
