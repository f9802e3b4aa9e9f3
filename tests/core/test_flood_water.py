"""Flood dynamics: water rise, the levee, flooding by elevation, drowning after the delay."""

from __future__ import annotations

from simengine.core.worlds.flood.dynamics import apply_flood_event
from tests.core.helpers import ctx, small_flood, spec_of, world_of


def advance(kind, state, ticks: range, seed: int = 0) -> list:
    notices = []
    for tick in ticks:
        notices += kind.advance(state, ctx(tick, seed))
    return notices


def test_water_rises_by_the_rise_per_tick_times_the_rain_intensity() -> None:
    kind, state = world_of(spec_of(small_flood(**{"world.params.rain_intensity": 0.6})))
    advance(kind, state, range(1, 4))
    assert state.water_level == 0.9  # 3 ticks x 0.5 m x 0.6


def test_rain_variability_is_seeded() -> None:
    data = small_flood(**{"world.params.rain_variability": 0.5})
    levels = []
    for seed in (1, 1, 2):
        kind, state = world_of(spec_of(data))
        advance(kind, state, range(1, 6), seed=seed)
        levels.append(state.water_level)
    assert levels[0] == levels[1]
    assert levels[0] != levels[2]


def test_a_scripted_levee_breach_raises_the_water_sharply_and_speeds_the_rise() -> None:
    kind, state = world_of(spec_of(small_flood()))
    [notice] = apply_flood_event(state, "levee_breach", {}, ctx(1))
    assert notice.kind == "levee_breach"
    assert state.levee_breached and state.breach_tick == 1
    assert state.water_level == 2.0
    advance(kind, state, range(1, 2))
    assert state.water_level == 3.0  # 0.5 m x breach_rise_factor 2


def test_the_levee_breaks_when_the_water_reaches_its_height() -> None:
    kind, state = world_of(spec_of(small_flood(**{"world.params.levee_height": 1.0})))
    assert advance(kind, state, range(1, 2)) == []
    notices = advance(kind, state, range(2, 3))
    assert [n.kind for n in notices][0] == "levee_breach"
    assert notices[0].details["cause"] == "overtopped"
    assert state.water_level == 3.0  # 1.0 + surge 2.0


def test_a_place_floods_when_the_water_passes_its_elevation() -> None:
    kind, state = world_of(spec_of(small_flood()))
    advance(kind, state, range(1, 3))
    assert state.water_level == 1.0 and not state.locations["low"].flooded()
    notices = advance(kind, state, range(3, 4))
    assert state.locations["low"].flooded_since == 3
    assert [n.details["location"] for n in notices if n.kind == "location_flooded"] == ["low"]
    advance(kind, state, range(4, 8))
    assert state.locations["mid"].flooded_since == 7
    assert not state.locations["hill"].flooded()


def test_people_drown_only_after_the_casualty_delay() -> None:
    kind, state = world_of(spec_of(small_flood()))
    advance(kind, state, range(1, 5))  # low floods at tick 3; the delay is 2 ticks
    assert state.casualties == 0
    advance(kind, state, range(5, 6))
    assert state.casualties == 2  # half of 4, the injured first
    assert state.locations["low"].injured == 0
    assert state.first_casualty_tick == 5
    advance(kind, state, range(6, 8))
    assert state.casualties == 4
    assert state.locations["low"].civilians == 0


def test_untreated_injured_may_die_at_a_seeded_rate() -> None:
    data = small_flood(**{"world.params.injury_death_rate": 0.5})
    outcomes = []
    for seed in (3, 3):
        kind, state = world_of(spec_of(data))
        advance(kind, state, range(1, 3), seed=seed)
        outcomes.append((state.casualties, state.locations["mid"].injured))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] > 0


def test_food_runs_short_where_people_eat_it() -> None:
    data = small_flood(**{"world.params.food_per_person": 1.0})
    kind, state = world_of(spec_of(data))
    notices = advance(kind, state, range(1, 2))
    assert {n.details["location"] for n in notices if n.kind == "food_shortage"} == {"low", "mid"}
