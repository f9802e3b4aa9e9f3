import pytest
import yaml

from scenarios_app.forms import ScenarioDesigner, apply_row_op, document_to_data, split_path
from scenarios_app.forms.values import to_yaml
from simengine.core.spec import SpecError, load_spec, parse_spec
from tests.console.conftest import SAMPLE


def sample_document() -> dict:
    return yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))


def test_the_form_round_trips_the_sample_scenario():
    canonical = load_spec(SAMPLE.read_text(encoding="utf-8")).to_dict()
    designer = ScenarioDesigner.from_document(canonical)
    assert parse_spec(designer.document()).to_dict() == canonical


def test_the_yaml_the_form_writes_reads_back_as_the_same_scenario():
    designer = ScenarioDesigner.from_document(sample_document())
    text = to_yaml(designer.document())
    assert load_spec(text).to_dict() == load_spec(SAMPLE.read_text(encoding="utf-8")).to_dict()
    assert "- [docks, school, 1]" in text


def test_split_path_reads_indexes_and_names():
    assert split_path("agent_templates[0].emotion.fear") == [
        "agent_templates",
        0,
        "emotion",
        "fear",
    ]
    assert split_path("world.routes[1][2]") == ["world", "routes", 1, 2]
    assert split_path("line 3, column 5") is None


def test_errors_land_on_their_fields():
    document = sample_document()
    document["agent_templates"][1]["count"] = 0
    document["world"]["locations"][2]["elevation"] = "abc"
    document["world"]["routes"][0][2] = 0
    designer = ScenarioDesigner.from_document(document)
    with pytest.raises(SpecError) as exc:
        parse_spec(designer.document())
    designer.place_errors(exc.value.errors)
    assert designer.rows["tpl"].forms[1].errors["count"] == ["must be >= 1, got 0"]
    assert designer.rows["loc"].forms[2].errors["elevation"] == ["expected a number, got 'abc'"]
    assert "ticks" in designer.rows["route"].forms[0].errors
    assert designer.unplaced == []


def test_a_termination_condition_error_lands_on_its_row():
    document = sample_document()
    document["termination"]["failure"] = {"any": [{"metric": "nope", "op": ">=", "value": 1}]}
    designer = ScenarioDesigner.from_document(document)
    with pytest.raises(SpecError) as exc:
        parse_spec(designer.document())
    designer.place_errors(exc.value.errors)
    assert "unknown metric 'nope'" in designer.rows["failure"].forms[0].errors["metric"][0]


def test_row_operations_add_remove_and_reorder_templates():
    data = document_to_data(sample_document())
    ids = lambda d: [f["id"].value() for f in ScenarioDesigner(d).rows["tpl"].forms]  # noqa: E731
    assert ids(data) == ["storm", "rescuer", "medic", "volunteer", "mayor"]
    moved = apply_row_op(data, "up:tpl:2")
    assert ids(moved) == ["storm", "medic", "rescuer", "volunteer", "mayor"]
    removed = apply_row_op(moved, "remove:tpl:0")
    assert ids(removed) == ["medic", "rescuer", "volunteer", "mayor"]
    added = apply_row_op(removed, "add:tpl")
    assert ids(added)[-1] == "template_5"
    added.setlist("tpl-4-start", ["hilltop"])
    template = parse_spec(ScenarioDesigner(added).document()).agent_templates[0]
    assert template.id == "medic" and template.count == 2


def test_nested_conditions_keep_their_shape_as_yaml():
    document = sample_document()
    nested = {"any": [{"all": [{"metric": "rescued", "op": ">=", "value": 5}]}]}
    document["termination"]["success"] = nested
    designer = ScenarioDesigner.from_document(document)
    assert designer.main["success_match"].value() == "yaml"
    assert designer.document()["termination"]["success"] == nested


def test_the_form_keeps_memory_settings_and_places_their_errors():
    document = sample_document()
    document["agent_templates"][0]["memory"] = {"retrieve_k": 8}
    designer = ScenarioDesigner.from_document(document)
    written = designer.document()
    assert written["memory"] == document["memory"]
    assert written["agent_templates"][0]["memory"] == {"retrieve_k": 8}
    document["memory"]["token_budget"] = 0
    document["agent_templates"][0]["memory"] = {"retrieve_k": "many"}
    designer = ScenarioDesigner.from_document(document)
    with pytest.raises(SpecError) as exc:
        parse_spec(designer.document())
    designer.place_errors(exc.value.errors)
    assert designer.main.errors["memory"] == ["token_budget: must be >= 1, got 0"]
    assert designer.rows["tpl"].forms[0].errors["memory"] == [
        "retrieve_k: expected an integer, got 'many'"
    ]
    assert designer.unplaced == []
