"""Owners and group shares on the console pages: what each persona sees and may do."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from runs_app.models import PendingControl, Run, RunShare
from scenarios_app.models import Scenario, ScenarioShare
from simengine.web.access import Level, replace_shares
from tests.personas import World, make_world

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world() -> World:
    return make_world()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pages(world: World) -> list[str]:
    run, batch, scenario = world.run.pk, world.batch.pk, world.scenario.pk
    agent = world.run.agents.first()
    assert agent is not None
    return [
        reverse("scenarios:detail", args=[scenario]),
        reverse("scenarios:version", args=[scenario, 1]),
        reverse("scenarios:diff", args=[scenario]),
        reverse("scenarios:export", args=[scenario, 1]),
        reverse("runs:console", args=[run]),
        reverse("runs:timeline", args=[run]),
        reverse("runs:chat", args=[run]),
        reverse("runs:since", args=[run, 0]),
        reverse("runs:evaluation", args=[run]),
        reverse("runs:agent_memories", args=[run, agent.pk]),
        reverse("runs:duplicate", args=[run]),
        reverse("runs:batch_detail", args=[batch]),
        reverse("runs:batch_analysis", args=[batch]),
    ]


def test_a_stranger_gets_404_on_every_page_and_sees_nothing_in_the_lists(world):
    stranger = signed_in(world.stranger)
    for url in pages(world):
        assert stranger.get(url).status_code == 404, url
    for url, text in [
        (reverse("runs:list"), f'href="/runs/{world.run.pk}/"'),
        (reverse("runs:batches"), f'href="/batches/{world.batch.pk}/"'),
        (reverse("scenarios:list"), "Owned flood"),
        (reverse("home"), "Owned flood"),
        (reverse("runs:new"), "Owned flood"),
    ]:
        assert text not in stranger.get(url).content.decode(), url
    explorer = stranger.get(reverse("runs:llm_calls"), {"run": world.run.pk}).content.decode()
    assert f"There is no run {world.run.pk}." in explorer
    compare = stranger.get(reverse("runs:compare"), {"runs": world.run.pk}).content.decode()
    assert f"/runs/{world.run.pk}/" not in compare
    assert stranger.post(reverse("runs:control", args=[world.run.pk, "pause"])).status_code == 404
    started = stranger.post(reverse("runs:new"), {"scenario": world.scenario.pk})
    assert "There is no scenario" in started.content.decode()
    assert Run.objects.count() == 2  # the owner's run and its batch's run only


@pytest.mark.parametrize("who", ["owner", "reader", "editor", "staff"])
def test_everyone_it_is_shared_with_opens_every_page(world, who):
    client = signed_in(world.people()[who])
    for url in pages(world):
        assert client.get(url).status_code == 200, url
    assert f'href="/runs/{world.run.pk}/"' in client.get(reverse("runs:list")).content.decode()


def test_a_reader_sees_a_read_only_console_and_gets_403_on_every_change(world):
    reader = signed_in(world.reader)
    run, scenario = world.run, world.scenario
    page = reader.get(reverse("runs:console", args=[run.pk])).content.decode()
    assert 'id="run-console" class="read-only"' in page and 'id="read-only-notice"' in page
    assert 'id="inject-form"' not in page and 'id="god-mode"' not in page
    assert 'id="sharing-form"' not in page and "observers: read" in page
    agent = run.agents.first()
    assert agent is not None
    for url, data in [
        (reverse("runs:control", args=[run.pk, "pause"]), {}),
        (reverse("runs:control", args=[run.pk, "stop"]), {}),
        (reverse("runs:inject", args=[run.pk]), {"kind": "message", "to": "all", "text": "x"}),
        (reverse("runs:god_mode", args=[run.pk, "set_world_value"]), {"path": "water_level"}),
        (reverse("runs:agent_control", args=[run.pk, agent.pk, "mute"]), {}),
        (reverse("runs:evaluate", args=[run.pk]), {"model": "offline/heuristic"}),
        (reverse("runs:shares", args=[run.pk]), {f"share-{world.observers.pk}": "edit"}),
        (reverse("scenarios:delete", args=[scenario.pk]), {}),
        (reverse("scenarios:shares", args=[scenario.pk]), {}),
    ]:
        assert reader.post(url, data, headers=HTMX).status_code == 403, url
    assert reader.get(reverse("scenarios:edit", args=[scenario.pk])).status_code == 403
    detail = reader.get(reverse("scenarios:detail", args=[scenario.pk])).content.decode()
    assert 'id="edit-scenario"' not in detail and "Delete…" not in detail
    assert not PendingControl.objects.filter(run=run).exists()
    assert Run.objects.get(pk=run.pk).status == "paused"
    assert Scenario.objects.filter(pk=scenario.pk).exists()
    assert RunShare.objects.get(run=run, group=world.observers).level == "read"


def test_an_editor_controls_the_run_from_its_console(world):
    editor = signed_in(world.editor)
    run = world.run
    page = editor.get(reverse("runs:console", args=[run.pk])).content.decode()
    assert 'class="read-only"' not in page and 'id="inject-form"' in page
    step = editor.post(reverse("runs:control", args=[run.pk, "step"]), headers=HTMX)
    assert step.status_code == 200
    assert Run.objects.get(pk=run.pk).pending_steps == 1
    data = {"kind": "message", "to": "all", "text": "Everyone to the hilltop"}
    assert editor.post(reverse("runs:inject", args=[run.pk]), data, headers=HTMX).status_code == 200
    assert PendingControl.objects.filter(run=run, kind="inject_message").exists()
    assert editor.get(reverse("scenarios:edit", args=[world.scenario.pk])).status_code == 200
    # Edit rights are not the right to re-share: that stays with the owner and staff.
    assert 'id="sharing-form"' not in page


def test_the_owner_shares_a_scenario_from_its_page(world):
    ScenarioShare.objects.all().delete()
    owner = signed_in(world.owner)
    url = reverse("scenarios:detail", args=[world.scenario.pk])
    page = owner.get(url).content.decode()
    assert 'id="sharing-form"' in page and "owner: olivia" in page
    assert signed_in(world.reader).get(url).status_code == 404

    response = owner.post(
        reverse("scenarios:shares", args=[world.scenario.pk]),
        {f"share-{world.observers.pk}": "read", f"share-{world.operators.pk}": ""},
    )

    assert response.status_code == 302 and response["Location"] == url
    assert list(ScenarioShare.objects.values_list("group__name", "level")) == [
        ("observers", "read")
    ]
    assert signed_in(world.reader).get(url).status_code == 200
    bad = owner.post(
        reverse("scenarios:shares", args=[world.scenario.pk]),
        {f"share-{world.observers.pk}": "own"},
        follow=True,
    )
    assert "Sharing not saved: observers: unknown level &#x27;own&#x27;" in bad.content.decode()
    assert ScenarioShare.objects.get().level == "read"


def test_the_owner_shares_a_run_and_a_batch_from_their_pages(world):
    RunShare.objects.all().delete()
    owner = signed_in(world.owner)
    console = owner.get(reverse("runs:console", args=[world.run.pk])).content.decode()
    assert 'id="sharing-form"' in console
    owner.post(reverse("runs:shares", args=[world.run.pk]), {f"share-{world.operators.pk}": "edit"})
    assert RunShare.objects.get(run=world.run).group == world.operators
    batch_page = owner.get(reverse("runs:batch_detail", args=[world.batch.pk])).content.decode()
    assert 'id="sharing-form"' in batch_page
    owner.post(reverse("runs:batch_shares", args=[world.batch.pk]), {})
    assert not world.batch.shares.exists()
    assert (
        signed_in(world.reader).get(reverse("runs:batch_detail", args=[world.batch.pk])).status_code
        == 404
    )


def test_staff_open_an_ownerless_run_and_others_do_not(world):
    Run.objects.filter(pk=world.run.pk).update(owner=None)
    RunShare.objects.all().delete()
    url = reverse("runs:console", args=[world.run.pk])
    assert signed_in(world.staff).get(url).status_code == 200
    assert signed_in(world.owner).get(url).status_code == 404


def test_run_counts_on_scenario_pages_count_only_the_runs_the_viewer_sees():
    world = make_world(share=False)
    replace_shares(world.scenario, world.owner, [(world.observers, Level.READ)])
    expected = {"owner": 2, "staff": 2, "reader": 0}
    for who, count in expected.items():
        client = signed_in(world.people()[who])
        listed = client.get(reverse("scenarios:list")).context["scenarios"]
        assert [s.run_count for s in listed if s.pk == world.scenario.pk] == [count], who
        detail = client.get(reverse("scenarios:detail", args=[world.scenario.pk]))
        assert [v.run_count for v in detail.context["versions"]] == [count], who
    replace_shares(world.run, world.owner, [(world.observers, Level.READ)])
    listed = signed_in(world.reader).get(reverse("scenarios:list")).context["scenarios"]
    assert [s.run_count for s in listed if s.pk == world.scenario.pk] == [1]
