"""The message bus: direct, room, broadcast and spoken messages, and per-agent inboxes.

The sender of a message is always set by the engine (an agent's name, or "operator" for
injected messages), never taken from its text. Rooms deliver only to their members;
muted agents' messages are not delivered; terminated and environment agents receive
nothing. Message ids are deterministic: `<run_id>:<tick>:<n>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from simengine.core.agents import AgentState, AgentStatus
from simengine.core.decision import InboxMessage

OPERATOR = "operator"
INBOX_LIMIT = 20
MAX_TEXT = 1000


@dataclass(frozen=True)
class Message:
    """A delivered message. `channel` is direct | room | all | local; `recipient` the target."""

    id: str
    tick: int
    sender: str
    channel: str
    recipient: str  # agent name (direct), room id (room), "" (all), location id (local)
    recipients: tuple[str, ...]
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def to(self) -> str:
        """The address as an agent would write it."""
        return {
            "direct": f"agent:{self.recipient}",
            "room": f"room:{self.recipient}",
            "all": "all",
        }.get(self.channel, f"local:{self.recipient}")

    def to_json(self) -> dict[str, Any]:
        """The message as JSON data (as persisted and traced)."""
        return {
            "id": self.id,
            "tick": self.tick,
            "sender": self.sender,
            "channel": self.channel,
            "recipient": self.recipient,
            "recipients": list(self.recipients),
            "text": self.text,
            "metadata": dict(self.metadata),
        }

    @cached_property
    def shared_json(self) -> dict[str, Any]:
        """`to_json()` made once and shared by every inbox holding the message (read only).

        A room message waits in every member's inbox; a snapshot lists it in each, and
        this keeps that from rebuilding the same dict once per member.
        """
        return self.to_json()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Message:
        """Rebuild from `to_json()` output."""
        return cls(**{**data, "recipients": tuple(data["recipients"])})

    def seen_by_recipient(self) -> InboxMessage:
        """The message as it reaches a prompt: sender fixed by the engine, text as data."""
        channel = {"direct": "direct", "all": "all", "local": "local"}.get(
            self.channel, f"room:{self.recipient}"
        )
        return InboxMessage(
            id=self.id, tick=self.tick, sender=self.sender, channel=channel, text=self.text
        )


@dataclass(frozen=True)
class Posted:
    """The outcome of posting: the message delivered, or why nothing was delivered."""

    message: Message | None
    error: str | None = None
    suppressed: bool = False  # the sender is muted


class MessageBus:
    """Routes messages between the run's agents and keeps each agent's unread inbox."""

    def __init__(
        self, run_id: str, agents: Mapping[str, AgentState], rooms: Mapping[str, list[str]]
    ) -> None:
        self.run_id = run_id
        self.agents = agents
        self.rooms = {room: list(members) for room, members in rooms.items()}
        self.inboxes: dict[str, list[Message]] = {name: [] for name in agents}
        self.dropped: dict[str, int] = {}
        self.messages_sent = 0  # by agents (operator messages not counted)
        self._seq_tick = 0
        self._seq = 0

    def rooms_of(self, name: str) -> list[str]:
        """The ids of the rooms `name` belongs to."""
        return [room for room, members in self.rooms.items() if name in members]

    def post(
        self, tick: int, sender: str, to: str, text: str, metadata: Mapping[str, Any] | None = None
    ) -> Posted:
        """Send `text` from `sender` to "agent:<name>", "room:<id>" or "all"."""
        text = text.strip()[:MAX_TEXT]
        if not text:
            return Posted(None, "the message is empty")
        if sender != OPERATOR and self.agents[sender].status == AgentStatus.MUTED:
            return Posted(
                None, f"{sender} is muted: the message was not delivered", suppressed=True
            )
        target = self._resolve(sender, to.strip())
        if isinstance(target, str):
            return Posted(None, target)
        channel, recipient, names = target
        return Posted(self._deliver(tick, sender, channel, recipient, names, text, metadata))

    def speak(
        self, tick: int, sender: str, location: str, listeners: tuple[str, ...], text: str
    ) -> Posted:
        """Words spoken aloud at a place, heard by the agents standing there."""
        if self.agents[sender].status == AgentStatus.MUTED:
            return Posted(None, f"{sender} is muted: no one heard it", suppressed=True)
        names = [n for n in listeners if self._receives(n) and n != sender]
        message = self._deliver(
            tick, sender, "local", location, names, text.strip()[:MAX_TEXT], None
        )
        return Posted(message)

    def _resolve(self, sender: str, to: str) -> tuple[str, str, list[str]] | str:
        """(channel, recipient, names) for an address, or an error text."""
        if to == "all":
            return "all", "", [n for n in self.agents if n != sender and self._receives(n)]
        kind, _, target = to.partition(":")
        if kind == "agent" or (not target and to in self.agents):
            name = target or to
            if name not in self.agents or self.agents[name].kind == "environment":
                return f"unknown agent {name!r}"
            if name == sender:
                return "cannot send a message to yourself"
            if self.agents[name].status == AgentStatus.TERMINATED:
                return f"{name} has left the simulation"
            return "direct", name, [name]
        if kind == "room" or (not target and to in self.rooms):
            room = target or to
            if room not in self.rooms:
                return f"unknown room {room!r}"
            if sender != OPERATOR and sender not in self.rooms[room]:
                return f"{sender} is not a member of room {room!r}"
            members = [n for n in self.rooms[room] if n != sender and self._receives(n)]
            return "room", room, members
        return f"cannot address {to!r}: use agent:<name>, room:<id> or all"

    def _receives(self, name: str) -> bool:
        agent = self.agents[name]
        return agent.kind != "environment" and agent.status != AgentStatus.TERMINATED

    def _deliver(
        self,
        tick: int,
        sender: str,
        channel: str,
        recipient: str,
        names: list[str],
        text: str,
        metadata: Mapping[str, Any] | None,
    ) -> Message:
        if tick != self._seq_tick:
            self._seq_tick, self._seq = tick, 0
        self._seq += 1
        message = Message(
            id=f"{self.run_id}:{tick}:{self._seq}",
            tick=tick,
            sender=sender,
            channel=channel,
            recipient=recipient,
            recipients=tuple(names),
            text=text,
            metadata=dict(metadata or {}),
        )
        for name in names:
            inbox = self.inboxes[name]
            inbox.append(message)
            if len(inbox) > INBOX_LIMIT:
                inbox.pop(0)
                self.dropped[name] = self.dropped.get(name, 0) + 1
        if sender != OPERATOR:
            self.messages_sent += 1
        return message

    def drain(self, name: str) -> list[Message]:
        """The agent's unread messages, oldest first; the inbox is then empty."""
        messages, self.inboxes[name] = self.inboxes[name], []
        return messages

    def discard(self, name: str) -> None:
        """Forget what a terminated agent had not read."""
        self.inboxes[name] = []

    def to_json(self) -> dict[str, Any]:
        """Unread inboxes and counters as JSON data (rooms come from the spec)."""
        return {
            "inboxes": {n: [m.shared_json for m in msgs] for n, msgs in self.inboxes.items()},
            "dropped": dict(self.dropped),
            "messages_sent": self.messages_sent,
            "seq": [self._seq_tick, self._seq],
        }

    def load(self, data: Mapping[str, Any]) -> None:
        """Restore inboxes and counters from `to_json()` output."""
        self.inboxes = {
            n: [Message.from_json(m) for m in data["inboxes"].get(n, [])] for n in self.agents
        }
        self.dropped = dict(data["dropped"])
        self.messages_sent = data["messages_sent"]
        self._seq_tick, self._seq = data["seq"]
