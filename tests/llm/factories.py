"""Decision requests and schemas shaped like the flood world's, for LLM-layer tests."""

from __future__ import annotations

from typing import Any

from simengine.core.decision import AgentProfile, DecisionRequest, InboxMessage

LOCATIONS = ("docks", "school", "hospital", "hilltop")


def flood_schema() -> dict[str, Any]:
    """A decision schema like the flood world's: typed actions, optional message, emotion."""
    move = {
        "type": "object",
        "additionalProperties": False,
        "required": ["type", "to"],
        "properties": {"type": {"const": "move"}, "to": {"enum": list(LOCATIONS)}},
    }
    rescue = {
        "type": "object",
        "additionalProperties": False,
        "required": ["type", "count"],
        "properties": {"type": {"const": "rescue"}, "count": {"type": "integer", "minimum": 1}},
    }
    wait = {
        "type": "object",
        "additionalProperties": False,
        "required": ["type"],
        "properties": {"type": {"const": "wait"}},
    }
    message = {
        "type": "object",
        "additionalProperties": False,
        "required": ["to", "text"],
        "properties": {"to": {"type": "string"}, "text": {"type": "string", "maxLength": 500}},
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["thought", "actions", "message", "emotion"],
        "properties": {
            "thought": {"type": "string", "maxLength": 600},
            "actions": {
                "type": "array",
                "minItems": 1,
                "maxItems": 3,
                "items": {"oneOf": [move, rescue, wait]},
            },
            "message": {"anyOf": [{"type": "null"}, message]},
            "emotion": {
                "type": "object",
                "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
            },
        },
    }


def agent(
    name: str = "Rescuer 1", model: str = "ollama/llama3.2", temperature: float = 0.7
) -> AgentProfile:
    """A rescuer like the sample flood scenario's."""
    return AgentProfile(
        id=name.lower().replace(" ", "-"),
        name=name,
        kind="human",
        role="Rescue boat crew",
        persona="Calm former fisher who knows the river.",
        template_id="rescuer",
        model=model,
        temperature=temperature,
        goals=("Bring as many people as possible to the hilltop.",),
        knowledge=("The levee at the docks is weak.",),
    )


def decision_request(
    *,
    tick: int = 1,
    profile: AgentProfile | None = None,
    model: str = "ollama/llama3.2",
    inbox: tuple[InboxMessage, ...] = (),
    observation: dict[str, Any] | None = None,
    memory_summary: str = "",
    recent_memory: tuple[str, ...] = (),
    emotion: dict[str, float] | None = None,
    operator_commands: tuple[str, ...] = (),
    seed: int | None = None,
    run_id: str = "run-1",
) -> DecisionRequest:
    """One agent's request at one tick; unspecified parts follow the tick deterministically."""
    return DecisionRequest(
        run_id=run_id,
        tick=tick,
        seed=seed if seed is not None else 1000 + tick,
        agent=profile or agent(model=model),
        scenario_name="Riverside flood",
        scenario_description="The river is rising after three days of rain.",
        world_kind="flood",
        rules="Water rises every tick. Boats carry six people. Move along routes only.",
        action_schema=flood_schema(),
        observation=observation
        if observation is not None
        else {"location": "docks", "water_level": 0.5 + tick * 0.25, "civilians_here": 3},
        memory_summary=memory_summary,
        recent_memory=recent_memory,
        inbox=inbox,
        emotion=emotion if emotion is not None else {"fear": 0.2 + tick / 100, "hope": 0.6},
        operator_commands=operator_commands,
    )


def valid_decision(**overrides: Any) -> dict[str, Any]:
    """A decision that matches `flood_schema()`."""
    decision = {
        "thought": "The school floods first; go there.",
        "actions": [{"type": "move", "to": "school"}],
        "message": {"to": "room:command", "text": "Heading to the school."},
        "emotion": {"fear": 0.3, "hope": 0.7},
    }
    return {**decision, **overrides}
