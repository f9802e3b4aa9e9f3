"""Loading scenarios: the samples, both formats, canonical dicts and syntax errors."""

from __future__ import annotations

import json

import pytest

from simengine.core.conditions import AllOf, MetricCondition
from simengine.core.spec import SpecError, load_spec, parse_spec
from tests.core.helpers import SCENARIOS, sample


@pytest.mark.parametrize("name", ["riverside_flood.yaml", "dialogue_dilemma.yaml"])
def test_the_sample_scenarios_load_and_round_trip(name: str) -> None:
    spec = sample(name)
    assert parse_spec(spec.to_dict()) == spec
    assert json.loads(json.dumps(spec.to_dict())) == spec.to_dict()


def test_the_sample_flood_has_what_the_issue_asks_for() -> None:
    spec = sample("riverside_flood.yaml")
    agents = spec.agents()
    assert len(spec.world.locations) >= 4
    assert len(agents) >= 8
    assert len({a.template_id for a in agents}) >= 3
    assert any(a.kind == "environment" for a in agents)
    assert "command" in spec.room_members()
    assert any(e.type == "levee_breach" for e in spec.events)
    assert spec.termination.success is not None and spec.termination.failure is not None
    assert spec.evaluation is not None


def test_the_sample_dialogue_has_four_agents() -> None:
    assert [a.name for a in sample("dialogue_dilemma.yaml").agents()] == [
        "Engineer",
        "Farmer",
        "Mayor",
        "Doctor",
    ]


def test_json_and_yaml_give_the_same_spec() -> None:
    spec = sample("riverside_flood.yaml")
    assert load_spec(json.dumps(spec.to_dict())) == spec
    assert load_spec(json.dumps(spec.to_dict()), "json") == spec


def test_templates_expand_into_named_agents_and_rooms_into_members() -> None:
    spec = sample("riverside_flood.yaml")
    names = [a.name for a in spec.agents()]
    assert names[:3] == ["River", "Rescuer 1", "Rescuer 2"]
    assert [a.id for a in spec.agents()][1:3] == ["rescuer-1", "rescuer-2"]
    assert spec.room_members()["volunteers"] == ["Volunteer 1", "Volunteer 2", "Mayor"]


def test_defaults_are_written_out_in_the_canonical_dict() -> None:
    spec = load_spec(
        "name: x\nworld: {kind: dialogue, params: {topic: t, options: [a, b]}}\n"
        "agent_templates: [{id: judge, count: 2}]\n"
    )
    template = spec.to_dict()["agent_templates"][0]
    assert template["name"] == "judge {n}"
    assert template["model"] == "offline/heuristic"
    assert [a.name for a in spec.agents()] == ["judge 1", "judge 2"]
    assert "evaluation" not in spec.to_dict()


def test_conditions_become_typed_objects() -> None:
    spec = load_spec(
        "name: x\nworld: {kind: dialogue, params: {topic: t, options: [a, b]}}\n"
        "agent_templates: [{id: judge}]\n"
        "termination: {success: {all: [{metric: decided, op: '==', value: 1},"
        " {metric: agreement, op: '>=', value: 0.5}]}}\n"
    )
    assert spec.termination.success == AllOf(
        (MetricCondition("decided", "==", 1), MetricCondition("agreement", ">=", 0.5))
    )
    assert spec.termination.success.describe() == "(decided == 1 and agreement >= 0.5)"


@pytest.mark.parametrize(
    ("text", "fmt", "error"),
    [
        (
            "name: [unclosed\n",
            None,
            "line 2, column 1: expected ',' or ']', but got '<stream end>'",
        ),
        ("name: a\nname: b\n", None, "line 2, column 1: duplicate key 'name'"),
        ("name: a\n  bad: indent\n", None, "line 2, column 6: mapping values are not allowed here"),
        ('{"name": }', None, "line 1, column 10: Expecting value"),
        ("", None, "(root): expected a mapping of scenario fields, got null"),
        ("- a\n- b\n", "yaml", "(root): expected a mapping of scenario fields, got a list"),
    ],
)
def test_syntax_errors_name_the_line_and_column(text: str, fmt: str | None, error: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(text, fmt)
    assert caught.value.errors == [error]


def test_the_sample_files_are_in_the_scenarios_folder() -> None:
    assert sorted(p.name for p in SCENARIOS.glob("*.yaml")) >= [
        "dialogue_dilemma.yaml",
        "riverside_flood.yaml",
    ]
