"""Validation: a table of bad scenario files and the exact error lines each produces."""

from __future__ import annotations

import textwrap

import pytest

from simengine.core.spec import SpecError, load_spec

GOOD = """\
name: Table
world:
  kind: flood
  locations:
    - {id: hill, elevation: 20, shelter: true}
    - {id: town, elevation: 1, civilians: 5}
  routes: [[town, hill, 1]]
agent_templates:
  - {id: crew, count: 2, name: "Crew {n}", model: ollama/llama3.2, start: town}
"""

FLOOD_METRICS = (
    "casualties, civilians_at_risk, cooperation, first_casualty_tick, flooded_locations,"
    " injured_untreated, messages_sent, rescued, rescued_fraction, resources_used, treated,"
    " water_level"
)

CASES = [
    (
        "unknown provider",
        GOOD.replace("ollama/llama3.2", "olama/llama3.2"),
        [
            "agent_templates[0].model: unknown provider 'olama'"
            " (known: ollama, anthropic, openai, offline, replay)"
        ],
    ),
    (
        "model without provider and unknown offline policy",
        GOOD.replace("ollama/llama3.2", "llama3").replace(
            "agent_templates:\n",
            "agent_templates:\n  - {id: boss, model: offline/smart, start: hill}\n",
        ),
        [
            "agent_templates[0].model: unknown offline policy 'smart' (known: heuristic)",
            "agent_templates[1].model: expected 'provider/model' (e.g. 'ollama/llama3.2'),"
            " got 'llama3'",
        ],
    ),
    (
        "missing name and world, unknown top-level field",
        "colour: blue\nagent_templates: [{id: a}]\n",
        ["name: required", "colour: unknown field", "world: required"],
    ),
    (
        "unknown world kind",
        GOOD.replace("kind: flood", "kind: fire"),
        ["world.kind: unknown world kind 'fire' (known: dialogue, flood)"],
    ),
    (
        "route to a missing location and a bad travel time",
        GOOD.replace("[[town, hill, 1]]", "[[town, hil, 1], [town, hill, 0], [town]]"),
        [
            "world.routes[1][2]: must be >= 1, got 0",
            "world.routes[2]: expected [from, to, travel_ticks], got a list of 1",
            # the failed routes do not hide the unknown location of a valid one
            "world.routes[0][1]: unknown location 'hil'",
        ],
    ),
    (
        "route endpoint that does not exist",
        GOOD.replace("[[town, hill, 1]]", "[[town, hil, 1]]"),
        ["world.routes[0][1]: unknown location 'hil'"],
    ),
    (
        "start location that does not exist",
        GOOD.replace("start: town", "start: harbour"),
        ["agent_templates[0].start: unknown location 'harbour' (known: hill, town)"],
    ),
    (
        "missing start in a map world",
        GOOD.replace(", start: town", ""),
        ["agent_templates[0].start: required by world kind 'flood'"],
    ),
    (
        "emotion out of range and count below one",
        GOOD.replace("count: 2", "count: 0, emotion: {fear: 1.5, hope: -1}"),
        [
            "agent_templates[0].count: must be >= 1, got 0",
            "agent_templates[0].emotion.fear: must be <= 1, got 1.5",
            "agent_templates[0].emotion.hope: must be >= 0, got -1",
        ],
    ),
    (
        "action unknown to the world kind",
        GOOD.replace("start: town}", "start: town, actions: [move, fly]}"),
        [
            "agent_templates[0].actions[1]: unknown action 'fly' for world kind 'flood'"
            " (known: move, rescue, unload, share, treat, say, broadcast, wait)"
        ],
    ),
    (
        "duplicate ids and names",
        GOOD + '  - {id: crew, name: "Crew 1", start: hill}\n',
        [
            "agent_templates[1].id: duplicate template id 'crew' (also agent_templates[0])",
            "agent_templates[1].name: agent name 'Crew 1' is already used by agent_templates[0]",
        ],
    ),
    (
        "an empty action list",
        GOOD.replace("start: town}", "start: town, actions: []}"),
        ["agent_templates[0].actions: must list at least one action"],
    ),
    (
        "count above one without {n}",
        GOOD.replace('name: "Crew {n}"', "name: Crew"),
        ["agent_templates[0].name: must contain {n} when count > 1"],
    ),
    (
        "room members that do not exist",
        GOOD
        + "rooms:\n  - {id: ops, members: [Crew 3, 'template:boats']}\n"
        + "  - {id: ops, members: []}\n",
        [
            "rooms[0].members[0]: unknown agent 'Crew 3'",
            "rooms[0].members[1]: unknown template 'boats'",
            "rooms[1].id: duplicate room id 'ops'",
            "rooms[1].members: must list at least one member",
        ],
    ),
    (
        "bad world parameters",
        GOOD.replace("kind: flood", "kind: flood\n  params: {rain: 1, levee_height: high}"),
        [
            "world.params.rain: unknown parameter for world kind 'flood' (known: boat_capacity,"
            " breach_rise_factor, breach_surge, casualty_delay_ticks, casualty_rate,"
            " food_per_person, foot_capacity, initial_water_level, injury_death_rate,"
            " levee_height, rain_intensity, rain_variability, restock_food, restock_medkits,"
            " treat_per_tick, water_rise_per_tick)",
            "world.params.levee_height: expected a number, got 'high'",
        ],
    ),
    (
        "location facts that contradict each other",
        GOOD.replace("civilians: 5}", "civilians: 5, injured: 6}\n    - {id: town}"),
        [
            "world.locations[1].injured: must not exceed civilians (5)",
            "world.locations[2].id: duplicate location id 'town'",
        ],
    ),
    (
        "malformed conditions",
        GOOD
        + "termination:\n  success: {metric: saved, op: '=>', value: lots}\n"
        + "  failure: {any: [{metric: casualties, op: '>=', value: 3}, 7]}\n",
        [
            f"termination.success.metric: unknown metric 'saved' for world kind 'flood'"
            f" (known: {FLOOD_METRICS})",
            "termination.success.op: unknown operator '=>' (use >=, >, <=, <, ==, !=)",
            "termination.success.value: expected a number, got 'lots'",
            "termination.failure.any[1]: expected {metric, op, value} or {all: [...]}"
            " or {any: [...]}, got 7",
        ],
    ),
    (
        "an empty combination",
        GOOD + "termination: {max_ticks: 0, success: {all: []}}\n",
        [
            "termination.max_ticks: must be >= 1, got 0",
            "termination.success.all: expected a non-empty list of conditions",
        ],
    ),
    (
        "scripted events of the wrong kind, place or time",
        GOOD
        + "termination: {max_ticks: 20}\nevents:\n  - {at_tick: 30, type: tsunami}\n"
        + "  - {at_tick: 3, type: supply_drop, params: {location: shop, food: -1}}\n"
        + "  - {at_tick: 4, type: supply_drop, params: {location: shop}}\n",
        [
            "events[0].at_tick: 30 is after the last tick (termination.max_ticks is 20)",
            "events[0].type: unknown event type 'tsunami' for world kind 'flood'"
            " (known: levee_breach, rain_change, supply_drop, stranded)",
            "events[1].params.food: must be >= 0, got -1",
            "events[2].params.location: unknown location 'shop' (known: hill, town)",
        ],
    ),
    (
        "bad budget, mode and evaluation",
        GOOD + "mode: sometimes\nbudget: {tokens_per_run: 0}\nevaluation: {model: gpt}\n",
        [
            "mode: must be one of 'discrete', 'event', got 'sometimes'",
            "evaluation.model: expected 'provider/model' (e.g. 'ollama/llama3.2'), got 'gpt'",
            "budget.tokens_per_run: must be >= 1, got 0",
        ],
    ),
    (
        "a dialogue world with a map and a preference that is not an option",
        "name: Talk\nworld:\n  kind: dialogue\n  params: {topic: t, options: [a, a]}\n"
        "  locations: [{id: x}]\nagent_templates:\n"
        "  - {id: judge, start: x, params: {prefers: c}}\n",
        [
            "world.locations: world kind 'dialogue' has no map",
            "world.params.options: options must be different from each other",
            "agent_templates[0].start: world kind 'dialogue' has no locations",
            "agent_templates[0].params.prefers: 'c' is not one of world.params.options",
        ],
    ),
    (
        "only environment agents",
        GOOD.replace(
            '{id: crew, count: 2, name: "Crew {n}", model: ollama/llama3.2, start: town}',
            "{id: sky, kind: environment}",
        ),
        ["agent_templates: needs at least one agent whose kind is not 'environment'"],
    ),
]


def test_the_good_file_is_valid() -> None:
    assert load_spec(GOOD).name == "Table"


@pytest.mark.parametrize(("case", "text", "errors"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_file_reports_every_error_with_its_path(
    case: str, text: str, errors: list[str]
) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(textwrap.dedent(text))
    assert caught.value.errors == errors


def test_errors_from_every_section_are_reported_together() -> None:
    text = (
        GOOD.replace("ollama/llama3.2", "olama/x").replace("[[town, hill, 1]]", "[[town, hil, 1]]")
        + "rooms: [{id: r, members: [Nobody]}]\nbudget: {tokens_per_agent: -5}\n"
    )
    with pytest.raises(SpecError) as caught:
        load_spec(text)
    assert caught.value.errors == [
        "world.routes[0][1]: unknown location 'hil'",
        "agent_templates[0].model: unknown provider 'olama'"
        " (known: ollama, anthropic, openai, offline, replay)",
        "rooms[0].members[0]: unknown agent 'Nobody'",
        "budget.tokens_per_agent: must be >= 1, got -5",
    ]
    assert str(caught.value).splitlines() == caught.value.errors
