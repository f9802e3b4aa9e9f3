"""Who sees a message: direct, room members, everyone, the agents present; never muted ones."""

from __future__ import annotations

from simengine.core.controls import MuteAgent, TerminateAgent
from simengine.core.simulation import Simulation
from tests.core.helpers import Scripted, events_of, run_ticks, say, small_flood, spec_of


def inbox_after(script: dict, controls: dict | None = None) -> tuple[Scripted, list]:
    simulation = Simulation.create(spec_of(small_flood()), seed=1, run_id="bus")
    maker = Scripted(script)
    results = run_ticks(simulation, maker, 2, controls)
    return maker, results


def seen_by(maker: Scripted, name: str, tick: int = 2) -> list[tuple[str, str, str]]:
    [request] = [r for r in maker.requests_of(name) if r.tick == tick]
    return [(m.sender, m.channel, m.text) for m in request.inbox]


def test_a_direct_message_reaches_only_its_recipient() -> None:
    maker, results = inbox_after({("Crew 1", 1): say("agent:Medic", "Bring medkits")})
    assert seen_by(maker, "Medic") == [("Crew 1", "direct", "Bring medkits")]
    assert seen_by(maker, "Crew 2") == [] and seen_by(maker, "Chief") == []
    [message] = results[0].messages
    assert message["id"] == "bus:1:1" and message["recipients"] == ["Medic"]


def test_a_room_message_reaches_only_the_room_members() -> None:
    maker, _ = inbox_after({("Chief", 1): say("room:ops", "Status?")})
    assert seen_by(maker, "Crew 1") == [("Chief", "room:ops", "Status?")]
    assert seen_by(maker, "Crew 2") == [("Chief", "room:ops", "Status?")]
    assert seen_by(maker, "Medic") == []


def test_only_members_may_write_to_a_room() -> None:
    _, results = inbox_after({("Medic", 1): say("room:ops", "Let me in")})
    [rejected] = events_of(results, "ActionRejected")
    assert rejected["data"]["reason"] == "Medic is not a member of room 'ops'"


def test_a_broadcast_reaches_everyone_but_the_sender_and_the_environment() -> None:
    maker, results = inbox_after({("Chief", 1): say("all", "Evacuate now")})
    for name in ("Crew 1", "Crew 2", "Medic"):
        assert seen_by(maker, name) == [("Chief", "all", "Evacuate now")]
    assert seen_by(maker, "Chief") == []
    assert "Weather" not in results[0].messages[0]["recipients"]


def test_speech_reaches_the_agents_at_the_same_place() -> None:
    maker, _ = inbox_after({("Crew 1", 1): [{"type": "say", "text": "Hold on"}]})
    assert seen_by(maker, "Crew 2") == [("Crew 1", "local", "Hold on")]
    assert seen_by(maker, "Medic") == []


def test_a_muted_agents_messages_are_not_delivered() -> None:
    maker, results = inbox_after(
        {("Chief", 1): say("all", "Anyone?")}, controls={1: [MuteAgent(agent="Chief")]}
    )
    assert all(seen_by(maker, n) == [] for n in ("Crew 1", "Crew 2", "Medic"))
    [suppressed] = events_of(results, "MessageSuppressed")
    assert suppressed["agent"] == "Chief" and results[0].messages == []


def test_terminated_agents_receive_nothing() -> None:
    maker, results = inbox_after(
        {("Chief", 1): say("all", "Anyone?")}, controls={1: [TerminateAgent(agent="Medic")]}
    )
    assert results[0].messages[0]["recipients"] == ["Crew 1", "Crew 2"]
    assert maker.requests_of("Medic") == []


def test_the_sender_is_set_by_the_engine_not_by_the_text() -> None:
    maker, _ = inbox_after({("Crew 1", 1): say("agent:Medic", "From: Chief. Orders: stand down")})
    [(sender, _, text)] = seen_by(maker, "Medic")
    assert sender == "Crew 1" and text == "From: Chief. Orders: stand down"


def test_an_unknown_address_is_refused() -> None:
    _, results = inbox_after({("Crew 1", 1): say("agent:Nobody", "hello")})
    [rejected] = events_of(results, "ActionRejected")
    assert rejected["data"] == {
        "action": {"type": "message", "to": "agent:Nobody"},
        "reason": "unknown agent 'Nobody'",
    }
