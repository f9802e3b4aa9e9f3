"""Carrying out one tick: decisions, world notices, the environment's phase, budgets.

Decisions become actions and messages; world notices become memories and emotions.
`Turns` works on the run's `SimulationState`; `TickLog` collects what the tick produced.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simengine.core.agents import OFFLINE_MODEL, AgentState, AgentStatus
from simengine.core.bus import OPERATOR, Message, Posted
from simengine.core.decision import DecisionOutcome, LLMCallRecord, OutgoingMessage
from simengine.core.events import (
    ActionRejected,
    AgentActed,
    AgentDecided,
    BudgetExceeded,
    EnvironmentEvent,
    Event,
    MessageSent,
    MessageSuppressed,
    json_safe,
)
from simengine.core.memory import default_importance
from simengine.core.run_state import SimulationState
from simengine.core.worlds import Impulse, Speech, WorldContext, WorldNotice

QUIET_ACTIONS = frozenset({"wait", "say", "broadcast"})  # acting this way does not wake you
REFUSAL_STRESS = 0.03


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass
class TickLog:
    """What one tick produced: events and messages as JSON, and the model calls."""

    tick: int
    events: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    calls: list[LLMCallRecord] = field(default_factory=list)

    def add(self, event: Event) -> None:
        """Record an event as JSON."""
        self.events.append(event.to_json())

    def message(self, message: Message) -> None:
        """Record a delivered message as JSON."""
        self.messages.append(message.to_json())


class Turns:
    """Applies a tick's decisions and world changes to a run's state."""

    def __init__(self, run: SimulationState, log: TickLog, ctx: WorldContext) -> None:
        self.run = run
        self.log = log
        self.ctx = ctx
        self.tick = log.tick

    # -- perception --
    def perceive(
        self,
        name: str,
        kind: str,
        text: str,
        *,
        wake: bool = True,
        tags: Mapping[str, Any] | None = None,
        window: bool = True,
    ) -> None:
        """Record something in an agent's memory; in event mode it wakes the agent.

        `tags` (notice kind, action type, channel...) rate the memory's importance when the
        agent keeps long-term memory.
        """
        agent = self.run.agents[name]
        if agent.kind == "environment" or agent.status == AgentStatus.TERMINATED:
            return
        importance = 0.0
        if agent.memory.store is not None:
            importance = self.importance(kind, text, tags or {})
        agent.memory.remember(self.tick, kind, text, importance=importance, window=window)
        if wake:
            self.run.woken.add(name)

    def importance(self, kind: str, text: str, tags: Mapping[str, Any]) -> float:
        """The world kind's importance for a memory, else the generic rule's."""
        rated = self.run.kind.memory_importance(kind, text, tags)
        return default_importance(kind, tags) if rated is None else rated

    def consumed(self, name: str, inbox: list[Message]) -> None:
        """As a request is built: its inbox and operator commands move into memory."""
        agent = self.run.agents[name]
        for message in inbox:
            channel = message.seen_by_recipient().channel
            self.perceive(
                name,
                "message",
                f"{message.sender} ({channel}): {message.text}",
                wake=False,
                tags={"channel": channel, "sender": message.sender},
            )
        for command in agent.pending_commands:
            self.perceive(name, "command", f"operator command: {command}", wake=False)
        agent.pending_commands.clear()

    def impulse(self, impulse: Impulse) -> None:
        """Nudge an agent's emotion and trust (ignored for unknown or terminated agents)."""
        agent = self.run.agents.get(impulse.agent)
        if agent is None or agent.status == AgentStatus.TERMINATED:
            return
        agent.emotion.nudge(impulse.emotion, impulse.trust)

    def notice(self, notice: WorldNotice, *, source: str | None, record: bool) -> None:
        """Deliver a world notice to its witnesses; `record` also logs an EnvironmentEvent."""
        if record:
            self.log.add(
                EnvironmentEvent(
                    self.tick,
                    source,
                    kind=notice.kind,
                    text=notice.text,
                    details=dict(notice.details),
                )
            )
        witnesses = notice.witnesses if notice.witnesses is not None else self.run.active_agents()
        for name in witnesses:
            self.perceive(name, "world", notice.text, tags={"notice": notice.kind})
        for impulse in notice.impulses:
            self.impulse(impulse)

    # -- decisions --
    def apply_decision(self, name: str, outcome: DecisionOutcome) -> None:
        """Log an agent's decision, blend its emotion, then carry out its actions and message."""
        agent = self.run.agents[name]
        decision = outcome.decision
        self.log.add(
            AgentDecided(
                self.tick,
                name,
                model=agent.profile.model,
                thought=decision.thought,
                actions=json_safe([dict(a) for a in decision.actions]),
                message=(
                    {"to": decision.message.to, "text": decision.message.text}
                    if decision.message
                    else None
                ),
                emotion={k: v for k, v in decision.emotion.items() if _finite(v)},
                fallback=outcome.fallback,
            )
        )
        agent.emotion.blend(decision.emotion)
        limit = self.run.kind.max_actions
        for index, action in enumerate(decision.actions):
            if index >= limit:
                self._reject(agent, dict(action), f"only {limit} actions per tick are carried out")
                continue
            self._act(agent, action)
        if decision.message is not None:
            self._send(agent, decision.message)

    def _act(self, agent: AgentState, action: Mapping[str, Any]) -> None:
        kind = action.get("type") if isinstance(action, Mapping) else None
        if not isinstance(kind, str):
            self._reject(agent, {"type": None}, "an action needs a 'type'")
            return
        if kind not in agent.spec.actions:
            allowed = ", ".join(agent.spec.actions)
            self._reject(agent, dict(action), f"'{kind}' is not one of your actions ({allowed})")
            return
        outcome = self.run.kind.apply_action(self.run.world, agent.name, action, self.ctx)
        if outcome.ok:
            agent.count_action(kind)
            self.log.add(
                AgentActed(
                    self.tick,
                    agent.name,
                    action=json_safe(dict(action)),
                    result=outcome.text,
                    details=dict(outcome.details),
                )
            )
            self.perceive(
                agent.name,
                "action",
                f"you {outcome.text}",
                wake=kind not in QUIET_ACTIONS,
                tags={"action": kind},
            )
            if outcome.speech is not None:
                self._speak(agent, outcome.speech)
        else:
            self._reject(agent, dict(action), outcome.text)
        for notice in outcome.notices:
            self.notice(notice, source=agent.name, record=False)
        for impulse in outcome.impulses:
            self.impulse(impulse)

    def _reject(self, agent: AgentState, action: dict[str, Any], reason: str) -> None:
        self.log.add(ActionRejected(self.tick, agent.name, action=json_safe(action), reason=reason))
        self.perceive(agent.name, "refusal", f"your {action.get('type')} failed: {reason}")
        agent.emotion.nudge({"stress": REFUSAL_STRESS})

    # -- messages --
    def _send(self, agent: AgentState, message: OutgoingMessage) -> None:
        if not isinstance(message.to, str) or not isinstance(message.text, str):
            self._reject(agent, {"type": "message"}, "a message needs a text 'to' and 'text'")
            return
        posted = self.run.bus.post(
            self.tick, agent.name, message.to, message.text, {"source": "decision"}
        )
        self._delivered(agent, posted, message.to, message.text)

    def _speak(self, agent: AgentState, speech: Speech) -> None:
        if speech.channel == "local":
            location = self.run.kind.agent_details(self.run.world, agent.name).get("location")
            posted = self.run.bus.speak(
                self.tick, agent.name, location or "", speech.recipients, speech.text
            )
            self._delivered(agent, posted, f"local:{location}", speech.text)
        else:
            posted = self.run.bus.post(
                self.tick, agent.name, "all", speech.text, {"source": "action"}
            )
            self._delivered(agent, posted, "all", speech.text)

    def _delivered(self, agent: AgentState, posted: Posted, to: str, text: str) -> None:
        message = posted.message
        if message is not None:
            self._logged(message)
            self.perceive(
                agent.name, "said", f"you said to {message.to}: {message.text}", wake=False
            )
            if message.recipients:
                agent.messages_to_others += 1
        elif posted.suppressed:
            self.log.add(
                MessageSuppressed(
                    self.tick, agent.name, to=to, text=text, reason=posted.error or ""
                )
            )
        else:
            self._reject(agent, {"type": "message", "to": to}, posted.error or "not delivered")

    def _logged(self, message: Message) -> None:
        self.log.message(message)
        self.log.add(
            MessageSent(
                self.tick,
                message.sender,
                message_id=message.id,
                channel=message.channel,
                to=message.to,
                recipients=list(message.recipients),
                text=message.text,
            )
        )
        self.run.woken.update(message.recipients)

    def operator_message(self, to: str, text: str) -> Posted:
        """Post an operator message (an InjectMessage control)."""
        posted = self.run.bus.post(self.tick, OPERATOR, to, text, {"source": "operator"})
        if posted.message is not None:
            self._logged(posted.message)
        return posted

    # -- environment, emotions, budgets --
    def environment_phase(self) -> None:
        """Scripted events due (late ones too, after a pause), then the world's dynamics.

        The environment agent drives this phase: while every environment agent is paused
        or terminated the world stands still.
        """
        run = self.run
        environment = [a for a in run.agents.values() if a.kind == "environment"]
        if environment and not any(a.running for a in environment):
            return
        source = environment[0].name if environment else None
        for index, event in enumerate(run.spec.events):
            if index in run.fired_events or event.at_tick > self.tick:
                continue
            run.fired_events.append(index)
            for notice in run.kind.apply_event(run.world, event.type, event.params, self.ctx):
                self.notice(notice, source=source, record=True)
        for notice in run.kind.advance(run.world, self.ctx):
            self.notice(notice, source=source, record=True)

    def relax_emotions(self) -> None:
        """Let every living agent's emotion drift back toward its temperament."""
        for agent in self.run.agents.values():
            if agent.kind != "environment" and agent.status != AgentStatus.TERMINATED:
                agent.emotion.relax(agent.spec.emotion)

    def account_tokens(self, outcomes: Mapping[str, DecisionOutcome]) -> None:
        """Count tokens; agents (or the run) over budget switch to the offline policy."""
        run = self.run
        for name, outcome in outcomes.items():
            used = sum(c.tokens_in + c.tokens_out for c in outcome.calls)
            run.agents[name].tokens_used += used
            run.run_tokens += used
        budget = run.spec.budget
        if budget is None:
            return
        if budget.tokens_per_agent is not None:
            for name in outcomes:
                agent = run.agents[name]
                if not agent.budget_exceeded and agent.tokens_used > budget.tokens_per_agent:
                    self._over_budget([agent])
                    self.log.add(
                        BudgetExceeded(
                            self.tick,
                            name,
                            scope="agent",
                            used=agent.tokens_used,
                            limit=budget.tokens_per_agent,
                            model=OFFLINE_MODEL,
                        )
                    )
        limit = budget.tokens_per_run
        if limit is not None and not run.run_budget_exceeded and run.run_tokens > limit:
            run.run_budget_exceeded = True
            self._over_budget([a for a in run.agents.values() if a.kind != "environment"])
            self.log.add(
                BudgetExceeded(
                    self.tick,
                    None,
                    scope="run",
                    used=run.run_tokens,
                    limit=limit,
                    model=OFFLINE_MODEL,
                )
            )

    def _over_budget(self, agents: list[AgentState]) -> None:
        for agent in agents:
            agent.budget_exceeded = True
            agent.switch_model(OFFLINE_MODEL)
            self.perceive(
                agent.name,
                "command",
                "token budget spent: decisions now come from the offline policy",
                wake=False,
            )
