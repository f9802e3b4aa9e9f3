"""Emotions move with events and with what agents report, and stay within [0, 1]."""

from __future__ import annotations

from simengine.core.agents import Emotion
from simengine.core.decision import Decision
from simengine.core.simulation import Simulation
from tests.core.helpers import Scripted, run_ticks, small_flood, spec_of


def test_nudges_are_clamped_to_the_unit_interval() -> None:
    emotion = Emotion(fear=0.9, stress=0.1, hope=0.5, empathy=0.5, trust={"B": 0.95})
    emotion.nudge({"fear": 0.5, "stress": -0.4, "joy": 1.0}, {"B": 0.2, "C": -0.9})
    assert emotion.feelings() == {"fear": 1.0, "stress": 0.0, "hope": 0.5, "empathy": 0.5}
    assert emotion.trust == {"B": 1.0, "C": 0.0}


def test_a_reported_emotion_is_blended_in_and_clamped() -> None:
    emotion = Emotion(fear=0.2, stress=0.2, hope=0.6, empathy=0.5)
    emotion.blend({"fear": 1.0, "hope": 3.0, "stress": "very", "empathy": float("nan")})
    assert emotion.feelings() == {"fear": 0.6, "stress": 0.2, "hope": 0.8, "empathy": 0.5}


def test_emotions_relax_toward_the_agents_temperament() -> None:
    emotion = Emotion(fear=1.0, stress=0.0, hope=0.5, empathy=0.5, trust={"B": 1.0})
    emotion.relax({"fear": 0.0, "stress": 1.0, "hope": 0.5, "empathy": 0.5})
    assert (emotion.fear, emotion.stress) == (0.9, 0.1)
    assert emotion.trust["B"] == 0.99


def test_water_reaching_an_agents_place_raises_its_fear() -> None:
    simulation = Simulation.create(spec_of(small_flood()), seed=1, run_id="e")
    run_ticks(simulation, Scripted(), 2)
    before_crew = simulation.agents["Crew 1"].emotion["fear"]
    before_chief = simulation.agents["Chief"].emotion["fear"]
    run_ticks(simulation, Scripted(), 1)  # tick 3: the water reaches "low"
    assert simulation.agents["Crew 1"].emotion["fear"] > before_crew + 0.2
    assert simulation.agents["Chief"].emotion["fear"] <= before_chief


def test_a_rescue_brings_hope_and_a_refusal_brings_stress() -> None:
    simulation = Simulation.create(spec_of(small_flood()), seed=1, run_id="e")
    hope = simulation.agents["Crew 1"].emotion["hope"]
    stress = simulation.agents["Medic"].emotion["stress"]
    script = {("Crew 1", 1): [{"type": "rescue"}], ("Medic", 1): [{"type": "rescue"}]}
    run_ticks(simulation, Scripted(script), 1)
    assert simulation.agents["Crew 1"].emotion["hope"] > hope
    assert simulation.agents["Medic"].emotion["stress"] > stress


def test_an_agents_own_report_moves_its_emotion() -> None:
    simulation = Simulation.create(spec_of(small_flood()), seed=1, run_id="e")
    decision = Decision(thought="", actions=({"type": "wait"},), emotion={"fear": 1.0})
    run_ticks(simulation, Scripted({("Chief", 1): decision}), 1)
    # blended half way from 0.2 to 1.0, then relaxed 10% back toward 0.2
    assert simulation.agents["Chief"].emotion["fear"] == 0.56


def test_emotions_stay_within_bounds_through_a_whole_run() -> None:
    simulation = Simulation.create(spec_of(small_flood()), seed=3, run_id="e")
    maker = Scripted(emotion={"fear": 1.0, "stress": 1.0, "hope": 0.0, "empathy": 1.0})
    run_ticks(simulation, maker, 30)
    for agent in simulation.agents.values():
        assert all(0.0 <= v <= 1.0 for v in agent.emotion.values())
        assert all(0.0 <= v <= 1.0 for v in agent.trust.values())


def test_trust_lists_only_agents_trusted_more_or_less_than_neutral() -> None:
    emotion = Emotion(fear=0.5, stress=0.5, hope=0.5, empathy=0.5)
    emotion.nudge({}, {"B": 0.1, "C": 0.0})
    assert emotion.trust == {"B": 0.6}
    assert (emotion.trust_in("B"), emotion.trust_in("Z")) == (0.6, 0.5)
    emotion.nudge({}, {"B": -0.1})
    assert emotion.trust == {}  # back at neutral: dropped
    old = Emotion.from_json({**emotion.to_json(), "trust": {"B": 0.5, "C": 0.7}})
    assert old.trust == {"C": 0.7}  # a snapshot listing neutral values reads the same


def test_an_observation_shows_the_most_salient_trust_values_only() -> None:
    emotion = Emotion(fear=0.5, stress=0.5, hope=0.5, empathy=0.5)
    emotion.nudge({}, {f"A{i:02d}": 0.01 * (i + 1) for i in range(30)})
    emotion.nudge({}, {"Z": -0.4})
    shown = emotion.salient_trust(limit=3)
    assert shown == {"Z": 0.1, "A29": 0.8, "A28": 0.79}
    assert len(emotion.salient_trust()) == 12
