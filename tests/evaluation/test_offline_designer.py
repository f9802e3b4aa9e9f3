"""The offline designer and the designer's format: valid scenarios with no model at all."""

import asyncio
import json

import pytest

from simengine.core.designer import (
    EXAMPLE,
    catalog_text,
    check_design,
    design_scenario,
    design_schema,
    offline_design,
)
from simengine.core.evaluation import Unusable
from simengine.core.spec import parse_spec

BRIEFS = [
    "a hospital evacuation with three nurses, a panicking crowd and only one boat",
    "A village floods; 4 rescuers, two boats and a mayor. The levee may breach. 25 ticks.",
    "The town council must vote whether to open the spillway or evacuate the farms.",
    "a school, a church and a care home; 2 doctors, 3 firefighters, supplies by helicopter",
    "",
]


def design(brief: str):
    return asyncio.run(check_design(offline_design(brief), agent_model="offline/heuristic"))


@pytest.mark.parametrize("brief", BRIEFS)
def test_every_brief_gives_a_valid_scenario_that_survives_its_dry_run(brief):
    checked = design(brief)
    assert checked.dry_run.ticks == 3 and not checked.dry_run.finished
    assert checked.spec.name.startswith("Design: ")


def test_the_hospital_brief_reads_its_people_places_and_counts():
    spec = design(BRIEFS[0]).spec
    templates = {t.id: t for t in spec.agent_templates}
    assert templates["nurse"].count == 3 and templates["nurse"].start == "hospital"
    assert templates["crowd"].emotion.fear == 0.85  # panicking
    assert templates["rescuer"].count == 1 and templates["rescuer"].start == "docks"
    locations = {loc.id: loc for loc in spec.world.locations}
    assert locations["docks"].boats == 1
    assert locations["hospital"].civilians == 70  # 30 patients and a crowd of 40
    assert any(loc.shelter for loc in spec.world.locations)


def test_counts_hazards_and_length_come_from_the_brief():
    spec = design(BRIEFS[1]).spec
    templates = {t.id: t for t in spec.agent_templates}
    assert templates["rescuer"].count == 4 and templates["coordinator"].name == "Mayor"
    assert {loc.id: loc.boats for loc in spec.world.locations}["docks"] == 2
    assert spec.termination.max_ticks == 25
    assert [e.type for e in spec.events] == ["levee_breach"]


def test_a_council_brief_becomes_a_dialogue_with_its_options():
    spec = design(BRIEFS[2]).spec
    assert spec.world.kind == "dialogue"
    assert spec.world.params["options"][:2] == ["open the spillway", "evacuate the farms"]


def test_the_same_brief_always_gives_the_same_scenario():
    assert offline_design(BRIEFS[0]) == offline_design(BRIEFS[0])


def test_the_designer_is_shown_a_valid_example_and_every_world_kind():
    assert parse_spec(EXAMPLE).name == "Riverside flood (example)"
    text = catalog_text()
    assert "world kind 'flood'" in text and "world kind 'dialogue'" in text
    assert "event 'levee_breach'" in text and "rescued_fraction" in text


def test_the_design_schema_is_plain_json_schema():
    schema = design_schema()
    assert "$ref" not in json.dumps(schema) and "$defs" not in schema
    assert schema["properties"]["world"]["properties"]["kind"]["enum"] == ["dialogue", "flood"]


def test_an_unrunnable_design_is_refused_with_every_error():
    bad = {**offline_design(BRIEFS[0]), "agent_templates": [{"id": "x", "start": "moon"}]}
    with pytest.raises(Unusable) as refused:
        asyncio.run(check_design(bad, agent_model="offline/heuristic"))
    assert "agent_templates[0].start: unknown location 'moon'" in str(refused.value)


def test_the_offline_path_records_one_offline_call():
    result = asyncio.run(
        design_scenario(BRIEFS[0], model="offline/heuristic", agent_model="offline/heuristic")
    )
    assert result.ok and result.attempts[0] == "keywords: valid"
    [record] = result.records
    assert (record.provider, record.purpose, record.tokens_out) == ("offline", "design", 0)
