import pytest
import yaml
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.factories import make_run

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/scenarios/"),
    ("post", "/api/scenarios/"),
    ("get", "/api/scenarios/1/"),
    ("put", "/api/scenarios/1/"),
    ("delete", "/api/scenarios/1/"),
    ("post", "/api/scenarios/1/clone/"),
    ("get", "/api/scenarios/1/versions/"),
    ("get", "/api/scenarios/1/versions/1/"),
    ("post", "/api/scenarios/import/"),
    ("get", "/api/scenarios/1/export/"),
    ("get", "/api/runs/"),
    ("post", "/api/runs/"),
    ("get", "/api/runs/1/"),
    ("post", "/api/runs/1/control/"),
    ("get", "/api/runs/1/agents/"),
    ("get", "/api/runs/1/agents/1/"),
    ("patch", "/api/runs/1/agents/1/"),
    ("post", "/api/runs/1/agents/inject/"),
    ("get", "/api/runs/1/messages/"),
    ("get", "/api/runs/1/steps/"),
    ("get", "/api/runs/1/steps/1/"),
    ("get", "/api/runs/1/events/"),
    ("get", "/api/runs/1/llm-calls/"),
    ("get", "/api/batches/"),
    ("post", "/api/batches/"),
    ("get", "/api/batches/1/"),
    ("get", "/api/batches/1/aggregates/"),
    ("get", "/api/evaluations/"),
    ("get", "/api/evaluations/1/"),
    ("get", "/api/schema/"),
]


@pytest.mark.parametrize("method, url", ENDPOINTS)
def test_anonymous_requests_get_401_with_a_token_challenge(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = yaml.safe_load(response.content)  # JSON, or YAML where the endpoint speaks YAML
    assert body == {"detail": "Authentication credentials were not provided."}


def test_a_wrong_token_is_401(client):
    response = client.get("/api/runs/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_token_authenticates(api):
    assert api.get("/api/runs/").status_code == 200


def test_a_console_session_authenticates(client, user):
    client.force_login(user)
    assert client.get("/api/runs/").status_code == 200


def test_session_writes_need_the_csrf_token(user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    run = make_run()
    response = client.post(f"/api/runs/{run.pk}/control/", {"action": "start"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_apitoken_command_creates_and_then_repeats_the_users_token(user, capsys):
    call_command("apitoken", "ana")
    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user=user).key == key
    call_command("apitoken", "ana")
    assert capsys.readouterr().out.strip() == key
    call_command("apitoken", "ana", "--rotate")
    assert capsys.readouterr().out.strip() != key


def test_apitoken_command_can_create_the_user(db, capsys):
    call_command("apitoken", "robot", "--create-user")
    key = capsys.readouterr().out.strip()
    assert Token.objects.get(key=key).user.username == "robot"
