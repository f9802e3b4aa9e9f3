"""Applying operator controls at a tick boundary; each yields ControlApplied or ControlRejected."""

from __future__ import annotations

from typing import Any

from simengine.core.agents import AgentState, AgentStatus, clamp, emotion_problems
from simengine.core.controls import (
    Control,
    InjectCommand,
    InjectMessage,
    MuteAgent,
    PauseAgent,
    ResumeAgent,
    SetEmotion,
    SetWorldValue,
    StopRun,
    TerminateAgent,
    TriggerEvent,
    UnmuteAgent,
)
from simengine.core.events import ControlApplied, ControlRejected
from simengine.core.run_state import SimulationState
from simengine.core.turns import Turns
from simengine.core.worlds.params import check_params
from simengine.core.worlds.paths import set_state_value

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


def apply_control(run: SimulationState, turns: Turns, control: Control) -> None:
    """Apply one control now, logging what happened (never raises for a bad control)."""
    agent = getattr(control, "agent", None)
    try:
        detail = _apply(run, turns, control)
    except ValueError as exc:
        turns.log.add(
            ControlRejected(turns.tick, agent, control=control.to_json(), reason=str(exc))
        )
        return
    turns.log.add(ControlApplied(turns.tick, agent, control=control.to_json(), detail=detail))


def _apply(run: SimulationState, turns: Turns, control: Control) -> str:
    if type(control) in _STATUS_CHANGES:
        return _change_status(run, turns, control)
    match control:
        case InjectMessage(to=to, text=text):
            posted = turns.operator_message(to, text)
            if posted.message is None:
                raise ValueError(posted.error or "not delivered")
            reached = len(posted.message.recipients)
            return f"operator message to {posted.message.to} reached {reached} agent(s)"
        case InjectCommand(agent=name, text=text):
            agent = _agent(run, name)
            if not text.strip():
                raise ValueError("the command is empty")
            agent.pending_commands.append(text.strip())
            run.woken.add(name)
            return f"command queued for {name}'s next decision"
        case SetWorldValue(path=path, value=value):
            run.world, old = set_state_value(run.kind, run.world, path, value)
            return f"{path} set to {value!r} (was {old!r})"
        case TriggerEvent(type=kind, params=params):
            return _trigger(run, turns, kind, params)
        case SetEmotion(agent=name, emotion=feelings):
            return _set_emotion(run, name, feelings)
        case StopRun(reason=reason):
            run.stop_reason = reason or "stopped by operator"
            return "the run stops at the end of this tick"
    raise ValueError(f"unsupported control {type(control).__name__}")


def _change_status(run: SimulationState, turns: Turns, control: Control) -> str:
    name = control.agent  # type: ignore[attr-defined]
    agent = _agent(run, name)
    status, allowed, verb = _STATUS_CHANGES[type(control)]
    if agent.status not in allowed:
        raise ValueError(f"{name} is {agent.status.value}: cannot be {verb}")
    agent.status = status
    if status == AgentStatus.TERMINATED:
        run.bus.discard(name)
    elif status == AgentStatus.ACTIVE:
        run.woken.add(name)
    return f"{name} {verb}"


def _trigger(run: SimulationState, turns: Turns, kind: str, params: dict[str, Any]) -> str:
    definitions = run.kind.events.get(kind)
    if definitions is None:
        known = ", ".join(run.kind.events) or "none"
        raise ValueError(
            f"unknown event type {kind!r} for world kind {run.kind.name!r} (known: {known})"
        )
    problems = check_params(params, definitions, "params", f"event '{kind}'")
    if problems:
        raise ValueError("; ".join(problems))
    try:
        notices = run.kind.apply_event(run.world, kind, params, turns.ctx)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"event {kind!r} could not be applied: {exc}") from None
    environment = run.environment_agents()
    for notice in notices:
        turns.notice(notice, source=environment[0] if environment else None, record=True)
    return f"event {kind} triggered"


def _set_emotion(run: SimulationState, name: str, feelings: dict[str, Any]) -> str:
    agent = _agent(run, name)
    if agent.status == AgentStatus.TERMINATED:
        raise ValueError(f"{name} is terminated")
    problems = emotion_problems(feelings)
    if problems:
        raise ValueError("; ".join(problems))
    before = agent.emotion.feelings()
    for key, value in feelings.items():
        setattr(agent.emotion, key, clamp(value))
    changes = ", ".join(
        f"{key} {before[key]:.2f} → {getattr(agent.emotion, key):.2f}" for key in feelings
    )
    return f"{name}'s emotion set: {changes}"


def _agent(run: SimulationState, name: str) -> AgentState:
    agent = run.agents.get(name)
    if agent is None:
        raise ValueError(f"unknown agent {name!r}")
    return agent
