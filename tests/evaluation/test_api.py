"""The evaluation and design API.

POST /api/evaluations/, /api/batches/{id}/analysis/ and sweep-proposal/, and
POST /api/scenarios/design/.
"""

import pytest

from runs_app.models import Batch, Evaluation
from scenarios_app.models import Scenario
from tests.api.factories import token_client
from tests.evaluation.conftest import finished_batch, scores_answer
from tests.fakes import Reply
from tests.runs_app.factories import small_flood_version

pytestmark = pytest.mark.django_db
BRIEF = "A hospital evacuation with three nurses, a panicking crowd and only one boat."


@pytest.fixture
def api(owner):
    return token_client(owner)


def test_posting_an_evaluation_scores_the_run_by_rules(api, done_run):
    response = api.post(
        "/api/evaluations/", {"run": done_run.pk, "model": "offline/heuristic"}, format="json"
    )
    assert response.status_code == 201
    assert response.data["is_rule_based"] is True
    assert set(response.data["scores"]) == {
        "cooperation",
        "ethics",
        "strategy",
        "emotional_coherence",
    }
    assert Evaluation.objects.get().llm_call_id == response.data["llm_call"]


def test_without_a_model_the_scenarios_evaluator_is_used(api, done_run, ollama):
    ollama.script(Reply.json(scores_answer()))
    response = api.post("/api/evaluations/", {"run": done_run.pk}, format="json")
    assert response.status_code == 201
    assert response.data["evaluator_model"] == "ollama/llama3.2"


def test_an_unusable_answer_twice_is_422_with_each_attempt(api, done_run, ollama):
    ollama.script(Reply.text("nope"), Reply.text("still nope"))
    response = api.post(
        "/api/evaluations/", {"run": done_run.pk, "model": "ollama/llama3.2"}, format="json"
    )
    assert response.status_code == 422
    assert "after one repair" in response.data["detail"]
    assert [e["path"] for e in response.data["errors"]] == ["attempt 1", "attempt 2"]
    assert not Evaluation.objects.exists()


def test_bad_evaluation_requests_are_400_or_409(api, done_run, no_ollama):
    bad_model = api.post(
        "/api/evaluations/", {"run": done_run.pk, "model": "olama/x"}, format="json"
    )
    assert bad_model.status_code == 400
    assert bad_model.data["errors"][0]["path"] == "model"
    assert api.post("/api/evaluations/", {"run": 999999}, format="json").status_code == 400
    down = api.post(
        "/api/evaluations/", {"run": done_run.pk, "model": "ollama/llama3.2"}, format="json"
    )
    assert down.status_code == 409 and "unavailable" in down.data["detail"]


@pytest.fixture
def batch(owner) -> Batch:
    version = small_flood_version(max_ticks=5, name="Api flood", user=owner)
    return finished_batch(version, {"rain_intensity": [0.3, 0.9]}, seeds=3, ticks=5, owner=owner)


def test_a_batch_analysis_compares_cells_and_reports_effects(api, batch):
    response = api.get(f"/api/batches/{batch.pk}/analysis/")
    assert response.status_code == 200
    data = response.data
    assert data["completed_runs"] == 6
    comparison = {m["metric"]: m for m in data["comparison"]["metrics"]}
    assert comparison["casualties"]["n_a"] == 3 and "welch_p" in comparison["casualties"]
    effects = {(e["parameter"], e["metric"]) for e in data["effects"]}
    assert ("rain_intensity", "water_level") in effects
    assert set(data["behaviours"]["totals"]) == {
        "sharing",
        "refusals",
        "panic_messages",
        "fear_spikes",
    }


def test_a_batch_analysis_with_named_conditions_and_a_bad_one(api, batch):
    cell = data_key = api.get(f"/api/batches/{batch.pk}/analysis/").data["conditions"][0]["key"]
    response = api.get(f"/api/batches/{batch.pk}/analysis/", {"a": cell, "b": f"batch:{batch.pk}"})
    assert response.data["comparison"]["b"]["runs"] == 6 and data_key == cell
    bad = api.get(f"/api/batches/{batch.pk}/analysis/", {"a": "cell:x", "b": cell})
    assert bad.status_code == 400 and "no such grid cell" in bad.data["errors"][0]["message"]
    half = api.get(f"/api/batches/{batch.pk}/analysis/", {"a": cell})
    assert half.status_code == 400


def test_a_sweep_proposal_starts_nothing(api, batch):
    response = api.post(f"/api/batches/{batch.pk}/sweep-proposal/", {}, format="json")
    assert response.status_code == 200
    assert "rain_intensity" in response.data["grid"] and response.data["parameters"]
    assert response.data["scenario_version"] == batch.scenario_version_id
    assert Batch.objects.count() == 1
    started = api.post(
        "/api/batches/",
        {
            "version": response.data["scenario_version"],
            "grid": response.data["grid"],
            "seeds_per_cell": response.data["seeds_per_cell"],
        },
        format="json",
    )
    assert started.status_code == 201


def test_designing_offline_saves_a_draft(api, no_ollama):
    response = api.post("/api/scenarios/design/", {"brief": BRIEF}, format="json")
    assert response.status_code == 201
    assert response.data["scenario"]["is_draft"] is True
    assert response.data["dry_run"]["ticks"] == 3
    assert response.data["attempts"][0] == "keywords: valid"


def test_a_design_that_fails_twice_is_422_and_saves_nothing(api, ollama):
    ollama.script(Reply.json({"name": "only a name"}), Reply.json({"world": {}}))
    response = api.post(
        "/api/scenarios/design/", {"brief": BRIEF, "model": "ollama/llama3.2"}, format="json"
    )
    assert response.status_code == 422
    assert response.data["errors"][0]["message"].startswith("answer: the scenario is invalid")
    assert not Scenario.objects.exists()


def test_designing_with_an_unreachable_model_is_409(api, no_ollama):
    response = api.post(
        "/api/scenarios/design/", {"brief": BRIEF, "model": "ollama/llama3.2"}, format="json"
    )
    assert response.status_code == 409
    assert api.post("/api/scenarios/design/", {"brief": ""}, format="json").status_code == 400
