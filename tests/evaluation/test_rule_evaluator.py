"""The offline evaluator: rule-derived scores, labelled rule-based, inside each range."""

import asyncio

import pytest

from runs_app.services.evaluation import evaluation_create
from simengine.core.evaluation import (
    DEFAULT_DIMENSIONS,
    AgentInfo,
    Dimension,
    RunFacts,
    Unusable,
    build_summary,
    check_answer,
    evaluate_run,
    resolve_dimensions,
)
from simengine.core.spec import parse_spec
from tests.evaluation.conftest import scores_answer

PEOPLE = (AgentInfo("Rescuer 1", "crew"), AgentInfo("Rescuer 2", "crew"))


def summary(end_reason: str, metrics: dict, *, refusals: int = 0, fear_jump: bool = False):
    facts = RunFacts(
        run_id="1",
        scenario="Flood",
        world_kind="flood",
        status="completed",
        end_reason=end_reason,
        ticks=10,
        max_ticks=20,
        agents=PEOPLE,
        final_metrics=metrics,
        cooperative_actions=frozenset({"rescue", "share"}),
    )
    events = [
        {"tick": t, "type": "AgentActed", "agent": "Rescuer 1", "data": {"action": {"type": k}}}
        for t, k in enumerate(["rescue", "share", "move", "rescue", "wait"], start=1)
    ]
    events += [{"tick": 2, "type": "ActionRejected", "agent": "Rescuer 2", "data": {}}] * refusals
    events.append(
        {"tick": 4, "type": "EnvironmentEvent", "data": {"kind": "levee_breach", "text": "x"}}
    )
    fear = {1: 0.2, 3: 0.2, 5: 0.6, 10: 0.5} if not fear_jump else {1: 0.2, 3: 0.9, 5: 0.2}
    emotions = [
        (t, {"Rescuer 1": {"fear": f, "stress": 0.3, "hope": 0.5, "empathy": 0.8}})
        for t, f in fear.items()
    ]
    messages = [{"tick": t, "sender": "Rescuer 1", "to": "#c", "text": "go"} for t in range(8)]
    return build_summary(facts, events=events, emotions=emotions, messages=messages)


def rules(s, dimensions=DEFAULT_DIMENSIONS):
    return asyncio.run(evaluate_run(s, "text", dimensions, model="offline/heuristic"))


GOOD = {"rescued_fraction": 0.95, "casualties": 1, "rescued": 57, "treated": 4}
BAD = {"rescued_fraction": 0.2, "casualties": 30, "rescued": 12, "civilians_at_risk": 20}


def test_rule_scores_are_integers_in_range_with_reasons_and_a_narrative():
    result = rules(summary("success", GOOD))
    assert result.is_rule_based and result.ok
    assert set(result.answer.scores) == {d.name for d in DEFAULT_DIMENSIONS}
    assert all(isinstance(v, int) and 0 <= v <= 10 for v in result.answer.scores.values())
    assert all(r.startswith("Rule-based: ") for r in result.answer.reasoning.values())
    assert result.answer.narrative.startswith("Rule-based assessment (no language model)")
    [record] = result.records
    assert (record.provider, record.purpose, record.tokens_in) == ("offline", "evaluate", 0)
    assert record.parsed["scores"]["ethics"]["score"] == result.answer.scores["ethics"]


def test_a_successful_run_outscores_a_failed_one_on_ethics_and_strategy():
    good = rules(summary("success", GOOD)).answer.scores
    bad = rules(summary("failure", BAD, refusals=6)).answer.scores
    assert good["ethics"] > bad["ethics"]
    assert good["strategy"] > bad["strategy"]


def test_fear_that_rises_after_a_breach_is_coherent_and_a_calm_spike_is_not():
    coherent = rules(summary("success", GOOD)).answer.scores["emotional_coherence"]
    spiky = rules(summary("success", GOOD, fear_jump=True)).answer.scores["emotional_coherence"]
    assert coherent > spiky


def test_custom_dimensions_use_their_own_ranges():
    dims = resolve_dimensions(["ethics", {"name": "courage", "range_low": 1, "range_high": 5}])
    result = rules(summary("success", GOOD), dims)
    assert result.answer.scores["courage"] == 3  # no rule: the middle of 1-5
    assert "no rule" in result.answer.reasoning["courage"]
    assert dims[0].description.startswith("Whether the agents' choices respected")


def test_scenario_dimension_objects_resolve_to_dimensions():
    spec = parse_spec(
        {
            "name": "x",
            "world": {"kind": "dialogue", "params": {"topic": "t", "options": ["a", "b"]}},
            "agent_templates": [{"id": "a"}],
            "evaluation": {
                "dimensions": ["strategy", {"name": "honesty", "description": "No lies."}]
            },
        }
    )
    assert spec.evaluation is not None
    dims = resolve_dimensions(spec.evaluation.dimensions)
    assert dims[1] == Dimension("honesty", "No lies.", 0, 10)
    assert spec.to_dict()["evaluation"]["dimensions"][0] == "strategy"


def test_answers_are_checked_against_each_dimensions_range():
    dims = (Dimension("courage", "", 1, 5),)
    ok = check_answer(
        {"scores": {"courage": {"reasoning": "r", "score": 5}}, "narrative": "n"}, dims
    )
    assert ok.scores == {"courage": 5}
    with pytest.raises(Unusable, match="outside 1-5"):
        check_answer(
            {"scores": {"courage": {"reasoning": "r", "score": 0}}, "narrative": "n"}, dims
        )
    with pytest.raises(Unusable, match="scores.ethics: missing"):
        check_answer(scores_answer(ethics=None), DEFAULT_DIMENSIONS)


@pytest.mark.django_db
def test_the_service_stores_a_rule_based_evaluation_with_its_record(done_run):
    evaluation = evaluation_create(run=done_run, model="offline/heuristic")
    assert evaluation.is_rule_based and evaluation.evaluator_model == "offline/heuristic"
    assert set(evaluation.scores) == {d.name for d in DEFAULT_DIMENSIONS}
    call = evaluation.llm_call
    assert call is not None and call.parsed is not None
    assert call.provider == "offline"
    assert "Rule-based" in call.parsed["scores"]["cooperation"]["reasoning"]
