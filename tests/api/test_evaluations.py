import pytest

from runs_app.models import Evaluation
from tests.api.factories import make_run

pytestmark = pytest.mark.django_db


def make_evaluation(run, **scores):
    return Evaluation.objects.create(
        run=run,
        evaluator_model="offline/heuristic",
        is_rule_based=True,
        scores=scores,
        narrative="Steady work under pressure.",
    )


def test_it_lists_evaluations_and_filters_them_by_run(api):
    run, other = make_run(), make_run()
    mine = make_evaluation(run, cooperation=0.8)
    make_evaluation(other, cooperation=0.2)
    everything = api.get("/api/evaluations/")
    assert everything.status_code == 200
    assert everything.data["count"] == 2
    filtered = api.get("/api/evaluations/", {"run": run.pk})
    assert [e["id"] for e in filtered.data["results"]] == [mine.pk]
    assert filtered.data["results"][0]["scores"] == {"cooperation": 0.8}
    assert api.get("/api/evaluations/", {"run": "first"}).status_code == 400


def test_it_shows_one_evaluation(api):
    evaluation = make_evaluation(make_run(), ethics=0.9)
    response = api.get(f"/api/evaluations/{evaluation.pk}/")
    assert response.status_code == 200
    assert response.data["narrative"] == "Steady work under pressure."
    assert response.data["is_rule_based"] is True
    assert api.get("/api/evaluations/9999/").status_code == 404


def test_run_detail_includes_its_evaluations(api):
    run = make_run()
    make_evaluation(run, strategy=0.4)
    response = api.get(f"/api/runs/{run.pk}/")
    assert [e["scores"] for e in response.data["evaluations"]] == [{"strategy": 0.4}]
