import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.services import in_ci

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SIMENGINE_"))}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)[:50],
            "DJANGO_ALLOWED_HOSTS": "example.org",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"SIMENGINE_MAX_CONCURRENT_RUNS": "ten"},
            "SIMENGINE_MAX_CONCURRENT_RUNS='ten' is not an integer: expected a whole number",
        ),
        (
            {"SIMENGINE_OLLAMA_PARALLEL": "0"},
            "SIMENGINE_OLLAMA_PARALLEL=0 is too small: expected an integer >= 1",
        ),
        (
            {"DATABASE_URL": "not a url"},
            "DATABASE_URL='not a url' is not a URL: expected e.g. postgres://user@host/db",
        ),
        (
            {"DATABASE_URL": "mongo://host/db"},
            "DATABASE_URL='mongo://host/db' is not a database URL we can use",
        ),
        (
            {"REDIS_URL": "http://127.0.0.1:6379"},
            "REDIS_URL='http://127.0.0.1:6379' is not a Redis URL: expected redis://host:port/db",
        ),
        (
            {"DJANGO_DEBUG": "0"},
            "DJANGO_SECRET_KEY is required: set it in the environment",
        ),
        (
            {"DJANGO_DEBUG": "maybe"},
            "DJANGO_DEBUG='maybe' is not a boolean",
        ),
    ],
)
def test_bad_environment_stops_start_up_with_one_line(env, expected):
    result = run_manage("check", env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("simengine configuration error: " + expected)


@pytest.mark.django_db
def test_database_vendor_follows_database_url():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        assert connection.vendor == "postgresql"
    elif in_ci():
        pytest.fail("CI must run the suite on PostgreSQL: DATABASE_URL does not name it")
    else:
        assert connection.vendor == "sqlite"
