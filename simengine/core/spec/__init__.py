"""The scenario spec: YAML/JSON in, typed and validated `ScenarioSpec` out."""

from simengine.core.spec.errors import SpecError
from simengine.core.spec.loader import load_spec, load_spec_file, parse_spec, read_document
from simengine.core.spec.models import (
    AGENT_KINDS,
    DEFAULT_MODEL,
    AgentSpec,
    AgentTemplateSpec,
    BudgetSpec,
    DimensionSpec,
    EmotionSpec,
    EvaluationSpec,
    LocationSpec,
    MemorySpec,
    RoomSpec,
    RouteSpec,
    ScenarioSpec,
    ScriptedEventSpec,
    TerminationSpec,
    WorldSpec,
)

__all__ = [
    "AGENT_KINDS",
    "DEFAULT_MODEL",
    "AgentSpec",
    "AgentTemplateSpec",
    "BudgetSpec",
    "DimensionSpec",
    "EmotionSpec",
    "EvaluationSpec",
    "LocationSpec",
    "MemorySpec",
    "RoomSpec",
    "RouteSpec",
    "ScenarioSpec",
    "ScriptedEventSpec",
    "SpecError",
    "TerminationSpec",
    "WorldSpec",
    "load_spec",
    "load_spec_file",
    "parse_spec",
    "read_document",
]
