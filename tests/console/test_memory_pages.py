"""The console shows an agent's memories with scores, and what each decision recalled."""

import pytest
from django.template.defaultfilters import floatformat
from django.utils.html import escape

from agents_app.models import Agent, AgentMemory
from runs_app.models import Event
from tests.console.conftest import finished_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def memory_run(flood_version):
    return finished_run(flood_version, ticks=25)


def test_an_agents_memory_page_lists_memories_newest_first_with_recall_scores(
    admin_client, memory_run
):
    agent = Agent.objects.get(run=memory_run, name="Rescuer 1")
    page = admin_client.get(f"/runs/{memory_run.pk}/agents/{agent.pk}/memories/")
    assert page.status_code == 200
    html = page.content.decode()
    newest = AgentMemory.objects.filter(agent=agent).order_by("-seq").first()
    assert newest is not None
    assert f'data-seq="{newest.seq}"' in html
    assert html.index(f'data-seq="{newest.seq}"') < html.index('data-seq="0"')
    assert 'id="embedding-model">local<' in html  # offline agents embed locally
    recalled = Event.objects.filter(run=memory_run, agent=agent.name, type="MemoriesRecalled")
    last_event = recalled.last()
    assert last_event is not None
    last = last_event.data["memories"][0]
    assert floatformat(last["score"], 3) in html
    console = admin_client.get(f"/runs/{memory_run.pk}/").content.decode()
    assert f"/runs/{memory_run.pk}/agents/{agent.pk}/memories/" in console


def test_the_memory_table_filters_in_place(admin_client, memory_run):
    agent = Agent.objects.get(run=memory_run, name="Mayor")
    fragment = admin_client.get(
        f"/runs/{memory_run.pk}/agents/{agent.pk}/memories/",
        {"kind": "reflection"},
        HTTP_HX_REQUEST="true",
    )
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="memory-table"')
    reflections = AgentMemory.objects.filter(agent=agent, kind="reflection")
    assert reflections.exists()
    assert html.count("<tr data-seq=") == reflections.count()
    assert all(r.text in html for r in reflections)


def test_the_decision_modal_loads_the_memories_it_recalled(admin_client, memory_run):
    event = Event.objects.filter(run=memory_run, type="MemoriesRecalled").last()
    assert event is not None
    decision = Event.objects.get(
        run=memory_run, step=event.step, agent=event.agent, type="AgentDecided"
    )
    detail = admin_client.get(f"/runs/{memory_run.pk}/events/{decision.pk}/").content.decode()
    memories_url = f"/runs/{memory_run.pk}/events/{decision.pk}/memories/"
    assert f'hx-get="{memories_url}"' in detail
    fragment = admin_client.get(memories_url).content.decode()
    agent = Agent.objects.get(run=memory_run, name=event.agent)
    for recalled in event.data["memories"]:
        text = AgentMemory.objects.get(agent=agent, seq=recalled["seq"]).text
        assert escape(text) in fragment
        assert f'data-seq="{recalled["seq"]}"' in fragment
        assert floatformat(recalled["relevance"], 3) in fragment
    assert fragment.count("<tr data-seq=") == len(event.data["memories"])


def test_memory_pages_need_login(client, memory_run):
    agent = Agent.objects.filter(run=memory_run).first()
    assert agent is not None
    page = client.get(f"/runs/{memory_run.pk}/agents/{agent.pk}/memories/")
    assert page.status_code == 302 and "/login" in page["Location"]
