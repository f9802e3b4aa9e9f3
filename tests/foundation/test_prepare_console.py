from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from scenarios_app.management.commands import prepare_console
from scenarios_app.models import Scenario

pytestmark = pytest.mark.django_db


def prepare(monkeypatch, tmp_path) -> str:
    monkeypatch.setattr(prepare_console, "CREDENTIALS_FILE", tmp_path / "admin.txt")
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")
    out = StringIO()
    call_command("prepare_console", "--url", "http://127.0.0.1:8123/", stdout=out)
    return out.getvalue()


def test_first_start_loads_samples_and_creates_an_admin_it_tells_you_about(monkeypatch, tmp_path):
    out = prepare(monkeypatch, tmp_path)
    assert set(Scenario.objects.values_list("name", flat=True)) >= {"Riverside flood"}
    password = (tmp_path / "admin.txt").read_text().split("password: ")[1].strip()
    assert f"Log in at http://127.0.0.1:8123/ as admin / {password}" in out
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password(password)
    assert {s.owner for s in Scenario.objects.all()} == {admin}  # the demo user owns the demos
    assert "Ollama is not reachable at OLLAMA_HOST=http://127.0.0.1:9" in out


def test_a_second_start_changes_nothing(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    out = prepare(monkeypatch, tmp_path)
    assert "loaded sample" not in out
    assert "Created a local admin" not in out
    assert get_user_model().objects.count() == 1
    assert all(s.versions.count() == 1 for s in Scenario.objects.all())


def test_samples_loaded_before_owners_existed_get_the_admin_as_owner(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    Scenario.objects.update(owner=None)
    prepare(monkeypatch, tmp_path)
    admin = get_user_model().objects.get(username="admin")
    assert {s.owner for s in Scenario.objects.all()} == {admin}
