"""Owners and group shares over the API: who sees, controls, publishes, deletes and shares.

The people are `tests.personas`: the owner, a reader (group share at level read), an editor
(group share at level edit), a stranger and staff.
"""

from __future__ import annotations

import pytest
import yaml

from runs_app.models import PendingControl, Run, RunShare
from scenarios_app.models import Scenario, ScenarioShare
from tests.api.factories import make_llm_call, make_version, scenario_yaml, token_client
from tests.personas import World, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


def as_(user):
    return token_client(user)


def urls(world: World) -> list[str]:
    run, batch, scenario = world.run.pk, world.batch.pk, world.scenario.pk
    return [
        f"/api/scenarios/{scenario}/",
        f"/api/scenarios/{scenario}/versions/",
        f"/api/scenarios/{scenario}/export/",
        f"/api/runs/{run}/",
        f"/api/runs/{run}/agents/",
        f"/api/runs/{run}/messages/",
        f"/api/runs/{run}/steps/",
        f"/api/runs/{run}/events/",
        f"/api/runs/{run}/llm-calls/",
        f"/api/runs/{run}/report/",
        f"/api/runs/{run}/trace.jsonl",
        f"/api/batches/{batch}/",
        f"/api/batches/{batch}/aggregates/",
        f"/api/batches/{batch}/analysis/",
    ]


def listed(client, path: str) -> set[int]:
    return {row["id"] for row in client.get(path, {"limit": 200}).data["results"]}


def test_a_stranger_gets_404_for_everything_of_anothers_and_lists_none_of_it(world):
    stranger = as_(world.stranger)
    for url in urls(world):
        assert stranger.get(url).status_code == 404, url
    assert world.run.pk not in listed(stranger, "/api/runs/")
    assert world.batch.pk not in listed(stranger, "/api/batches/")
    assert world.scenario.pk not in listed(stranger, "/api/scenarios/")
    calls = stranger.get("/api/llm-calls/", {"run": world.run.pk})
    assert calls.status_code == 404
    control = stranger.post(f"/api/runs/{world.run.pk}/control/", {"action": "pause"})
    assert control.status_code == 404
    assert stranger.delete(f"/api/scenarios/{world.scenario.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["owner", "reader", "editor", "staff"])
def test_everyone_the_objects_are_shared_with_reads_them(world, who):
    client = as_(world.people()[who])
    for url in urls(world):
        assert client.get(url).status_code == 200, url
    assert world.run.pk in listed(client, "/api/runs/")
    assert world.batch.pk in listed(client, "/api/batches/")
    assert world.scenario.pk in listed(client, "/api/scenarios/")


def test_runs_of_a_shared_batch_are_shared_with_it(world):
    batch_run = world.batch.runs.get()
    RunShare.objects.all().delete()
    reader = as_(world.reader)
    assert reader.get(f"/api/runs/{batch_run.pk}/").status_code == 200
    assert reader.get(f"/api/runs/{world.run.pk}/").status_code == 404  # its own share went


def test_a_reader_gets_403_on_every_change(world):
    reader = as_(world.reader)
    run, scenario = world.run, world.scenario
    for action in ("start", "pause", "step", "stop"):
        response = reader.post(f"/api/runs/{run.pk}/control/", {"action": action}, format="json")
        assert response.status_code == 403, action
        assert "read-only" in response.data["detail"]
    god = {"action": "set_world_value", "path": "water_level", "value": 2.0}
    assert reader.post(f"/api/runs/{run.pk}/control/", god, format="json").status_code == 403
    inject = {"kind": "message", "to": "all", "text": "Everyone to the docks"}
    answer = reader.post(f"/api/runs/{run.pk}/agents/inject/", inject, format="json")
    assert answer.status_code == 403
    agent = run.agents.first()
    answer = reader.patch(
        f"/api/runs/{run.pk}/agents/{agent.pk}/", {"status": "muted"}, format="json"
    )
    assert answer.status_code == 403
    answer = reader.post("/api/evaluations/", {"run": run.pk}, format="json")
    assert answer.status_code == 403
    spec = yaml.safe_load(scenario_yaml("Owned flood", **{"seed: 7": "seed: 8"}))
    answer = reader.put(f"/api/scenarios/{scenario.pk}/", {"spec": spec}, format="json")
    assert answer.status_code == 403
    imported = reader.post(
        "/api/scenarios/import/",
        scenario_yaml("Owned flood", **{"seed: 7": "seed: 9"}),
        content_type="application/yaml",
    )
    assert imported.status_code == 403  # publishing a version onto it by name
    assert reader.delete(f"/api/scenarios/{scenario.pk}/").status_code == 403
    assert scenario.versions.count() == 1 and Scenario.objects.filter(pk=scenario.pk).exists()
    assert not PendingControl.objects.filter(run=run).exists()
    assert Run.objects.get(pk=run.pk).status == "paused"


def test_a_reader_may_start_its_own_run_of_a_shared_scenario_and_owns_it(world):
    reader = as_(world.reader)
    body = {"scenario": world.scenario.pk, "start": False}
    response = reader.post("/api/runs/", body, format="json")
    assert response.status_code == 201
    assert response.data["owner"] == "rita" and response.data["shares"] == []
    refused = as_(world.stranger).post("/api/runs/", body, format="json")
    assert refused.status_code == 400
    assert refused.data["errors"] == [
        {"path": "scenario", "message": f"no scenario with id {world.scenario.pk}"}
    ]


def test_an_editor_controls_injects_and_publishes(world):
    editor = as_(world.editor)
    run = world.run
    response = editor.post(f"/api/runs/{run.pk}/control/", {"action": "step"}, format="json")
    assert response.status_code == 200
    inject = {"kind": "message", "to": "all", "text": "Everyone to the hilltop"}
    answer = editor.post(f"/api/runs/{run.pk}/agents/inject/", inject, format="json")
    assert answer.status_code == 202
    spec = yaml.safe_load(scenario_yaml("Owned flood", **{"seed: 7": "seed: 8"}))
    published = editor.put(f"/api/scenarios/{world.scenario.pk}/", {"spec": spec}, format="json")
    assert published.status_code == 200
    assert world.scenario.versions.count() == 2
    stop = editor.post(f"/api/runs/{run.pk}/control/", {"action": "stop"}, format="json")
    assert stop.status_code == 200


def test_owner_and_shares_are_in_every_object_and_only_owner_or_staff_change_shares(world):
    owner, editor, staff = as_(world.owner), as_(world.editor), as_(world.staff)
    body = owner.get(f"/api/runs/{world.run.pk}/").data
    assert body["owner"] == "olivia"
    assert body["shares"] == [
        {"group": "observers", "level": "read"},
        {"group": "operators", "level": "edit"},
    ]
    assert owner.get(f"/api/batches/{world.batch.pk}/").data["owner"] == "olivia"
    assert owner.get(f"/api/scenarios/{world.scenario.pk}/").data["owner"] == "olivia"

    only_operators = {"shares": [{"group": "operators", "level": "read"}]}
    url = f"/api/scenarios/{world.scenario.pk}/"
    assert editor.patch(url, only_operators, format="json").status_code == 403
    answer = owner.patch(url, only_operators, format="json")
    assert answer.status_code == 200 and answer.data["shares"] == only_operators["shares"]
    assert as_(world.reader).get(url).status_code == 404
    assert as_(world.editor).put(url, {"spec": {}}, format="json").status_code == 403

    bad = owner.patch(
        f"/api/runs/{world.run.pk}/",
        {"shares": [{"group": "nobody", "level": "read"}, {"group": "operators", "level": "own"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert {e["path"] for e in bad.data["errors"]} == {"shares[0].group", "shares[1].level"}
    assert RunShare.objects.filter(run=world.run).count() == 2  # nothing half-saved

    cleared = staff.patch(f"/api/batches/{world.batch.pk}/", {"shares": []}, format="json")
    assert cleared.status_code == 200 and cleared.data["shares"] == []
    assert as_(world.reader).get(f"/api/batches/{world.batch.pk}/").status_code == 404


def test_staff_see_and_change_everything_even_unshared_and_ownerless(world):
    ScenarioShare.objects.all().delete()
    Scenario.objects.filter(pk=world.scenario.pk).update(owner=None)
    staff = as_(world.staff)
    assert staff.get(f"/api/scenarios/{world.scenario.pk}/").status_code == 200
    assert as_(world.owner).get(f"/api/scenarios/{world.scenario.pk}/").status_code == 404
    answer = staff.post(f"/api/runs/{world.run.pk}/control/", {"action": "stop"}, format="json")
    assert answer.status_code == 200


def test_a_stranger_cannot_replay_anothers_recorded_run(world):
    make_llm_call(world.run, step=1)
    version = make_version("Stranger's flood", user=world.stranger)
    body = {
        "version": version.pk,
        "start": False,
        "overrides": {"model_override": f"replay/{world.run.pk}"},
    }
    refused = as_(world.stranger).post("/api/runs/", body, format="json")
    assert refused.status_code == 400
    assert refused.data["errors"] == [
        {
            "path": "overrides.model_override",
            "message": f"replay/{world.run.pk}: there is no run {world.run.pk} to replay",
        }
    ]
