import html

import pytest
import yaml
from django.urls import reverse

from scenarios_app.forms import document_to_data
from scenarios_app.models import Scenario, ScenarioVersion
from tests.console.conftest import SAMPLE, finished_run

pytestmark = pytest.mark.django_db


def designer_post(document: dict, **extra) -> dict:
    data = document_to_data(document)
    post = {key: data.getlist(key) for key in data}
    post.update({key: [value] for key, value in extra.items()})
    return post


@pytest.mark.parametrize("name", ["scenarios:list", "scenarios:new", "scenarios:import"])
def test_scenario_pages_render(admin_client, flood_version, name):
    assert admin_client.get(reverse(name)).status_code == 200


def test_scenario_detail_shows_versions_templates_and_actions(admin_client, flood_version):
    content = admin_client.get(
        reverse("scenarios:detail", args=[flood_version.scenario_id])
    ).content.decode()
    assert "Riverside flood" in content and 'id="version-table"' in content
    assert "rescuer" in content and "Start a run" in content


def test_pages_need_login(client, flood_version):
    pk = flood_version.scenario_id
    for url in [reverse("scenarios:detail", args=[pk]), reverse("scenarios:edit", args=[pk])]:
        assert client.get(url).status_code == 302


def test_the_designer_opens_with_the_latest_version(admin_client, flood_version):
    response = admin_client.get(reverse("scenarios:edit", args=[flood_version.scenario_id]))
    content = response.content.decode()
    assert 'value="Riverside flood"' in content
    assert 'id="section-templates"' in content and "Rescuer {n}" in content


def test_saving_a_changed_scenario_makes_a_new_version(admin_client, flood_version):
    document = yaml.safe_load(SAMPLE.read_text())
    document["seed"] = 99
    url = reverse("scenarios:edit", args=[flood_version.scenario_id])
    response = admin_client.post(url, designer_post(document, op="save", **{"s-note": "seed 99"}))
    assert response.status_code == 302
    latest = flood_version.scenario.versions.order_by("-number").first()
    assert latest.number == 2 and latest.spec["seed"] == 99 and latest.note == "seed 99"


def test_an_invalid_form_shows_the_error_at_its_field_and_saves_nothing(
    admin_client, flood_version
):
    document = yaml.safe_load(SAMPLE.read_text())
    document["agent_templates"][1]["count"] = 0
    url = reverse("scenarios:edit", args=[flood_version.scenario_id])
    response = admin_client.post(url, designer_post(document, op="save"))
    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="designer-errors"' in content
    assert 'id="id_tpl-1-count_error"' in content or "must be &gt;= 1, got 0" in content
    assert "is-invalid" in content
    assert ScenarioVersion.objects.count() == 1


def test_creating_a_scenario_from_the_designer(admin_client, flood_version):
    document = yaml.safe_load(SAMPLE.read_text())
    document["name"] = "Hill town"
    response = admin_client.post(reverse("scenarios:new"), designer_post(document, op="save"))
    assert response.status_code == 302
    scenario = Scenario.objects.get(name="Hill town")
    assert response["Location"] == reverse("scenarios:detail", args=[scenario.pk])


def test_a_new_scenario_without_a_name_is_refused_inline(admin_client, flood_version):
    document = yaml.safe_load(SAMPLE.read_text())
    del document["name"]
    response = admin_client.post(reverse("scenarios:new"), designer_post(document, op="save"))
    assert response.status_code == 200
    assert response.context["designer"].main.errors["name"] == ["required"]
    assert 'aria-describedby="id_s-name_error"' in response.content.decode()
    assert Scenario.objects.count() == 1


def test_the_yaml_tab_round_trips_with_the_form(admin_client, flood_version):
    url = reverse("scenarios:edit", args=[flood_version.scenario_id])
    document = yaml.safe_load(SAMPLE.read_text())
    to_yaml = admin_client.post(url, designer_post(document, op="tab:yaml"), HTTP_HX_REQUEST="true")
    content = to_yaml.content.decode()
    assert 'name="yaml"' in content and "Rescuer {n}" in content
    text = yaml.safe_load(
        html.unescape(content.split('id="id_yaml"')[1].split(">", 1)[1].split("</textarea>")[0])
    )
    assert text["agent_templates"][1]["count"] == 4
    text["agent_templates"][1]["count"] = 6
    back = admin_client.post(
        url, {"tab": "yaml", "op": "tab:form", "yaml": yaml.safe_dump(text)}, HTTP_HX_REQUEST="true"
    )
    assert 'name="tpl-1-count" value="6"' in back.content.decode()


def test_saving_from_the_yaml_tab_reports_errors_with_paths(admin_client, flood_version):
    url = reverse("scenarios:edit", args=[flood_version.scenario_id])
    text = SAMPLE.read_text().replace("model: ollama/llama3.2", "model: olama/llama3.2", 1)
    response = admin_client.post(url, {"tab": "yaml", "op": "save", "yaml": text})
    assert "unknown provider &#x27;olama&#x27;" in response.content.decode()
    assert ScenarioVersion.objects.count() == 1


def test_add_template_answers_the_designer_fragment(admin_client, flood_version):
    url = reverse("scenarios:edit", args=[flood_version.scenario_id])
    document = yaml.safe_load(SAMPLE.read_text())
    response = admin_client.post(url, designer_post(document, op="add:tpl"), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert not content.lstrip().startswith("<!doctype")
    assert 'id="template-5"' in content


def test_check_says_a_valid_scenario_is_valid(admin_client, flood_version):
    url = reverse("scenarios:edit", args=[flood_version.scenario_id])
    response = admin_client.post(url, designer_post(yaml.safe_load(SAMPLE.read_text()), op="check"))
    assert "Valid: 10 agents" in response.content.decode()


def test_the_model_picker_lists_available_models_and_says_ollama_is_down(
    admin_client, flood_version, monkeypatch
):
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")
    from django.core.cache import cache

    cache.delete("console:model-options")
    content = admin_client.get(
        reverse("scenarios:edit", args=[flood_version.scenario_id])
    ).content.decode()
    assert '<option value="offline/heuristic">' in content
    assert 'id="ollama-notice"' in content


def test_version_page_and_diff(admin_client, flood_version):
    from scenarios_app.services import scenario_import

    scenario_import(text=SAMPLE.read_text().replace("seed: 42", "seed: 43"))
    pk = flood_version.scenario_id
    page = admin_client.get(reverse("scenarios:version", args=[pk, 1]))
    assert "Riverside flood" in page.content.decode()
    diff = admin_client.get(reverse("scenarios:diff", args=[pk]) + "?a=1&b=2").content.decode()
    assert "seed: 42" in diff and "seed: 43" in diff and "diff-add" in diff


def test_export_downloads_yaml_and_json(admin_client, flood_version):
    url = reverse("scenarios:export", args=[flood_version.scenario_id, 1])
    assert b"name: Riverside flood" in admin_client.get(url).content
    assert admin_client.get(url + "?format=json").json()["name"] == "Riverside flood"


def test_clone_makes_a_copy_and_opens_it_in_the_designer(admin_client, flood_version):
    response = admin_client.post(reverse("scenarios:clone", args=[flood_version.scenario_id]))
    copy = Scenario.objects.get(name="Riverside flood (copy)")
    assert response["Location"] == reverse("scenarios:edit", args=[copy.pk])


def test_delete_asks_first_then_deletes_an_unused_scenario(admin_client, flood_version):
    url = reverse("scenarios:delete", args=[flood_version.scenario_id])
    assert 'id="confirm-delete"' in admin_client.get(url).content.decode()
    admin_client.post(url)
    assert not Scenario.objects.exists()


def test_delete_of_a_scenario_with_runs_is_refused_and_keeps_everything(
    admin_client, flood_version
):
    finished_run(flood_version, ticks=1)
    url = reverse("scenarios:delete", args=[flood_version.scenario_id])
    assert 'id="delete-refused"' in admin_client.get(url).content.decode()
    admin_client.post(url)
    assert Scenario.objects.count() == 1


def test_import_page_saves_a_file_or_lists_errors(admin_client, db):
    ok = admin_client.post(reverse("scenarios:import"), {"text": SAMPLE.read_text()})
    assert ok.status_code == 302 and Scenario.objects.count() == 1
    bad = admin_client.post(
        reverse("scenarios:import"), {"text": "name: x\nworld: {kind: flood}\n"}
    )
    assert 'id="import-errors"' in bad.content.decode() and Scenario.objects.count() == 1
