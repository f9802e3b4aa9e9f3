"""The designer agent on the loopback stand-ins: a brief becomes a draft that runs."""

import copy
from typing import Any

import pytest

from runs_app.services.runs import run_create
from scenarios_app.models import Scenario
from scenarios_app.services import DesignFailed, design_from_brief
from tests.evaluation.conftest import wait_for_evaluations
from tests.fakes import Reply
from tests.runs_app.factories import wait_until_final

BRIEF = "A hospital evacuation with three nurses, a panicking crowd and only one boat."
HOSPITAL: dict[str, Any] = {
    "name": "Hospital evacuation",
    "description": "Three nurses move patients out of a flooding hospital with one boat.",
    "seed": 5,
    "world": {
        "kind": "flood",
        "params": {"rain_intensity": 0.7, "water_rise_per_tick": 0.3},
        "locations": [
            {"id": "hill", "elevation": 25, "shelter": True, "capacity": 150},
            {"id": "hospital", "elevation": 4, "civilians": 45, "injured": 10},
            {"id": "jetty", "elevation": 1, "boats": 1},
        ],
        "routes": [["jetty", "hospital", 1], ["hospital", "hill", 2]],
    },
    "agent_templates": [
        {
            "id": "nurse",
            "kind": "human",
            "count": 3,
            "name": "Nurse {n}",
            "role": "Nurse",
            "persona": "Calm ward nurse.",
            "model": "ollama/some-other-model",
            "start": "hospital",
            "actions": ["move", "rescue", "unload", "treat", "say", "wait"],
        },
        {
            "id": "crowd",
            "kind": "human",
            "count": 2,
            "name": "Visitor {n}",
            "role": "Panicking visitor",
            "emotion": {"fear": 0.9, "stress": 0.9, "hope": 0.2, "empathy": 0.4},
            "start": "hospital",
            "actions": ["move", "say", "wait"],
            "knowledge": None,
        },
    ],
    "termination": {
        "max_ticks": 8,
        "success": {"metric": "rescued_fraction", "op": ">=", "value": 0.95},
    },
}


def broken() -> dict:
    spec = copy.deepcopy(HOSPITAL)
    spec["agent_templates"][0]["start"] = "ward 7"
    spec["termination"]["failure"] = {"metric": "votes_cast", "op": ">=", "value": 1}
    return spec


@pytest.mark.django_db
def test_a_valid_design_is_saved_as_a_new_draft(ollama):
    ollama.script(Reply.json(HOSPITAL))

    outcome = design_from_brief(brief=BRIEF, model="ollama/llama3.2")

    version = outcome.result.version
    assert version.scenario.is_draft and version.number == 1
    assert version.scenario.name == "Hospital evacuation"
    models = {t["id"]: t["model"] for t in version.spec["agent_templates"]}
    assert models == {"nurse": "ollama/llama3.2", "crowd": "ollama/llama3.2"}
    assert outcome.attempts == ["answer: valid", outcome.attempts[1]]
    assert outcome.attempts[1].startswith("dry run: 3 tick(s) on the offline policy")
    assert outcome.dry_run["ticks"] == 3
    request = ollama.chats()[0]
    assert request["format"]["properties"]["world"]["properties"]["kind"]["enum"] == [
        "dialogue",
        "flood",
    ]
    assert "world kind 'flood'" in request["messages"][0]["content"]
    assert BRIEF in request["messages"][-1]["content"]


@pytest.mark.django_db
def test_an_invalid_design_is_repaired_with_its_errors_shown(ollama):
    ollama.script(Reply.json(broken()), Reply.json(HOSPITAL))

    outcome = design_from_brief(brief=BRIEF, model="ollama/llama3.2")

    assert outcome.result.version.scenario.name == "Hospital evacuation"
    assert outcome.attempts[0].startswith("answer: the scenario is invalid")
    assert outcome.attempts[1] == "repair: valid"
    shown = ollama.chats()[1]["messages"][-1]["content"]
    assert "agent_templates[0].start: unknown location 'ward 7'" in shown
    assert "termination.failure" in shown and "votes_cast" in shown


@pytest.mark.django_db
def test_invalid_twice_saves_nothing_and_says_why(ollama):
    ollama.script(Reply.json(broken()), Reply.text("Sorry, I cannot do that."))

    with pytest.raises(DesignFailed) as failure:
        design_from_brief(brief=BRIEF, model="ollama/llama3.2")

    assert failure.value.message == (
        "ollama/llama3.2 could not design a valid scenario (its answer and one repair)"
    )
    problems = failure.value.problems
    # every problem once, in its own words: no repeated paragraph, no attempt prefixes
    assert problems and len(problems) == len(set(problems))
    assert not any(p.startswith(("answer:", "repair:", "invalid answer")) for p in problems)
    assert any("unknown location 'ward 7'" in p for p in problems)
    assert failure.value.attempts[0].startswith("answer: the scenario is invalid")
    assert failure.value.answers[1] == "Sorry, I cannot do that."
    assert not Scenario.objects.exists()


@pytest.mark.django_db
def test_an_unreachable_designer_model_saves_nothing(no_ollama):
    with pytest.raises(DesignFailed) as failure:
        design_from_brief(brief=BRIEF, model="ollama/llama3.2")
    assert "unavailable" in failure.value.message
    assert not Scenario.objects.exists()


@pytest.mark.django_db
def test_the_same_name_becomes_a_second_scenario_not_a_new_version(ollama):
    ollama.script(Reply.json(HOSPITAL), Reply.json(HOSPITAL))

    first = design_from_brief(brief=BRIEF, model="ollama/llama3.2").result.version
    second = design_from_brief(brief=BRIEF, model="ollama/llama3.2").result.version

    assert first.scenario != second.scenario
    assert second.scenario.name == "Hospital evacuation (2)"


@pytest.mark.django_db(transaction=True)
def test_a_designed_scenario_runs_to_completion(ollama):
    ollama.script(Reply.json(HOSPITAL))
    version = design_from_brief(
        brief=BRIEF, model="ollama/llama3.2", agent_model="offline/heuristic"
    ).result.version

    run = wait_until_final(run_create(version=version, seed=2))

    assert run.status == "completed"
    assert run.current_step >= 1 and run.end_reason


@pytest.mark.django_db(transaction=True)
def test_the_offline_designer_needs_no_model_and_its_scenario_completes(no_ollama):
    outcome = design_from_brief(brief=BRIEF, model="offline/heuristic")

    spec = outcome.result.version.spec
    assert outcome.attempts == ["keywords: valid", outcome.attempts[1]]
    nurses = next(t for t in spec["agent_templates"] if t["id"] == "nurse")
    assert nurses["count"] == 3
    docks = next(loc for loc in spec["world"]["locations"] if loc["id"] == "docks")
    assert docks["boats"] == 1
    run = wait_until_final(run_create(version=outcome.result.version, seed=1), timeout=120)
    assert run.status == "completed"
    [evaluation] = wait_for_evaluations(run, 1)  # its evaluation block: the rules
    assert evaluation.is_rule_based
