import pytest

from agents_app.models import Agent
from runs_app.models import PendingControl
from runs_app.services.runs import run_stop
from tests.api.factories import make_run

pytestmark = pytest.mark.django_db


def agent_id(run, name):
    return Agent.objects.get(run=run, name=name).pk


def test_it_lists_a_runs_agents_by_name(api):
    run = make_run()
    response = api.get(f"/api/runs/{run.pk}/agents/")
    assert response.status_code == 200
    assert [a["name"] for a in response.data["results"]] == ["Mayor", "Rescuer 1", "Rescuer 2"]
    assert response.data["results"][0]["status"] == "active"


def test_it_filters_agents_by_status(api):
    run = make_run()
    Agent.objects.filter(run=run, name="Mayor").update(status="muted")
    response = api.get(f"/api/runs/{run.pk}/agents/", {"status": "muted"})
    assert [a["name"] for a in response.data["results"]] == ["Mayor"]
    assert api.get(f"/api/runs/{run.pk}/agents/", {"status": "asleep"}).status_code == 400


def test_it_shows_one_agent(api):
    run = make_run()
    response = api.get(f"/api/runs/{run.pk}/agents/{agent_id(run, 'Mayor')}/")
    assert response.status_code == 200
    assert response.data["template_id"] == "mayor"


def test_changing_an_agents_status_is_queued_for_the_next_tick(api):
    run = make_run()
    url = f"/api/runs/{run.pk}/agents/{agent_id(run, 'Rescuer 1')}/"
    response = api.patch(url, {"status": "muted"}, format="json")
    assert response.status_code == 202
    assert response.data["control"]["kind"] == "mute_agent"
    assert response.data["control"]["payload"] == {"agent": "Rescuer 1"}
    assert response.data["control"]["applied_step"] is None
    assert PendingControl.objects.filter(run=run, kind="mute_agent").count() == 1


def test_a_terminated_agent_cannot_be_changed(api):
    run = make_run()
    Agent.objects.filter(run=run, name="Mayor").update(status="terminated")
    url = f"/api/runs/{run.pk}/agents/{agent_id(run, 'Mayor')}/"
    response = api.patch(url, {"status": "active"}, format="json")
    assert response.status_code == 409
    assert "terminated" in response.data["detail"]
    assert not PendingControl.objects.exists()


def test_agents_of_a_finished_run_cannot_be_changed(api):
    run = make_run()
    run_stop(run=run)
    url = f"/api/runs/{run.pk}/agents/{agent_id(run, 'Mayor')}/"
    assert api.patch(url, {"status": "paused"}, format="json").status_code == 409


def test_a_bad_status_is_400(api):
    run = make_run()
    url = f"/api/runs/{run.pk}/agents/{agent_id(run, 'Mayor')}/"
    response = api.patch(url, {"status": "asleep"}, format="json")
    assert response.status_code == 400
    assert response.data["errors"][0]["path"] == "status"


def test_an_agent_of_another_run_is_404(api):
    run, other = make_run(), make_run()
    url = f"/api/runs/{run.pk}/agents/{agent_id(other, 'Mayor')}/"
    assert api.get(url).status_code == 404
    assert api.patch(url, {"status": "paused"}, format="json").status_code == 404
    assert api.get("/api/runs/999/agents/").status_code == 404


@pytest.mark.parametrize("to", ["agent:Mayor", "room:command", "all"])
def test_it_injects_a_message_to_an_agent_a_room_or_all(api, to):
    run = make_run()
    response = api.post(
        f"/api/runs/{run.pk}/agents/inject/",
        {"kind": "message", "to": to, "text": "Levee breach at the docks!"},
        format="json",
    )
    assert response.status_code == 202
    control = PendingControl.objects.get(pk=response.data["id"])
    assert control.kind == "inject_message"
    assert control.payload == {"to": to, "text": "Levee breach at the docks!"}


def test_it_injects_a_command_for_one_agent(api):
    run = make_run()
    response = api.post(
        f"/api/runs/{run.pk}/agents/inject/",
        {"kind": "command", "agent": "Rescuer 2", "text": "Go to the hilltop."},
        format="json",
    )
    assert response.status_code == 202
    assert response.data["kind"] == "inject_command"
    assert response.data["payload"] == {"agent": "Rescuer 2", "text": "Go to the hilltop."}


@pytest.mark.parametrize(
    "payload, path",
    [
        ({"kind": "message", "text": "hi"}, "to"),
        ({"kind": "message", "to": "agent:Nobody", "text": "hi"}, "to"),
        ({"kind": "message", "to": "room:cellar", "text": "hi"}, "to"),
        ({"kind": "message", "to": "everyone", "text": "hi"}, "to"),
        ({"kind": "command", "text": "hi"}, "agent"),
        ({"kind": "command", "agent": "Nobody", "text": "hi"}, "agent"),
        ({"kind": "shout", "to": "all", "text": "hi"}, "kind"),
        ({"kind": "message", "to": "all"}, "text"),
        ({"kind": "message", "to": "all", "text": ""}, "text"),
    ],
)
def test_bad_injections_are_400_with_the_path_and_queue_nothing(api, payload, path):
    run = make_run()
    response = api.post(f"/api/runs/{run.pk}/agents/inject/", payload, format="json")
    assert response.status_code == 400
    assert path in [error["path"] for error in response.data["errors"]]
    assert not PendingControl.objects.exists()


def test_injecting_into_a_finished_run_is_409(api):
    run = make_run()
    run_stop(run=run)
    response = api.post(
        f"/api/runs/{run.pk}/agents/inject/",
        {"kind": "message", "to": "all", "text": "too late"},
        format="json",
    )
    assert response.status_code == 409
    assert "stopped" in response.data["detail"]
