"""The decision schema handed to models: plain JSON schema, the agent's own actions only."""

from __future__ import annotations

import json

import jsonschema

from simengine.core.simulation import Simulation
from tests.core.helpers import Scripted, run_ticks, small_flood, spec_of


def schemas() -> dict[str, dict]:
    maker = Scripted()
    run_ticks(Simulation.create(spec_of(small_flood()), seed=1, run_id="s"), maker, 1)
    return {r.agent.name: r.action_schema for r in maker.requests}


def test_the_schema_is_plain_json_schema_without_references() -> None:
    for schema in schemas().values():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert "$ref" not in json.dumps(schema) and "$defs" not in json.dumps(schema)


def test_actions_are_limited_to_the_agents_own() -> None:
    schema = schemas()["Medic"]
    variants = schema["properties"]["actions"]["items"]["anyOf"]
    assert [v["properties"]["type"]["enum"][0] for v in variants] == [
        "move",
        "treat",
        "share",
        "say",
        "wait",
    ]
    move = variants[0]
    assert move["properties"]["to"]["enum"] == ["hill", "low", "mid"]


def test_a_decision_in_the_contract_shape_validates() -> None:
    schema = schemas()["Crew 1"]
    good = {
        "thought": "go",
        "actions": [{"type": "move", "to": "hill"}, {"type": "rescue", "count": 2}],
        "message": {"to": "room:ops", "text": "moving"},
        "emotion": {"fear": 0.1, "stress": 0.2, "hope": 0.3, "empathy": 0.4},
    }
    jsonschema.validate(good, schema)
    bad = {**good, "actions": [{"type": "fly"}]}
    assert not jsonschema.Draft202012Validator(schema).is_valid(bad)
