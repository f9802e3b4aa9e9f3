"""GET /api/runs/{id}/agents/{agent}/memories/: filters, cursor pages, recall scores, auth."""

import pytest
from rest_framework.test import APIClient

from agents_app.models import Agent, AgentMemory
from runs_app.models import Event
from runs_app.services.runs import run_create
from tests.api.factories import make_run
from tests.runs_app.factories import small_flood_version, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def run(user):
    memory = {"retrieve_k": 3, "reflection_every": 4}
    version = small_flood_version(max_ticks=12, memory=memory, user=user)
    return wait_until_final(run_create(version=version, seed=2, user=user))


@pytest.fixture
def rescuer(run):
    return Agent.objects.get(run=run, name="Rescuer 1")


def url(run, agent) -> str:
    return f"/api/runs/{run.pk}/agents/{agent.pk}/memories/"


def results(response):
    assert response.status_code == 200, response.data
    return response.data["results"]


def test_it_lists_an_agents_memories_in_the_order_remembered(api, run, rescuer):
    memories = results(api.get(url(run, rescuer), {"limit": 1000}))
    stored = AgentMemory.objects.filter(agent=rescuer).order_by("seq")
    assert [m["seq"] for m in memories] == list(range(stored.count()))
    first = stored.first()
    assert first is not None
    assert memories[0] == {
        "id": first.pk,
        "seq": 0,
        "step": 1,
        "kind": "observation",
        "text": first.text,
        "importance": first.importance,
        "embedding_model": "local",
        "sources": [],
        "recall": None,
    }
    assert "embedding" not in memories[0]


def test_cursor_pages_read_every_memory_exactly_once(api, run, rescuer):
    seen, page = [], api.get(url(run, rescuer), {"limit": 7})
    while True:
        seen += [m["seq"] for m in results(page)]
        if page.data["next"] is None:
            break
        page = api.get(page.data["next"])
    assert seen == list(range(AgentMemory.objects.filter(agent=rescuer).count()))
    back = api.get(page.data["previous"])
    assert [m["seq"] for m in results(back)] == seen[-7 - len(results(page)) : -len(results(page))]


def test_filters_narrow_by_kind_ticks_importance_and_text(api, run, rescuer):
    reflections = results(api.get(url(run, rescuer), {"kind": "reflection"}))
    assert [m["step"] for m in reflections] == [4, 8, 12]
    assert all(m["sources"] for m in reflections)
    window = results(api.get(url(run, rescuer), {"from_step": 3, "to_step": 5, "limit": 500}))
    assert window and {m["step"] for m in window} <= {3, 4, 5}
    important = results(api.get(url(run, rescuer), {"min_importance": 0.7, "limit": 500}))
    assert important and all(m["importance"] >= 0.7 for m in important)
    assert len(important) < AgentMemory.objects.filter(agent=rescuer).count()
    water = results(api.get(url(run, rescuer), {"q": "WATER", "limit": 500}))
    assert water and all("water" in m["text"].lower() for m in water)


def test_recalled_at_gives_the_memories_of_one_decision_with_their_scores(api, run, rescuer):
    event = Event.objects.filter(run=run, agent=rescuer.name, type="MemoriesRecalled").last()
    assert event is not None
    recalled = event.data["memories"]
    memories = results(api.get(url(run, rescuer), {"recalled_at": event.step}))
    assert sorted(m["seq"] for m in memories) == sorted(r["seq"] for r in recalled)
    by_seq = {m["seq"]: m["recall"] for m in memories}
    best = recalled[0]
    assert by_seq[best["seq"]] == {
        "score": best["score"],
        "recency": best["recency"],
        "importance": best["importance"],
        "relevance": best["relevance"],
        "rank": 1,
    }


def test_bad_filters_answer_400_naming_the_parameter(api, run, rescuer):
    response = api.get(url(run, rescuer), {"kind": "dream", "min_importance": 2, "to_step": -1})
    assert response.status_code == 400
    assert {e["path"] for e in response.data["errors"]} == {"kind", "min_importance", "to_step"}
    assert api.get(url(run, rescuer), {"cursor": "nonsense"}).status_code == 400


def test_an_agent_of_another_run_or_no_login_gets_no_memories(api, run, rescuer, user):
    other = make_run()
    assert api.get(f"/api/runs/{other.pk}/agents/{rescuer.pk}/memories/").status_code == 404
    assert APIClient().get(url(run, rescuer)).status_code == 401


def test_the_endpoint_is_in_the_openapi_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/runs/{run_id}/agents/{agent_id}/memories/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"kind", "from_step", "to_step", "min_importance", "q", "recalled_at", "cursor"} <= names
