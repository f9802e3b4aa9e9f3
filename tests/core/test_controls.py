"""Operator controls at tick boundaries: each one applied, logged, or refused with a reason."""

from __future__ import annotations

import pytest

from simengine.core.controls import (
    InjectCommand,
    InjectMessage,
    MuteAgent,
    PauseAgent,
    QueuedControls,
    ResumeAgent,
    SetWorldValue,
    StopRun,
    TerminateAgent,
    TriggerEvent,
    UnmuteAgent,
    control_from_json,
)
from simengine.core.simulation import Simulation
from tests.core.helpers import Scripted, events_of, run_ticks, small_flood, spec_of


def start() -> tuple[Simulation, Scripted]:
    return Simulation.create(spec_of(small_flood()), seed=1, run_id="ctl"), Scripted()


def deciders(maker: Scripted, tick: int) -> set[str]:
    return {r.agent.name for r in maker.requests if r.tick == tick}


def test_a_paused_agent_does_not_decide_until_resumed() -> None:
    simulation, maker = start()
    results = run_ticks(
        simulation, maker, 3, {1: [PauseAgent(agent="Medic")], 3: [ResumeAgent(agent="Medic")]}
    )
    assert "Medic" not in deciders(maker, 1) | deciders(maker, 2)
    assert "Medic" in deciders(maker, 3)
    [paused, resumed] = events_of(results, "ControlApplied")
    assert paused == {
        "tick": 1,
        "type": "ControlApplied",
        "agent": "Medic",
        "data": {"control": {"kind": "pause_agent", "agent": "Medic"}, "detail": "Medic paused"},
    }
    assert resumed["data"]["detail"] == "Medic resumed"
    assert simulation.agents["Medic"].status == "active"


def test_a_muted_agent_still_acts_but_is_not_heard_until_unmuted() -> None:
    simulation, _ = start()
    from tests.core.helpers import say

    maker = Scripted({("Chief", 1): say("all", "one"), ("Chief", 2): say("all", "two")})
    results = run_ticks(
        simulation, maker, 2, {1: [MuteAgent(agent="Chief")], 2: [UnmuteAgent(agent="Chief")]}
    )
    assert "Chief" in deciders(maker, 1)
    assert [m["text"] for r in results for m in r.messages] == ["two"]


def test_terminating_every_agent_ends_the_run() -> None:
    simulation, maker = start()
    controls = [TerminateAgent(agent=n) for n in ("Crew 1", "Crew 2", "Medic", "Chief")]
    [result] = run_ticks(simulation, maker, 1, {1: controls})
    assert result.finished and result.end_reason == "no_active_agents"
    assert events_of([result], "RunEnded")[0]["data"]["detail"] == "every agent has been terminated"


def test_a_terminated_agent_cannot_be_resumed() -> None:
    simulation, maker = start()
    results = run_ticks(
        simulation, maker, 1, {1: [TerminateAgent(agent="Medic"), ResumeAgent(agent="Medic")]}
    )
    [rejected] = events_of(results, "ControlRejected")
    assert rejected["data"]["reason"] == "Medic is terminated: cannot be resumed"


def test_an_injected_message_reaches_the_room_with_the_operator_as_sender() -> None:
    simulation, maker = start()
    run_ticks(simulation, maker, 1, {1: [InjectMessage(to="room:ops", text="Levee failing")]})
    [request] = [r for r in maker.requests_of("Crew 1") if r.tick == 1]
    assert [(m.sender, m.channel, m.text) for m in request.inbox] == [
        ("operator", "room:ops", "Levee failing")
    ]
    assert [r for r in maker.requests_of("Medic") if r.tick == 1][0].inbox == ()


def test_an_injected_command_reaches_only_the_next_decision() -> None:
    simulation, maker = start()
    run_ticks(simulation, maker, 2, {1: [InjectCommand(agent="Medic", text="Go to low now")]})
    commands = [r.operator_commands for r in maker.requests_of("Medic")]
    assert commands == [("Go to low now",), ()]
    assert "operator command: Go to low now" in maker.requests_of("Medic")[1].recent_memory[0]


def test_god_mode_sets_a_world_value() -> None:
    simulation, maker = start()
    results = run_ticks(
        simulation,
        maker,
        1,
        {
            1: [
                SetWorldValue(path="water_level", value=5),
                SetWorldValue(path="locations.mid.civilians", value=9),
            ]
        },
    )
    details = [e["data"]["detail"] for e in events_of(results, "ControlApplied")]
    assert details == ["water_level set to 5 (was 0.0)", "locations.mid.civilians set to 9 (was 5)"]
    assert simulation.state.water_level == 5.5  # then the tick's rise
    assert simulation.state.locations["mid"].flooded_since == 1


@pytest.mark.parametrize(
    ("control", "reason"),
    [
        (
            SetWorldValue(path="locations.moon.civilians", value=1),
            "'locations.moon.civilians' is not a value of this world"
            " ('moon' is not one of: hill, low, mid)",
        ),
        (
            SetWorldValue(path="water_level", value="high"),
            "'water_level' expects a number, got 'high'",
        ),
        (
            SetWorldValue(path="locations.mid.injured", value=50),
            "locations.mid.injured must not exceed its civilians",
        ),
        (
            SetWorldValue(path="locations", value=1),
            "'locations' is a group of values, not a single value",
        ),
        (
            TriggerEvent(type="earthquake", params={}),
            "unknown event type 'earthquake' for world kind 'flood'"
            " (known: levee_breach, rain_change, supply_drop, stranded)",
        ),
        (
            TriggerEvent(type="rain_change", params={}),
            "params.intensity: required for event 'rain_change'",
        ),
        (PauseAgent(agent="Nobody"), "unknown agent 'Nobody'"),
        (InjectMessage(to="room:nowhere", text="hi"), "unknown room 'nowhere'"),
        (InjectCommand(agent="Medic", text="  "), "the command is empty"),
    ],
)
def test_a_control_that_cannot_apply_is_refused_with_a_reason(control, reason: str) -> None:
    simulation, maker = start()
    results = run_ticks(simulation, maker, 1, {1: [control]})
    [rejected] = events_of(results, "ControlRejected")
    assert rejected["data"] == {"control": control.to_json(), "reason": reason}


def test_triggering_an_event_applies_it_now() -> None:
    simulation, maker = start()
    results = run_ticks(
        simulation, maker, 1, {1: [TriggerEvent(type="levee_breach", params={"surge": 4})]}
    )
    [breach] = [
        e for e in events_of(results, "EnvironmentEvent") if e["data"]["kind"] == "levee_breach"
    ]
    assert breach["agent"] == "Weather"
    assert simulation.state.water_level == 5.0  # 4 m surge, then 0.5 m x 2


def test_stopping_ends_the_run_at_the_tick_boundary() -> None:
    simulation, maker = start()
    [result] = run_ticks(simulation, maker, 1, {1: [StopRun()]})
    assert result.finished and result.end_reason == "stopped"
    assert maker.requests == []


def test_pausing_the_environment_agent_holds_the_world_still() -> None:
    simulation, maker = start()
    run_ticks(simulation, maker, 2, {1: [PauseAgent(agent="Weather")]})
    assert simulation.state.water_level == 0.0


def test_controls_round_trip_through_json() -> None:
    controls = [
        PauseAgent(agent="A"),
        InjectMessage(to="all", text="x"),
        SetWorldValue(path="water_level", value=2.5),
        TriggerEvent(type="levee_breach", params={"surge": 1}),
        StopRun(),
    ]
    assert [control_from_json(c.to_json()) for c in controls] == controls
    with pytest.raises(ValueError, match="unknown control kind 'explode'"):
        control_from_json({"kind": "explode"})


def test_a_queue_is_a_control_source() -> None:
    queue = QueuedControls()
    queue.put(PauseAgent(agent="A"), StopRun())
    assert queue.poll() == [PauseAgent(agent="A"), StopRun()]
    assert queue.poll() == []
