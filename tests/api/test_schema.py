import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_lists_every_resource(api):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    for path in [
        "/api/scenarios/",
        "/api/scenarios/{scenario_id}/clone/",
        "/api/scenarios/{scenario_id}/versions/",
        "/api/scenarios/import/",
        "/api/scenarios/{scenario_id}/export/",
        "/api/runs/",
        "/api/runs/{run_id}/control/",
        "/api/runs/{run_id}/fork/",
        "/api/runs/{run_id}/agents/",
        "/api/runs/{run_id}/agents/inject/",
        "/api/runs/{run_id}/messages/",
        "/api/runs/{run_id}/steps/",
        "/api/runs/{run_id}/events/",
        "/api/runs/{run_id}/llm-calls/",
        "/api/batches/",
        "/api/batches/{batch_id}/aggregates/",
        "/api/evaluations/",
    ]:
        assert path in schema["paths"], path
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_schema_documents_the_message_filters_and_error_answers(api):
    schema = yaml.safe_load(api.get("/api/schema/").content)
    operation = schema["paths"]["/api/runs/{run_id}/messages/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"agent", "room", "from_step", "to_step", "since", "until", "cursor", "limit"} <= names
    assert {"200", "400", "401", "404"} <= set(operation["responses"])
    control = schema["paths"]["/api/runs/{run_id}/control/"]["post"]
    assert "409" in control["responses"]


def test_the_swagger_ui_needs_a_login_and_loads_no_cdn(client, user):
    anonymous = client.get("/api/docs/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/")
    client.force_login(user)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn.jsdelivr.net" not in html
    assert "/api/schema/" in html


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "operationId" in target.read_text()
