"""JSON text for jsonb columns stores exactly the value `json.dumps` stored."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from runs_app.services.json_text import json_text

VALUES = [
    {"agent": "Rescuer 1", "to": None, "ok": True, "n": 3, "x": 0.1, "tiny": 1e-05},
    [{"role": "user", "content": 'Crue à 16,5 m : évacuez \u00e9 \U0001f30a "q" \\ \n'}],
    {"floats": [1.0, -0.0, 1e16, 2.5e-300, 123456789.125], "ints": [0, -1, 2**63 - 1]},
    {"nested": {"a": [[], {}, [None, False]], "b": ("tuple", 1)}},
    "a bare string",
    [],
]


def strict(value):
    """A value with every JSON type spelled out (1, 1.0 and true differ)."""
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strict(v) for v in value]
    return (type(value).__name__, value)


@pytest.mark.parametrize("value", VALUES)
def test_it_parses_to_what_json_dumps_parses_to(value):
    assert strict(json.loads(json_text(value))) == strict(json.loads(json.dumps(value)))


@pytest.mark.parametrize(
    "value",
    [
        {"level": float("nan")},
        [1, float("inf"), None],
        {1: "an integer key"},
        {"big": 2**70},
        {"lone": "\ud800"},
    ],
)
def test_what_orjson_would_write_otherwise_is_written_by_json_dumps(value):
    assert json_text(value) == json.dumps(value)


@pytest.mark.django_db
@pytest.mark.parametrize("value", VALUES)
def test_postgresql_stores_the_same_jsonb(value):
    if connection.vendor != "postgresql":
        pytest.skip("jsonb is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::jsonb = %s::jsonb", [json_text(value), json.dumps(value)])
        assert cursor.fetchone()[0] is True
