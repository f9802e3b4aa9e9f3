"""Every way a scenario comes in answers the same for input beyond the limits, never a 500.

The designer's YAML tab, the console import (paste and upload), the API import (YAML and
JSON bodies) and `manage.py loadscenario` each get: a deeply nested document, a
5,000-digit integer, too many agents, a file over the size cap, and non-UTF-8 bytes.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from scenarios_app.models import Scenario
from tests.api.factories import make_user, token_client

SAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "riverside_flood.yaml"
MiB = 1024 * 1024

DEEP = "deep"
HUGE_NUMBER = "huge number"
MANY_AGENTS = "many agents"

# The line each bad document gets, whichever way it came in.
EXPECTED = {
    DEEP: "nested deeper than 32 levels",
    HUGE_NUMBER: (
        "seed: a number of 5,000 digits is out of range: numbers must lie between -10^15 and 10^15"
    ),
    MANY_AGENTS: (
        "agent_templates: the templates make 100,000 agents together, more than the limit of"
        " 1,000 per scenario"
    ),
}
TOO_LARGE = (
    "(document): the scenario is larger than the limit of 1.0 MiB (1,048,576 bytes)"
    " (SIMENGINE_MAX_SCENARIO_BYTES)"
)
NOT_UTF8 = "(document): not UTF-8 text: byte 0xff at line 1 (offset 6); save the file as UTF-8"


def bad_yaml(case: str) -> str:
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    if case == DEEP:
        return yaml.safe_dump(data) + "description: " + "[" * 3000 + "]" * 3000 + "\n"
    if case == HUGE_NUMBER:
        return yaml.safe_dump(data).replace("seed: 42", "seed: " + "9" * 5000)
    template = data["agent_templates"][0]
    data["agent_templates"] = [
        {**template, "id": f"t{i}", "name": f"T{i} {{n}}", "count": 1000} for i in range(100)
    ]
    data.pop("rooms", None)
    return yaml.safe_dump(data)


def bad_json(case: str) -> str:
    if case == HUGE_NUMBER:
        data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
        return json.dumps(data).replace('"seed": 42', '"seed": ' + "9" * 5000)
    if case == DEEP:
        return '{"name": "x", "description": ' + "[" * 3000 + "]" * 3000 + "}"
    return json.dumps(yaml.safe_load(bad_yaml(case)))


def oversized_yaml() -> str:
    """A valid-looking scenario of about 2 MiB: over the scenario cap, under the request cap."""
    return SAMPLE.read_text(encoding="utf-8") + "# " + "x" * (2 * MiB) + "\n"


def page_errors(response) -> str:
    return html.unescape(response.content.decode())


CASES = [DEEP, HUGE_NUMBER, MANY_AGENTS]


@pytest.mark.django_db
class TestDesignerYamlTab:
    @pytest.mark.parametrize("case", CASES)
    def test_bad_documents_are_listed_in_the_page(self, admin_client, case):
        response = admin_client.post(
            reverse("scenarios:new"), {"tab": "yaml", "op": "save", "yaml": bad_yaml(case)}
        )
        assert response.status_code == 200
        assert EXPECTED[case] in page_errors(response)
        assert not Scenario.objects.exists()

    def test_an_oversized_document_is_refused(self, admin_client):
        response = admin_client.post(
            reverse("scenarios:new"), {"tab": "yaml", "op": "check", "yaml": oversized_yaml()}
        )
        assert response.status_code == 200
        assert TOO_LARGE in page_errors(response)


@pytest.mark.django_db
class TestConsoleImport:
    @pytest.mark.parametrize("case", CASES)
    def test_pasted_documents_answer_400_with_the_errors(self, admin_client, case):
        response = admin_client.post(reverse("scenarios:import"), {"text": bad_yaml(case)})
        assert response.status_code == 400
        assert EXPECTED[case] in page_errors(response)
        assert not Scenario.objects.exists()

    @pytest.mark.parametrize("case", CASES)
    def test_uploaded_json_files_answer_the_same(self, admin_client, case):
        upload = SimpleUploadedFile("s.json", bad_json(case).encode(), "application/json")
        response = admin_client.post(reverse("scenarios:import"), {"file": upload})
        assert response.status_code == 400
        assert EXPECTED[case] in page_errors(response)

    def test_an_upload_over_the_scenario_cap_answers_400_naming_the_cap(self, admin_client):
        upload = SimpleUploadedFile("big.yaml", oversized_yaml().encode(), "application/yaml")
        response = admin_client.post(reverse("scenarios:import"), {"file": upload})
        assert response.status_code == 400
        assert TOO_LARGE in page_errors(response)
        assert "x" * 1000 not in response.content.decode()  # not echoed back
        assert not Scenario.objects.exists()

    def test_an_upload_over_the_request_cap_answers_413_before_it_is_read(self, admin_client):
        upload = SimpleUploadedFile("huge.yaml", b"#" * (10 * MiB), "application/yaml")
        response = admin_client.post(reverse("scenarios:import"), {"file": upload})
        assert response.status_code == 413
        text = response.content.decode()
        assert "larger than the limit of 4,194,304 bytes (SIMENGINE_MAX_REQUEST_BYTES)" in text
        assert "scenario files may be at most 1,048,576 bytes" in text

    def test_non_utf8_uploads_name_the_byte(self, admin_client):
        upload = SimpleUploadedFile("s.yaml", b"name: \xff\n", "application/yaml")
        response = admin_client.post(reverse("scenarios:import"), {"file": upload})
        assert response.status_code == 400
        assert NOT_UTF8 in page_errors(response)


@pytest.fixture
def api(db):
    return token_client(make_user())


def error_lines(response) -> list[str]:
    return [f"{e['path']}: {e['message']}" for e in response.json()["errors"]]


@pytest.mark.django_db
class TestApiImport:
    @pytest.mark.parametrize("case", CASES)
    def test_yaml_bodies_answer_400_with_every_error(self, api, case):
        response = api.post(
            "/api/scenarios/import/", bad_yaml(case), content_type="application/yaml"
        )
        assert response.status_code == 400
        assert any(EXPECTED[case] in line for line in error_lines(response)), response.json()
        assert not Scenario.objects.exists()

    @pytest.mark.parametrize("case", CASES)
    def test_json_bodies_answer_the_same(self, api, case):
        response = api.post(
            "/api/scenarios/import/", bad_json(case), content_type="application/json"
        )
        assert response.status_code == 400
        assert any(EXPECTED[case] in line for line in error_lines(response)), response.json()

    def test_a_body_over_the_scenario_cap_answers_400_naming_the_cap(self, api):
        response = api.post(
            "/api/scenarios/import/", oversized_yaml(), content_type="application/yaml"
        )
        assert response.status_code == 400
        assert error_lines(response) == [TOO_LARGE]

    def test_a_body_over_the_request_cap_answers_413_in_the_api_format(self, api):
        response = api.post(
            "/api/scenarios/import/", "#" * (5 * MiB), content_type="application/yaml"
        )
        assert response.status_code == 413
        body = response.json()
        assert "SIMENGINE_MAX_REQUEST_BYTES" in body["detail"]
        assert body["errors"][0]["path"] == "(body)"

    def test_non_utf8_bodies_name_the_byte(self, api):
        response = api.post(
            "/api/scenarios/import/", b"name: \xff\n", content_type="application/yaml"
        )
        assert response.status_code == 400
        assert error_lines(response) == [NOT_UTF8]

    def test_a_valid_json_body_still_imports(self, api):
        text = json.dumps(yaml.safe_load(SAMPLE.read_text(encoding="utf-8")))
        response = api.post("/api/scenarios/import/", text, content_type="application/json")
        assert response.status_code == 201, response.json()
        assert response.json()["version"]["number"] == 1


@pytest.mark.django_db
class TestLoadScenario:
    def load(self, tmp_path, capsys, name: str, data: bytes) -> list[str]:
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(CommandError):
            call_command("loadscenario", str(path))
        err = capsys.readouterr().err
        assert "Traceback" not in err
        lines = err.strip().splitlines()
        assert lines[0] == f"{path}: invalid scenario, nothing saved:"
        return [line.strip() for line in lines[1:]]

    @pytest.mark.parametrize("case", CASES)
    def test_each_error_is_one_line(self, tmp_path, capsys, case):
        lines = self.load(tmp_path, capsys, "s.yaml", bad_yaml(case).encode())
        assert any(EXPECTED[case] in line for line in lines), lines
        assert not Scenario.objects.exists()

    def test_json_files_answer_the_same(self, tmp_path, capsys):
        lines = self.load(tmp_path, capsys, "s.json", bad_json(HUGE_NUMBER).encode())
        assert lines == [EXPECTED[HUGE_NUMBER]]

    def test_non_utf8_bytes_are_one_line(self, tmp_path, capsys):
        assert self.load(tmp_path, capsys, "s.yaml", b"name: \xff\n") == [NOT_UTF8]

    def test_an_oversized_file_is_one_line(self, tmp_path, capsys):
        assert self.load(tmp_path, capsys, "s.yaml", oversized_yaml().encode()) == [TOO_LARGE]


@pytest.mark.django_db
def test_run_forms_refuse_deep_yaml_as_a_form_error_not_a_500(admin_client):
    deep = "x: " + "[" * 3000 + "]" * 3000
    for url, data in (
        (reverse("runs:new"), {"params": deep}),
        (reverse("runs:batch_new"), {"grid": deep}),
    ):
        response = admin_client.post(url, data)
        assert response.status_code == 200
        assert "nested deeper than 32 levels" in page_errors(response)
    response = admin_client.get(reverse("runs:list"), {"param": "x=" + "[" * 3000})
    assert response.status_code == 200
