"""The scenario loader bounds its input: size, nesting, values, numbers, agents; never a crash."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

import simengine.llm  # noqa: F401  (registers the providers the sample names)
from simengine.core.spec import (
    SpecError,
    SpecLimits,
    decode_document,
    load_spec,
    parse_spec,
    set_spec_limits,
    spec_limits,
)

SAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "riverside_flood.yaml"
BOUND = "numbers must lie between -10^15 and 10^15"


def sample() -> dict:
    return yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))


def errors_of(text: str, fmt: str | None = None) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec(text, fmt)
    return caught.value.errors


@pytest.fixture
def limits():
    """Restore the process-wide limits after a test that changes them."""
    before = spec_limits()
    yield
    set_spec_limits(before)


def test_deeply_nested_yaml_is_refused_with_a_line_not_a_recursion_error():
    errors = errors_of("name: deep\nworld: " + "[" * 5000 + "]" * 5000)
    assert errors == ["line 2, column 40: nested deeper than 32 levels"]


def test_deeply_nested_json_is_refused_at_any_depth():
    for depth in (40, 100_000):
        errors = errors_of('{"name": "deep", "world": ' + "[" * depth + "]" * depth + "}", "json")
        assert len(errors) == 1 and "nested deeper than 32 levels" in errors[0], errors


def test_an_already_parsed_document_that_is_too_deep_is_refused():
    data = sample()
    node = data["world"]["params"]
    for _ in range(40):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(SpecError) as caught:
        parse_spec(data)
    assert caught.value.errors == ["world.params" + ".x" * 31 + ": nested deeper than 32 levels"]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_a_5000_digit_integer_is_reported_with_its_path_beside_the_other_errors(fmt):
    data = sample()
    data["agent_templates"][0]["model"] = "olama/llama3.2"
    text = yaml.safe_dump(data) if fmt == "yaml" else json.dumps(data)
    text = text.replace("seed: 42", "seed: " + "7" * 5000).replace(
        '"seed": 42', '"seed": ' + "7" * 5000
    )
    errors = errors_of(text, fmt)
    assert errors[0] == f"seed: a number of 5,000 digits is out of range: {BOUND}"
    assert errors[1].startswith("agent_templates[0].model: unknown provider 'olama'")
    assert len(errors) == 2


def test_numbers_beyond_the_bound_and_infinities_are_reported_with_their_paths():
    data = sample()
    data["seed"] = 10**20
    data["world"]["locations"][1]["civilians"] = -(10**16)
    data["world"]["params"]["rain_intensity"] = float("inf")
    with pytest.raises(SpecError) as caught:
        parse_spec(data)
    assert caught.value.errors == [
        f"seed: 100000000000000000000 is out of range: {BOUND}",
        "world.params.rain_intensity: inf is not a finite number",
        f"world.locations[1].civilians: -10000000000000000 is out of range: {BOUND}",
    ]


def test_too_many_agents_in_total_are_refused_quickly_without_listing_them():
    data = sample()
    template = data["agent_templates"][0]
    data["agent_templates"] = [
        {**template, "id": f"t{i}", "name": f"T{i} {{n}}", "count": 1000} for i in range(100)
    ]
    data.pop("rooms", None)
    started = time.monotonic()
    with pytest.raises(SpecError) as caught:
        parse_spec(data)
    assert time.monotonic() - started < 2
    assert (
        "agent_templates: the templates make 100,000 agents together, more than the limit of"
        " 1,000 per scenario"
    ) in caught.value.errors


def test_one_huge_count_is_named_by_its_path_and_never_expanded():
    data = sample()
    data["agent_templates"][0]["count"] = 10**12
    started = time.monotonic()
    with pytest.raises(SpecError) as caught:
        parse_spec(data)
    assert time.monotonic() - started < 2
    assert caught.value.errors == [
        "agent_templates[0].count: 1,000,000,000,000 agents, more than the limit of 1,000"
        " per scenario"
    ]


def test_the_limits_in_force_are_those_installed(limits):
    set_spec_limits(SpecLimits(max_agents=3, max_bytes=2048))
    data = sample()
    with pytest.raises(SpecError) as caught:
        parse_spec(data)
    assert any("more than the limit of 3 per scenario" in e for e in caught.value.errors)
    errors = errors_of("name: x\n" + "# padding\n" * 300)
    assert errors == [
        "(document): the scenario is larger than the limit of 2.0 KiB (2,048 bytes)"
        " (SIMENGINE_MAX_SCENARIO_BYTES)"
    ]


def test_a_document_with_too_many_values_is_refused(limits):
    set_spec_limits(SpecLimits(max_values=1000))
    data = sample()
    data["world"]["params"]["noise"] = list(range(2000))
    with pytest.raises(SpecError) as caught:
        parse_spec(data)
    assert caught.value.errors == ["(document): more than 1,000 values in one scenario"]


def test_non_utf8_bytes_are_one_line_naming_the_byte_and_line():
    with pytest.raises(SpecError) as caught:
        decode_document(b"name: ok\ndescription: caf\xe9\n")
    assert caught.value.errors == [
        "(document): not UTF-8 text: byte 0xe9 at line 2 (offset 25); save the file as UTF-8"
    ]
    assert decode_document("\ufeffname: ok".encode()) == "name: ok"


def test_a_negative_route_length_does_not_hide_an_unknown_location():
    data = sample()
    data["world"]["routes"] = [["docks", "atlantis", -1], ["school", "nowhere", 2]]
    with pytest.raises(SpecError) as caught:
        parse_spec(data)
    errors = [e for e in caught.value.errors if e.startswith("world.routes")]
    assert errors == [
        "world.routes[0][2]: must be >= 1, got -1",
        "world.routes[0][1]: unknown location 'atlantis'",
        "world.routes[1][1]: unknown location 'nowhere'",
    ]
