"""Parameter tables of the flood world: world params, agent params and scripted events."""

from __future__ import annotations

from simengine.core.worlds.params import ParamDef

RESOURCES = ("food", "medkits")

PARAMS = (
    ParamDef("rain_intensity", "number", 0.5, "how hard it rains (scales the rise)", 0, 10),
    ParamDef("water_rise_per_tick", "number", 0.2, "metres of rise per tick at intensity 1", 0),
    ParamDef("levee_height", "number", 3.0, "water level (m) at which the levee is overtopped"),
    ParamDef("initial_water_level", "number", 0.0, "water level (m) at tick 0"),
    ParamDef("breach_surge", "number", 2.0, "metres the water jumps when the levee breaks", 0),
    ParamDef("breach_rise_factor", "number", 2.0, "rise multiplier once the levee is broken", 1),
    ParamDef("rain_variability", "number", 0.0, "seeded +/- fraction of each tick's rise", 0, 1),
    ParamDef("casualty_delay_ticks", "integer", 3, "ticks a place can be flooded before deaths", 0),
    ParamDef("casualty_rate", "number", 0.5, "share of people left who die each tick after", 0, 1),
    ParamDef("boat_capacity", "integer", 6, "people a boat carries", 1),
    ParamDef("foot_capacity", "integer", 1, "people an agent without a boat carries", 0),
    ParamDef(
        "injury_death_rate", "number", 0.02, "chance per tick an untreated injured dies", 0, 1
    ),
    ParamDef("food_per_person", "number", 0.02, "food one person eats per tick", 0),
    ParamDef("treat_per_tick", "integer", 4, "injured one agent can treat per tick", 1),
    ParamDef(
        "restock_food", "number", 10.0, "food an agent tops up to when unloading at a shelter", 0
    ),
    ParamDef("restock_medkits", "integer", 4, "medkits an agent tops up to at a shelter", 0),
)

AGENT_PARAMS = (
    ParamDef("food", "number", 0.0, "food the agent carries at the start", 0),
    ParamDef("medkits", "integer", 0, "medkits the agent carries at the start", 0),
)

EVENTS = {
    "levee_breach": (
        ParamDef("surge", "number", None, "metres the water jumps (default: breach_surge)", 0),
    ),
    "rain_change": (
        ParamDef("intensity", "number", None, "the new rain intensity", 0, 10, required=True),
    ),
    "supply_drop": (
        ParamDef("location", "string", None, "where the supplies land", required=True),
        ParamDef("food", "number", 0, "food dropped", 0),
        ParamDef("medkits", "integer", 0, "medkits dropped", 0),
    ),
    "stranded": (
        ParamDef("location", "string", None, "where more people are trapped", required=True),
        ParamDef("civilians", "integer", None, "how many people", 1, required=True),
        ParamDef("injured", "integer", 0, "how many of them are injured", 0),
    ),
}
