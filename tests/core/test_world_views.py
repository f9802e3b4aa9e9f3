"""World views: the map layout (stable, deterministic, x/y when given) and each kind's model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from simengine.core.simulation import Simulation
from simengine.core.spec import ScenarioSpec, parse_spec
from simengine.core.spec.errors import SpecError
from simengine.core.worlds import WorldKind, get_world_kind, starter_scenario
from simengine.core.worlds.layout import HEIGHT, WIDTH, map_layout
from simengine.core.worlds.view import (
    Happening,
    Participant,
    Utterance,
    ViewContext,
    WorldView,
)

ROOT = Path(__file__).resolve().parents[2]
PLACES = ["hilltop", "church", "hospital", "school", "docks"]
ROUTES = [
    ("docks", "school", 1),
    ("school", "hospital", 2),
    ("hospital", "hilltop", 2),
    ("school", "church", 2),
    ("church", "hilltop", 1),
]
HEIGHTS = [30, 9, 6, 4, 1]


def sample(name: str) -> dict:
    data = yaml.safe_load((ROOT / "scenarios" / name).read_text(encoding="utf-8"))
    for template in data["agent_templates"]:
        template["model"] = "offline/heuristic"
    data.pop("evaluation", None)
    data.pop("memory", None)
    return data


def test_the_layout_is_the_same_every_time_and_in_a_fresh_process() -> None:
    first = map_layout(PLACES, ROUTES, heights=HEIGHTS)
    again = map_layout(list(PLACES), list(ROUTES), heights=list(HEIGHTS))
    assert first.positions == again.positions and first.source == "auto"
    code = (
        "from simengine.core.worlds.layout import map_layout;"
        f"print(map_layout({PLACES!r}, {ROUTES!r}, heights={HEIGHTS!r}).positions)"
    )
    fresh = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert fresh.stdout.strip() == str(first.positions)


def test_the_layout_fits_the_box_keeps_places_apart_and_puts_the_highest_on_top() -> None:
    at = map_layout(PLACES, ROUTES, heights=HEIGHTS).positions
    assert set(at) == set(PLACES)
    for x, y in at.values():
        assert 0 < x < WIDTH and 0 < y < HEIGHT
    points = list(at.values())
    gaps = [
        ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5
        for i, a in enumerate(points)
        for b in points[i + 1 :]
    ]
    assert min(gaps) > 50
    assert at["hilltop"][1] < at["docks"][1]  # screen y grows downwards


def test_a_longer_route_draws_longer() -> None:
    at = map_layout(["a", "b", "c"], [("a", "b", 1), ("b", "c", 4)]).positions

    def gap(p: str, q: str) -> float:
        return ((at[p][0] - at[q][0]) ** 2 + (at[p][1] - at[q][1]) ** 2) ** 0.5

    assert gap("b", "c") > 2 * gap("a", "b")


def test_given_positions_are_used_scaled_into_the_box_with_their_shape() -> None:
    given = [(0, 0), (100, 0), (100, 50), (0, 50), (50, 25)]
    layout = map_layout(PLACES, ROUTES, given=given)
    assert layout.source == "scenario"
    at = layout.positions
    assert at["hilltop"][0] < at["church"][0] and at["hilltop"][1] == at["church"][1]
    width = at["church"][0] - at["hilltop"][0]
    height = at["hospital"][1] - at["church"][1]
    assert width == pytest.approx(2 * height, rel=0.01)
    assert at["docks"] == pytest.approx((WIDTH / 2, HEIGHT / 2), abs=0.1)


def test_positions_on_only_some_places_fall_back_to_the_layout() -> None:
    layout = map_layout(PLACES, ROUTES, given=[(0, 0), None, None, None, None])
    assert layout.source == "auto"


def test_the_flood_scenario_takes_x_and_y_and_checks_them() -> None:
    data = sample("riverside_flood.yaml")
    for i, location in enumerate(data["world"]["locations"]):
        location.update(x=i * 10, y=100 - i * 20)
    spec = parse_spec(data)
    assert spec.world.locations[1].x == 10
    simulation = Simulation.create(spec, seed=1, run_id="v")
    view = get_world_kind("flood").view(simulation.state, ViewContext(world=spec.world))
    assert view.data["layout"] == "scenario"

    data["world"]["locations"][2].pop("y")
    data["world"]["locations"][3].pop("x")
    data["world"]["locations"][3].pop("y")
    with pytest.raises(SpecError) as error:
        parse_spec(data)
    text = str(error.value)
    assert "world.locations[2].y: required when x is given" in text
    assert "world.locations[3]: x and y missing; give them on every location or on none" in text
    data["world"]["locations"][0]["x"] = "left"
    with pytest.raises(SpecError, match=r"world\.locations\[0\]\.x"):
        parse_spec(data)


def flood_simulation() -> tuple[Simulation, ScenarioSpec]:
    spec = parse_spec(sample("riverside_flood.yaml"))
    return Simulation.create(spec, seed=1, run_id="v"), spec


def test_the_flood_map_shows_every_place_route_and_body() -> None:
    simulation, spec = flood_simulation()
    context = ViewContext(
        tick=8,
        participants=(Participant(name="Mayor", role="Mayor", emotion={"fear": 0.2, "hope": 0.7}),),
        utterances=(Utterance(speaker="Mayor", text="Everyone to the hilltop " * 5),),
        happenings=(
            Happening(kind="levee_breach", text="the levee breached"),
            Happening(kind="supply_drop", text="a drop", details={"location": "hilltop"}),
            Happening(kind="arrived", text="Medic 1 arrived", details={"location": "hilltop"}),
        ),
        world=spec.world,
    )
    view = get_world_kind("flood").view(simulation.state, context)
    assert isinstance(view, WorldView) and view.template == "map"
    data = view.data
    assert [p["id"] for p in data["locations"]] == PLACES
    assert len(data["edges"]) == 5 and data["layout"] == "auto"
    docks = next(p for p in data["locations"] if p["id"] == "docks")
    assert (docks["civilians"], docks["boats"], docks["elevation"]) == (6, 3, 1.0)
    assert docks["people"] == ["Rescuer 1", "Rescuer 2", "Rescuer 3", "Rescuer 4"]
    water = simulation.state.water_level
    assert docks["flooded"] is False and docks["clearance"] == pytest.approx(1.0 - water)
    tokens = {t["name"]: t for t in data["tokens"]}
    assert len(tokens) == 9 and "River" not in tokens
    assert tokens["Mayor"]["mood"] == "hope" and tokens["Mayor"]["location"] == "hilltop"
    assert len({(t["x"], t["y"]) for t in tokens.values()}) == 9  # no two tokens overlap
    [bubble] = data["bubbles"]
    assert bubble["speaker"] == "Mayor" and bubble["text"].endswith("…")
    assert len(bubble["text"]) == 60 and bubble["width"] > 300
    assert bubble["left"] >= 4 and bubble["left"] + bubble["width"] <= WIDTH - 4
    kinds = [(h["kind"], h["location"], h["marked"]) for h in data["happenings"]]
    assert kinds == [("levee_breach", "docks", True), ("supply_drop", "hilltop", True)]


def test_a_token_moves_when_its_agent_moves() -> None:
    simulation, spec = flood_simulation()
    kind = get_world_kind("flood")
    state = simulation.state
    before = {t["name"]: t for t in kind.view(state, ViewContext(world=spec.world)).data["tokens"]}
    state.agents["Rescuer 1"].location = "school"
    after = {t["name"]: t for t in kind.view(state, ViewContext(world=spec.world)).data["tokens"]}
    assert after["Rescuer 1"]["location"] == "school"
    assert (after["Rescuer 1"]["x"], after["Rescuer 1"]["y"]) != (
        before["Rescuer 1"]["x"],
        before["Rescuer 1"]["y"],
    )


def test_the_dialogue_table_seats_everyone_with_votes_and_proposals() -> None:
    spec = parse_spec(sample("dialogue_dilemma.yaml"))
    simulation = Simulation.create(spec, seed=1, run_id="v")
    state = simulation.state
    option = state.options[0]
    state.votes["Engineer"] = option
    state.proposals.append(
        {
            "id": "p1",
            "tick": 1,
            "by": "Engineer",
            "option": option,
            "text": "the cracks",
            "accepted_by": ["Engineer", "Mayor"],
            "rejected_by": ["Farmer"],
        }
    )
    context = ViewContext(
        tick=2,
        participants=(Participant(name="Farmer", emotion={"fear": 0.1, "stress": 0.9}),),
        utterances=(Utterance(speaker="Farmer", text="No!"),),
    )
    view = get_world_kind("dialogue").view(state, context)
    assert view.template == "table"
    seats = {s["name"]: s for s in view.data["seats"]}
    assert set(seats) == set(state.voters)
    assert seats["Engineer"]["vote"] == option and seats["Farmer"]["mood"] == "stress"
    [proposal] = view.data["proposals"]
    assert (proposal["support"], proposal["opposed"]) == (2, 1)
    tally = {t["option"]: t for t in view.data["tally"]}
    assert tally[option]["votes"] == 1 and tally[option]["leading"] is True
    [said] = view.data["bubbles"]
    assert said["text"] == "No!" and said["left"] == seats["Farmer"]["x"] - 10


def test_a_kind_without_a_view_gets_the_state_tree() -> None:
    spec = parse_spec(starter_scenario("flood"))
    simulation = Simulation.create(spec, seed=1, run_id="v")
    view = WorldKind.view(get_world_kind("flood"), simulation.state)
    assert view.template == "tree" and view.data["label"] == "flood"


def test_a_view_names_a_renderer_the_console_knows() -> None:
    with pytest.raises(ValueError, match="unknown view template 'globe'"):
        WorldView(template="globe", data={})
