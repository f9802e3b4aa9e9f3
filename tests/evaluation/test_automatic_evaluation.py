"""A run whose scenario has an `evaluation` block is evaluated when it completes."""

import time

import pytest

from runs_app.executor import enqueue_evaluation
from runs_app.models import Evaluation, Event
from runs_app.services.evaluation import evaluation_auto
from runs_app.services.runs import run_create
from runs_app.tasks import evaluate_run
from simengine.celery import app as celery_app
from tests.evaluation.conftest import (
    finished_run,
    flood_version,
    scores_answer,
    wait_for_evaluations,
)
from tests.fakes import Reply
from tests.runs_app.factories import small_flood_version, wait_until_final


@pytest.mark.django_db(transaction=True)
def test_a_completed_run_gets_the_rule_baseline_and_the_scenario_model(ollama):
    ollama.script(Reply.json(scores_answer()))
    run = run_create(
        version=flood_version(),
        seed=4,
        overrides={"model_override": "offline/heuristic", "max_ticks": 4},
    )
    run = wait_until_final(run)
    assert run.status == "completed"

    rules, model = wait_for_evaluations(run, 2)

    assert (rules.evaluator_model, rules.is_rule_based) == ("offline/heuristic", True)
    assert (model.evaluator_model, model.is_rule_based) == ("ollama/llama3.2", False)
    assert model.scores["cooperation"] == 7


@pytest.mark.django_db(transaction=True)
def test_a_scenario_without_an_evaluation_block_is_not_evaluated():
    run = wait_until_final(run_create(version=small_flood_version(max_ticks=3), seed=1))
    assert run.status == "completed"
    time.sleep(0.5)
    assert not Evaluation.objects.filter(run=run).exists()


@pytest.mark.django_db
def test_an_unavailable_evaluator_is_recorded_and_the_baseline_still_stored(no_ollama):
    run = finished_run(flood_version(), ticks=3)

    made = evaluation_auto(run.pk)

    assert [e.evaluator_model for e in made] == ["offline/heuristic"]
    failure = Event.objects.get(run=run, type="evaluation_failed")
    assert failure.data["model"] == "ollama/llama3.2"
    assert "unavailable" in failure.data["error"]


@pytest.mark.django_db
def test_evaluating_again_skips_the_models_that_already_did(no_ollama):
    run = finished_run(flood_version(), ticks=3)
    evaluation_auto(run.pk)

    assert evaluation_auto(run.pk) == []
    assert Evaluation.objects.filter(run=run).count() == 1


@pytest.mark.django_db
def test_with_celery_the_evaluation_is_a_task_on_the_run_queue(settings, monkeypatch, no_ollama):
    run = finished_run(flood_version(), ticks=3)
    sent = []
    monkeypatch.setattr(
        celery_app, "send_task", lambda name, args, queue: sent.append((name, args, queue))
    )
    settings.SIMENGINE_EXECUTOR = "celery"

    enqueue_evaluation(run.pk)

    assert sent == [("runs.evaluate_run", (run.pk,), settings.SIMENGINE_CELERY_QUEUE)]
    assert evaluate_run.name == "runs.evaluate_run"
    assert evaluate_run.run(run.pk) == 1  # the task body: the rule baseline (Ollama is down)
