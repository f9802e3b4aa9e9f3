import json

import pytest
import yaml

from scenarios_app.models import Scenario, ScenarioVersion
from scenarios_app.services import scenario_version_spec
from tests.api.factories import make_run, make_version, scenario_yaml

pytestmark = pytest.mark.django_db


def spec_of(name="Small flood", **replace):
    return yaml.safe_load(scenario_yaml(name, **replace))


def test_it_lists_scenarios_with_their_latest_version(api):
    version = make_version("Alpha")
    make_version("Beta")
    response = api.get("/api/scenarios/")
    assert response.status_code == 200
    assert response.data["count"] == 2
    alpha = response.data["results"][0]
    assert alpha["name"] == "Alpha"
    assert alpha["version_count"] == 1
    assert alpha["latest_version"]["id"] == version.pk
    assert alpha["latest_version"]["number"] == 1


def test_it_filters_scenarios_by_name(api):
    make_version("River flood")
    make_version("Town debate")
    response = api.get("/api/scenarios/", {"name": "flood"})
    assert [s["name"] for s in response.data["results"]] == ["River flood"]


def test_it_creates_a_scenario_from_a_json_spec(api):
    response = api.post(
        "/api/scenarios/", {"spec": spec_of("Created"), "note": "first"}, format="json"
    )
    assert response.status_code == 201
    assert response.data["name"] == "Created"
    assert response.data["latest_version"]["number"] == 1
    assert response.data["latest_version"]["note"] == "first"
    assert response.data["latest_version"]["spec"]["world"]["kind"] == "flood"
    assert response.data["latest_version"]["created_by"] == "ana"


def test_creating_a_bad_spec_answers_every_error_with_its_path_and_saves_nothing(api):
    spec = spec_of("Broken")
    spec["agent_templates"][0]["model"] = "olama/llama3.2"
    spec["world"]["locations"][0]["elevation"] = "high"
    response = api.post("/api/scenarios/", {"spec": spec}, format="json")
    assert response.status_code == 400
    paths = {error["path"] for error in response.data["errors"]}
    assert "spec.agent_templates[0].model" in paths
    assert "spec.world.locations[0].elevation" in paths
    assert not Scenario.objects.exists()


def test_creating_a_scenario_under_a_taken_name_is_refused(api):
    make_version("Taken")
    response = api.post("/api/scenarios/", {"spec": spec_of("Taken")}, format="json")
    assert response.status_code == 400
    assert response.data["errors"][0]["path"] == "spec.name"
    assert ScenarioVersion.objects.count() == 1


def test_create_without_a_spec_names_the_missing_field(api):
    response = api.post("/api/scenarios/", {"note": "x"}, format="json")
    assert response.status_code == 400
    assert response.data["errors"] == [{"path": "spec", "message": "This field is required."}]


def test_it_shows_one_scenario_with_its_spec(api):
    version = make_version("Shown")
    response = api.get(f"/api/scenarios/{version.scenario_id}/")
    assert response.status_code == 200
    assert response.data["latest_version"]["spec"] == version.spec


def test_updating_saves_a_new_version_and_keeps_the_old_one(api):
    version = make_version("Evolving")
    spec = spec_of("Evolving")
    spec["termination"]["max_ticks"] = 9
    response = api.put(
        f"/api/scenarios/{version.scenario_id}/", {"spec": spec, "note": "longer"}, format="json"
    )
    assert response.status_code == 200
    assert response.data["version_count"] == 2
    assert response.data["latest_version"]["spec"]["termination"]["max_ticks"] == 9
    assert ScenarioVersion.objects.get(pk=version.pk).spec["termination"]["max_ticks"] == 5


def test_updating_with_a_new_name_renames_the_scenario(api):
    version = make_version("Old name")
    response = api.put(
        f"/api/scenarios/{version.scenario_id}/", {"spec": spec_of("New name")}, format="json"
    )
    assert response.status_code == 200
    assert Scenario.objects.get(pk=version.scenario_id).name == "New name"


def test_a_bad_update_changes_nothing(api):
    version = make_version("Stable")
    spec = spec_of("Renamed")
    spec["mode"] = "sometimes"
    response = api.put(f"/api/scenarios/{version.scenario_id}/", {"spec": spec}, format="json")
    assert response.status_code == 400
    assert response.data["errors"][0]["path"] == "spec.mode"
    scenario = Scenario.objects.get(pk=version.scenario_id)
    assert scenario.name == "Stable"
    assert scenario.versions.count() == 1


def test_it_deletes_a_scenario_without_runs(api):
    version = make_version("Doomed")
    response = api.delete(f"/api/scenarios/{version.scenario_id}/")
    assert response.status_code == 204
    assert not Scenario.objects.exists()


def test_deleting_a_scenario_with_runs_is_a_conflict(api):
    version = make_version("Used")
    make_run(version)
    response = api.delete(f"/api/scenarios/{version.scenario_id}/")
    assert response.status_code == 409
    assert "has runs" in response.data["detail"]
    assert Scenario.objects.filter(pk=version.scenario_id).exists()


def test_cloning_copies_the_latest_spec_under_a_new_name(api):
    version = make_version("Original")
    response = api.post(f"/api/scenarios/{version.scenario_id}/clone/", {}, format="json")
    assert response.status_code == 201
    assert response.data["name"] == "Original (copy)"
    clone_spec = response.data["latest_version"]["spec"]
    assert {**clone_spec, "name": "Original"} == version.spec
    second = api.post(
        f"/api/scenarios/{version.scenario_id}/clone/", {"name": "Variant"}, format="json"
    )
    assert second.data["name"] == "Variant"


def test_cloning_twice_without_a_name_picks_a_free_one(api):
    version = make_version("Twin")
    api.post(f"/api/scenarios/{version.scenario_id}/clone/", {}, format="json")
    response = api.post(f"/api/scenarios/{version.scenario_id}/clone/", {}, format="json")
    assert response.data["name"] == "Twin (copy 2)"


def test_it_lists_versions_newest_first_and_shows_one(api):
    make_version("Versioned")
    version = make_version("Versioned", **{"max_ticks: 5": "max_ticks: 8"})
    listing = api.get(f"/api/scenarios/{version.scenario_id}/versions/")
    assert [v["number"] for v in listing.data["results"]] == [2, 1]
    detail = api.get(f"/api/scenarios/{version.scenario_id}/versions/2/")
    assert detail.status_code == 200
    assert detail.data["spec"]["termination"]["max_ticks"] == 8
    assert api.get(f"/api/scenarios/{version.scenario_id}/versions/3/").status_code == 404


def test_it_imports_yaml_as_a_new_scenario(api):
    response = api.post(
        "/api/scenarios/import/?note=from+file",
        scenario_yaml("Imported"),
        content_type="application/yaml",
    )
    assert response.status_code == 201
    assert response.data["created"] is True
    assert response.data["version"]["note"] == "from file"
    version = ScenarioVersion.objects.get(pk=response.data["version"]["id"])
    assert version.source_text == scenario_yaml("Imported")
    assert scenario_version_spec(version).name == "Imported"


@pytest.mark.parametrize("content_type", ["text/yaml", "application/x-yaml"])
def test_it_accepts_the_other_yaml_content_types(api, content_type):
    response = api.post("/api/scenarios/import/", scenario_yaml("Typed"), content_type=content_type)
    assert response.status_code == 201


def test_it_imports_a_json_object(api):
    response = api.post("/api/scenarios/import/", spec_of("From JSON"), format="json")
    assert response.status_code == 201
    assert response.data["version"]["source_format"] == "json"


def test_importing_the_same_spec_again_saves_nothing(api):
    make_version("Same")
    response = api.post(
        "/api/scenarios/import/", scenario_yaml("Same"), content_type="application/yaml"
    )
    assert response.status_code == 200
    assert response.data["created"] is False
    assert ScenarioVersion.objects.count() == 1


def test_importing_a_newer_spec_adds_a_version(api):
    make_version("Growing")
    text = scenario_yaml("Growing", **{"max_ticks: 5": "max_ticks: 6"})
    response = api.post("/api/scenarios/import/", text, content_type="application/yaml")
    assert response.status_code == 201
    assert response.data["version"]["number"] == 2


def test_bad_yaml_answers_every_error_with_its_path_and_saves_nothing(api):
    text = scenario_yaml(
        "Bad", **{"offline/heuristic\n    start: docks": "olama/x\n    start: moon"}
    )
    response = api.post("/api/scenarios/import/", text, content_type="application/yaml")
    assert response.status_code == 400
    paths = [error["path"] for error in response.data["errors"]]
    assert "agent_templates[0].model" in paths
    assert "agent_templates[0].start" in paths
    assert not Scenario.objects.exists()


def test_yaml_syntax_errors_give_line_and_column(api):
    response = api.post(
        "/api/scenarios/import/", "name: [unclosed\n", content_type="application/yaml"
    )
    assert response.status_code == 400
    assert response.data["errors"][0]["path"].startswith("line ")
    assert not Scenario.objects.exists()


def test_a_json_body_that_is_not_an_object_is_refused(api):
    response = api.post(
        "/api/scenarios/import/", json.dumps([1, 2]), content_type="application/json"
    )
    assert response.status_code == 400
    assert not Scenario.objects.exists()


def test_an_unsupported_content_type_is_415(api):
    response = api.post("/api/scenarios/import/", "name: x", content_type="text/csv")
    assert response.status_code == 415


def test_it_exports_yaml_by_default_and_json_on_request(api):
    version = make_version("Exported")
    url = f"/api/scenarios/{version.scenario_id}/export/"
    as_yaml = api.get(url)
    assert as_yaml.status_code == 200
    assert as_yaml["Content-Type"].startswith("application/yaml")
    assert as_yaml.content.decode() == scenario_yaml("Exported")
    assert 'filename="Exported-v1.yaml"' in as_yaml["Content-Disposition"]
    as_json = api.get(url, {"format": "json"})
    assert as_json["Content-Type"].startswith("application/json")
    assert json.loads(as_json.content) == version.spec


def test_export_of_a_missing_version_is_404(api):
    version = make_version("Single")
    response = api.get(f"/api/scenarios/{version.scenario_id}/export/", {"version": 2})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/api/scenarios/999/"),
        ("put", "/api/scenarios/999/"),
        ("delete", "/api/scenarios/999/"),
        ("post", "/api/scenarios/999/clone/"),
        ("get", "/api/scenarios/999/versions/"),
        ("get", "/api/scenarios/999/export/"),
    ],
)
def test_unknown_scenarios_are_404(api, method, url):
    response = getattr(api, method)(url, {"spec": spec_of()}, format="json")
    assert response.status_code == 404
    assert response.data == {"detail": "No Scenario matches the given query."}


def test_numbers_that_do_not_fit_the_database_are_refused_with_their_paths(api):
    spec = spec_of("Huge")
    spec["seed"] = 10**20
    spec["agent_templates"][0]["count"] = 5000
    response = api.post("/api/scenarios/", {"spec": spec}, format="json")
    assert response.status_code == 400
    assert {e["path"] for e in response.data["errors"]} == {
        "spec.seed",
        "spec.agent_templates[0].count",
    }
    assert not Scenario.objects.exists()


def test_names_longer_than_their_columns_are_refused(api):
    response = api.post("/api/scenarios/", {"spec": spec_of("N" * 201)}, format="json")
    assert response.status_code == 400
    assert response.data["errors"] == [
        {"path": "spec.name", "message": "at most 200 characters, got 201"}
    ]


@pytest.mark.parametrize(
    "body, content_type",
    [
        ('{"name": "nul \\u0000"}', "application/json"),
        ("[" * 50_000, "application/json"),
        ('{"seed": 1e400}', "application/json"),
        ("a: " + "[" * 5_000, "application/yaml"),
        (b"name: \xff\xfe", "application/yaml"),
    ],
)
def test_unstorable_or_unparsable_bodies_are_400_and_save_nothing(api, body, content_type):
    response = api.post("/api/scenarios/import/", body, content_type=content_type)
    assert response.status_code == 400
    assert not Scenario.objects.exists()


def test_a_nul_character_in_a_valid_yaml_spec_is_refused_with_its_path(api):
    text = scenario_yaml(
        "Nul", **{"description: A small flood for API tests.": 'description: "a\\0b"'}
    )
    response = api.post("/api/scenarios/import/", text, content_type="application/yaml")
    assert response.status_code == 400
    assert response.data["errors"] == [
        {"path": "description", "message": "text must not contain NUL characters"}
    ]
    assert not Scenario.objects.exists()


def test_unknown_api_paths_are_json_404s(api):
    response = api.get("/api/nowhere/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No API endpoint here."}
    response = api.post("/api/runs", {}, format="json")
    assert response.status_code == 404
    assert "end with a slash" in response.json()["detail"]
