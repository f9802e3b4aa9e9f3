import json

import pytest

from simengine.llm.parsing import InvalidOutput, extract_json_object, parse_decision

from .factories import flood_schema, valid_decision

DECISION = json.dumps(valid_decision())


@pytest.mark.parametrize(
    "text",
    [
        DECISION,
        f"  {DECISION}\n",
        f"```json\n{DECISION}\n```",
        f"```\n{DECISION}\n```",
        f"Sure! Here is my decision:\n{DECISION}",
        f"Decision: {DECISION} -- hope that helps",
        f"<think>Maybe {{move}} first? No.</think>\n{DECISION}",
        f"Options were {{wait}} or {{move}}; I pick {DECISION}",
    ],
)
def test_a_decision_is_found_bare_fenced_or_after_prose(text):
    assert parse_decision(text, flood_schema()) == valid_decision()


def test_a_json_array_is_not_a_decision():
    with pytest.raises(InvalidOutput, match="expected one JSON object, got a JSON list"):
        extract_json_object("[1, 2]")


def test_empty_output_says_so():
    with pytest.raises(InvalidOutput, match=r"got '\(empty\)'"):
        extract_json_object("   ")


def test_schema_errors_name_their_path():
    bad = valid_decision(emotion={"fear": 3}, actions=[{"type": "rescue", "count": 0}])

    with pytest.raises(InvalidOutput) as error:
        parse_decision(json.dumps(bad), flood_schema())

    assert "actions[0].count: 0 is less than the minimum of 1" in str(error.value)
    assert "emotion.fear: 3 is greater than the maximum of 1" in str(error.value)
