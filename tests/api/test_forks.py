"""POST /api/runs/{id}/fork/: a new run from a stored tick, or 400/409 naming the problem."""

from __future__ import annotations

import pytest
import yaml

from runs_app.models import Run
from runs_app.services.runs import run_create
from tests.api.factories import make_user, token_client
from tests.runs_app.factories import small_flood_version, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def user():
    return make_user()


@pytest.fixture
def api(user):
    return token_client(user)


@pytest.fixture
def finished(user):
    version = small_flood_version(max_ticks=6, user=user)
    return wait_until_final(run_create(version=version, seed=3, user=user))


def test_a_fork_answers_201_with_its_lineage(api, finished):
    response = api.post(
        f"/api/runs/{finished.pk}/fork/",
        {"step": 3, "seed": 9, "overrides": {"messages": [{"to": "all", "text": "Hold on."}]}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["parent"], body["fork_step"], body["seed"]) == (finished.pk, 3, 9)
    fork = wait_until_final(Run.objects.get(pk=body["id"]))
    assert fork.current_step == 6
    assert api.get(f"/api/runs/{fork.pk}/").json()["parent"] == finished.pk
    forks = api.get(f"/api/runs/?parent={finished.pk}").json()["results"]
    assert [(r["id"], r["fork_step"]) for r in forks] == [(fork.pk, 3)]
    steps = api.get(f"/api/runs/{fork.pk}/steps/").json()["results"]
    assert [s["index"] for s in steps] == [3, 4, 5, 6]
    assert [s["snapshot"]["tick"] for s in steps] == [3, 4, 5, 6]


def test_a_step_the_run_has_not_stored_answers_400_naming_it(api, finished):
    response = api.post(f"/api/runs/{finished.pk}/fork/", {"step": 7}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "path": "step",
            "message": f"run {finished.pk} has stored ticks 1 to 6; there is no tick 7",
        }
    ]
    assert Run.objects.count() == 1


def test_a_queued_run_answers_409(api, user):
    queued = run_create(version=small_flood_version(max_ticks=6, user=user), start=False, user=user)
    Run.objects.filter(pk=queued.pk).update(status="queued")
    response = api.post(f"/api/runs/{queued.pk}/fork/", {"step": 1}, format="json")
    assert response.status_code == 409
    assert "still queued" in str(response.json())
    assert Run.objects.count() == 1


def test_an_override_the_validator_rejects_answers_400(api, finished):
    response = api.post(
        f"/api/runs/{finished.pk}/fork/",
        {"step": 2, "overrides": {"templates": {"nobody": {"count": 2}}}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "overrides.templates.nobody", "message": "no agent template with that id"}
    ]
    assert Run.objects.count() == 1


def test_the_schema_documents_the_fork_endpoint(api):
    schema = yaml.safe_load(api.get("/api/schema/").content)
    operation = schema["paths"]["/api/runs/{run_id}/fork/"]["post"]
    assert {"201", "400", "409"} <= set(operation["responses"])
    listing = schema["paths"]["/api/runs/"]["get"]
    assert "parent" in {p["name"] for p in listing["parameters"]}
