"""The scenario spec: YAML/JSON in, typed and validated `ScenarioSpec` out."""

from simengine.core.spec.errors import SpecError
from simengine.core.spec.limits import SpecLimits, set_spec_limits, spec_limits
from simengine.core.spec.loader import (
    decode_document,
    load_spec,
    load_spec_file,
    parse_spec,
    read_document,
)
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
    "SpecLimits",
    "TerminationSpec",
    "WorldSpec",
    "decode_document",
    "load_spec",
    "load_spec_file",
    "parse_spec",
    "read_document",
    "set_spec_limits",
    "spec_limits",
]
