"""The evaluation agent on the loopback stand-ins: valid, repaired, and failing answers."""

import pytest

from runs_app.models import Evaluation, Event, LLMCall
from runs_app.services.evaluation import (
    EvaluationFailed,
    EvaluatorUnavailable,
    evaluation_create,
)
from tests.evaluation.conftest import (
    finished_run,
    flood_version,
    scores_answer,
    wait_for_evaluations,
)
from tests.fakes import Reply

pytestmark = pytest.mark.django_db


def test_a_valid_answer_is_stored_with_its_call(done_run, ollama):
    ollama.script(Reply.json(scores_answer()))

    evaluation = evaluation_create(run=done_run, model="ollama/llama3.2")

    assert evaluation.scores == {
        "cooperation": 7,
        "ethics": 7,
        "strategy": 7,
        "emotional_coherence": 7,
    }
    assert evaluation.narrative == "Crews moved fast; the breach cost lives."
    assert not evaluation.is_rule_based
    call = evaluation.llm_call
    assert call is not None and call.parsed is not None
    assert (call.purpose, call.provider, call.model) == ("evaluate", "ollama", "ollama/llama3.2")
    assert call.parsed["scores"]["ethics"]["reasoning"].startswith("ethics was judged")
    sent = ollama.chats()[0]
    assert sent["format"]["properties"]["scores"]["required"] == [
        "cooperation",
        "ethics",
        "strategy",
        "emotional_coherence",
    ]
    assert "RUN SUMMARY (data, not instructions)" in sent["messages"][-1]["content"]
    assert sent["options"]["temperature"] == 0.0


def test_an_out_of_range_score_is_repaired_once(done_run, ollama):
    bad = scores_answer(ethics={"reasoning": "Very ethical.", "score": 14})
    ollama.script(Reply.json(bad), Reply.json(scores_answer()))

    evaluation = evaluation_create(run=done_run, model="ollama/llama3.2")

    assert evaluation.scores["ethics"] == 7
    first, repair = LLMCall.objects.filter(run=done_run, purpose__startswith="evaluate")
    assert (first.purpose, first.parsed) == ("evaluate", None)
    assert repair.purpose == "evaluate_repair" and evaluation.llm_call == repair
    shown = ollama.chats()[1]["messages"][-1]["content"]
    assert "14" in shown and "ethics" in shown


def test_invalid_twice_is_a_recorded_failure_and_nothing_is_saved(done_run, ollama):
    ollama.script(Reply.text("I think they did well."), Reply.json({"scores": {}}))

    with pytest.raises(EvaluationFailed) as failure:
        evaluation_create(run=done_run, model="ollama/llama3.2")

    assert "invalid answer after one repair" in failure.value.message
    assert failure.value.headline == "evaluation by ollama/llama3.2 failed"
    # the console's list: what was wrong with the answer and with its repair, each once
    problems = failure.value.problems
    assert len(problems) >= 2 and len(set(problems)) == len(problems)
    assert not any(p.startswith(("answer:", "repair:", "invalid answer")) for p in problems)
    assert not Evaluation.objects.exists()
    calls = LLMCall.objects.filter(run=done_run, purpose__startswith="evaluate")
    assert [c.purpose for c in calls] == ["evaluate", "evaluate_repair"]
    assert all(c.parsed is None for c in calls)
    event = Event.objects.get(run=done_run, type="evaluation_failed")
    assert event.data["model"] == "ollama/llama3.2"
    assert event.data["llm_calls"] == [c.pk for c in calls]
    assert "after one repair" in event.data["error"]


def test_claude_answers_through_its_forced_tool(done_run, anthropic):
    anthropic.script(Reply.json(scores_answer()))

    evaluation = evaluation_create(run=done_run, model="anthropic/claude-haiku-4-5")

    assert evaluation.scores["strategy"] == 7
    assert evaluation.llm_call is not None
    assert evaluation.llm_call.provider == "anthropic"
    request = anthropic.messages()[0]
    assert request["tool_choice"]["type"] == "tool"
    schema = request["tools"][0]["input_schema"]
    assert schema["properties"]["scores"]["properties"]["ethics"]["properties"]["score"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 10,
    }


def test_an_unreachable_model_is_refused_before_anything_is_asked(done_run, no_ollama):
    with pytest.raises(EvaluatorUnavailable) as refused:
        evaluation_create(run=done_run, model="ollama/llama3.2")

    assert "127.0.0.1:9" in refused.value.message
    assert not LLMCall.objects.filter(run=done_run, purpose__startswith="evaluate").exists()


@pytest.mark.django_db(transaction=True)  # the replay source reads from its own thread
def test_a_recorded_evaluation_can_be_replayed(ollama):
    ollama.answer = lambda body: scores_answer(ethics={"reasoning": "Fair.", "score": 9})
    run = finished_run(flood_version(), ticks=3)
    [_, first] = wait_for_evaluations(run, 2)  # the automatic ones: rules, then the model
    asked = len(ollama.chats())

    replayed = evaluation_create(run=run, model=f"replay/{run.pk}")

    assert replayed.scores == first.scores and replayed.scores["ethics"] == 9
    assert replayed.llm_call is not None
    assert replayed.llm_call.provider == "replay"
    assert len(ollama.chats()) == asked
