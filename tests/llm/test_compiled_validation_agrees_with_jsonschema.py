"""The compiled validator accepts what jsonschema accepts; rejections keep jsonschema's words."""

from __future__ import annotations

import copy

import pytest

from simengine.llm.parsing import InvalidOutput, validate_decision

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["thought", "actions"],
    "properties": {
        "thought": {"type": "string"},
        "actions": {
            "type": "array",
            "maxItems": 2,
            "items": {
                "anyOf": [
                    {
                        "type": "object",
                        "required": ["type", "to"],
                        "properties": {
                            "type": {"const": "move"},
                            "to": {"type": "string", "enum": ["docks", "hilltop"]},
                        },
                    },
                    {
                        "type": "object",
                        "required": ["type"],
                        "properties": {"type": {"const": "wait"}},
                    },
                ]
            },
        },
    },
}


@pytest.mark.parametrize("schema", [SCHEMA, copy.deepcopy(SCHEMA)])
def test_valid_decisions_pass_for_the_same_and_for_an_equal_schema(schema):
    validate_decision({"thought": "go", "actions": [{"type": "move", "to": "docks"}]}, schema)
    validate_decision({"thought": "rest", "actions": [{"type": "wait"}]}, schema)


def test_an_invalid_decision_is_explained_with_its_path():
    data = {"thought": "go", "actions": [{"type": "move", "to": "nowhere"}], "extra": 1}
    with pytest.raises(InvalidOutput) as caught:
        validate_decision(data, SCHEMA)
    message = str(caught.value)
    assert message.startswith("the JSON does not match the schema: ")
    assert "actions[0]" in message and "'nowhere'" in message
    assert "Additional properties are not allowed ('extra' was unexpected)" in message
