"""The typed scenario spec: pydantic models for each section of the DESIGN.md format.

Field constraints are `Annotated` aliases (`PositiveInt`, `Unit`) whose validators give
the messages users read; the aliases are shared with the rest of the spec package.
"""

from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    field_serializer,
    model_serializer,
    model_validator,
)

from simengine.core.conditions import Condition
from simengine.core.memory.config import MemoryConfig, memory_config_for
from simengine.core.spec.fields import (
    Count,
    EmbeddingModel,
    Flag,
    ImportanceSource,
    Integer,
    ModelId,
    Name,
    NonNegative,
    Number,
    PositiveInt,
    Text,
    Unit,
    integer_between,
    number_between,
    one_of,
)
from simengine.core.text import describe_value

AGENT_KINDS = ("human", "environment", "designer", "evaluator")
DEFAULT_MODEL = "offline/heuristic"
DEFAULT_DIMENSIONS = ("cooperation", "ethics", "strategy", "emotional_coherence")

AgentKind = Annotated[str, one_of(*AGENT_KINDS)]
ClockMode = Annotated[str, one_of("discrete", "event")]
Temperature = Annotated[float | int, number_between(0, 2)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class EmotionSpec(_Model):
    """An agent's starting feelings, each from 0 to 1."""

    fear: Unit = 0.2
    stress: Unit = 0.2
    hope: Unit = 0.5
    empathy: Unit = 0.5


class LocationSpec(_Model):
    """A place on a map world (flood): its height, people, boats and supplies."""

    id: Name
    elevation: Number = 0
    shelter: Flag = False
    capacity: Count | None = None
    civilians: Count = 0
    injured: Count = 0
    boats: Count = 0
    food: NonNegative = 0
    medkits: Count = 0
    x: Number | None = None  # map position, left to right (both or neither; on all or none)
    y: Number | None = None  # map position, top to bottom


class RouteSpec(_Model):
    """A two-way route written as `[from, to, travel_ticks]`."""

    a: Name
    b: Name
    ticks: PositiveInt

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: Any) -> Any:
        if isinstance(data, list):
            if len(data) != 3:
                raise ValueError(f"expected [from, to, travel_ticks], got a list of {len(data)}")
            return {"a": data[0], "b": data[1], "ticks": data[2]}
        if isinstance(data, dict):
            raise ValueError("expected [from, to, travel_ticks], got a mapping")
        return data

    @model_serializer
    def _to_list(self) -> list[Any]:
        return [self.a, self.b, self.ticks]


class WorldSpec(_Model):
    """The `world` section: the kind, its params, and the map and stocks of map kinds."""

    kind: Name
    params: dict[str, Any] = {}
    locations: tuple[LocationSpec, ...] = ()
    routes: tuple[RouteSpec, ...] = ()
    resources: dict[str, NonNegative] = {}


class MemorySpec(_Model):
    """Long-term memory settings (`memory:`), for the scenario or one agent template.

    Unset keys inherit: a template's from the scenario's, the scenario's from the defaults
    (`simengine.core.memory.config.DEFAULTS`). `enabled: false` on a template turns its
    agents' long-term memory off.
    """

    enabled: Flag | None = None
    retrieve_k: Annotated[int, integer_between(0, 50)] | None = None
    token_budget: Annotated[int, integer_between(1, 8000)] | None = None
    reflection_every: Annotated[int, integer_between(0, 100_000)] | None = None
    embedding_model: EmbeddingModel | None = None
    recency_decay: Annotated[float | int, number_between(0.01, 1)] | None = None
    importance: ImportanceSource | None = None

    def values(self) -> dict[str, Any]:
        """The keys that are set."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class AgentTemplateSpec(_Model):
    """A template that expands into `count` agents named by `name` (with `{n}`)."""

    id: Name
    kind: AgentKind = "human"
    count: PositiveInt = 1
    name: Name | None = None
    role: Text = ""
    persona: Text = ""
    emotion: EmotionSpec = EmotionSpec()
    model: ModelId | None = None
    temperature: Temperature = 0.7
    actions: tuple[Name, ...] | None = None
    start: Name | None = None
    knowledge: tuple[Text, ...] = ()
    goals: tuple[Text, ...] = ()
    params: dict[str, Any] = {}
    memory: MemorySpec | None = None

    def name_pattern(self) -> str:
        """`name`, or the default: the id, followed by ` {n}` when count > 1."""
        return self.name or (f"{self.id} {{n}}" if self.count > 1 else self.id)

    def agent_names(self) -> list[str]:
        """The names of the agents this template expands into, `{n}` counting from 1."""
        pattern = self.name_pattern()
        return [pattern.replace("{n}", str(n)) for n in range(1, self.count + 1)]

    def completed(self) -> "AgentTemplateSpec":
        """The template with its defaults written out (name pattern and model)."""
        return self.model_copy(
            update={"name": self.name_pattern(), "model": self.model or DEFAULT_MODEL}
        )


class RoomSpec(_Model):
    """A chat room: its members are agent names or `template:<id>` for a whole template."""

    id: Name
    members: tuple[Name, ...]


class ScriptedEventSpec(_Model):
    """A world event the scenario fires at a fixed tick (a levee breach, an announcement)."""

    at_tick: PositiveInt
    type: Name
    params: dict[str, Any] = {}


class TerminationSpec(_Model):
    """When a run ends: after `max_ticks`, or as soon as the success or failure condition holds."""

    max_ticks: PositiveInt = 60
    success: Condition | None = None
    failure: Condition | None = None

    @field_serializer("success", "failure")
    def _condition(self, condition: Condition | None) -> dict[str, Any] | None:
        return condition.to_dict() if condition is not None else None


class DimensionSpec(_Model):
    """An evaluation dimension: a bare name (scored 0-10) or `{name, description, range_*}`."""

    name: Name
    description: Text = ""
    range_low: Integer = 0
    range_high: Integer = 10

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"name": data}
        if not isinstance(data, dict):
            got = describe_value(data)
            raise ValueError(f"expected a name or a mapping with a name, got {got}")
        return data

    @model_validator(mode="after")
    def _check_range(self) -> "DimensionSpec":
        if self.range_high <= self.range_low:
            raise ValueError(
                f"range_high ({self.range_high}) must be greater than range_low ({self.range_low})"
            )
        return self

    @model_serializer
    def _to_plain(self) -> str | dict[str, Any]:
        """A bare name when nothing but the name differs from the defaults."""
        if not self.description and (self.range_low, self.range_high) == (0, 10):
            return self.name
        return {
            "name": self.name,
            "description": self.description,
            "range_low": self.range_low,
            "range_high": self.range_high,
        }


def _unique_dimensions(dimensions: tuple[DimensionSpec, ...]) -> tuple[DimensionSpec, ...]:
    names = [d.name for d in dimensions]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"duplicate dimension {', '.join(repr(n) for n in repeated)}")
    return dimensions


class EvaluationSpec(_Model):
    """Who scores a finished run (a model id) and on which dimensions."""

    model: ModelId = DEFAULT_MODEL
    dimensions: Annotated[tuple[DimensionSpec, ...], AfterValidator(_unique_dimensions)] = tuple(
        DimensionSpec(name=name) for name in DEFAULT_DIMENSIONS
    )


class BudgetSpec(_Model):
    """Token caps for a run's model calls, in total and per agent (None: no cap)."""

    tokens_per_run: PositiveInt | None = None
    tokens_per_agent: PositiveInt | None = None


@dataclass(frozen=True)
class AgentSpec:
    """One agent expanded from a template: everything fixed for a run except its model."""

    id: str
    name: str
    template_id: str
    kind: str
    role: str
    persona: str
    emotion: dict[str, float]
    model: str
    temperature: float
    actions: tuple[str, ...]
    start: str | None
    knowledge: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    memory: MemoryConfig | None = None  # None: no long-term memory


class ScenarioHeader(_Model):
    """The scalar fields at the top of a scenario."""

    name: Name
    description: Text = ""
    mode: ClockMode = "discrete"
    seed: Integer = 0


class ScenarioSpec(ScenarioHeader):
    """A validated scenario. Build it with `load_spec` / `parse_spec`, never by hand."""

    world: WorldSpec
    agent_templates: tuple[AgentTemplateSpec, ...]
    rooms: tuple[RoomSpec, ...] = ()
    events: tuple[ScriptedEventSpec, ...] = ()
    termination: TerminationSpec = TerminationSpec()
    evaluation: EvaluationSpec | None = None
    budget: BudgetSpec | None = None
    memory: MemorySpec | None = None

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON-able form (unset optional fields left out).

        `parse_spec(spec.to_dict()) == spec` always holds.
        """
        return self.model_dump(mode="json", exclude_none=True)

    def agents(self, world_actions: tuple[str, ...] = ()) -> list[AgentSpec]:
        """Every agent, in template order; `world_actions` fills templates without `actions`."""
        agents = []
        for template in self.agent_templates:
            for n, name in enumerate(template.agent_names(), start=1):
                agents.append(
                    AgentSpec(
                        id=template.id if template.count == 1 else f"{template.id}-{n}",
                        name=name,
                        template_id=template.id,
                        kind=template.kind,
                        role=template.role,
                        persona=template.persona,
                        emotion=template.emotion.model_dump(),
                        model=template.model or DEFAULT_MODEL,
                        temperature=float(template.temperature),
                        actions=template.actions if template.actions is not None else world_actions,
                        start=template.start,
                        knowledge=template.knowledge,
                        goals=template.goals,
                        params=dict(template.params),
                        memory=self._memory_of(template),
                    )
                )
        return agents

    def _memory_of(self, template: AgentTemplateSpec) -> MemoryConfig | None:
        if template.kind == "environment":
            return None
        return memory_config_for(
            self.memory.values() if self.memory else None,
            template.memory.values() if template.memory else None,
        )

    def room_members(self) -> dict[str, list[str]]:
        """Room id -> member agent names (templates expanded), in declaration order."""
        by_template = {t.id: t.agent_names() for t in self.agent_templates}
        rooms: dict[str, list[str]] = {}
        for room in self.rooms:
            names: list[str] = []
            for member in room.members:
                if member.startswith("template:"):
                    expanded = by_template.get(member.removeprefix("template:"), [])
                else:
                    expanded = [member]
                names.extend(n for n in expanded if n not in names)
            rooms[room.id] = names
        return rooms

    def with_max_ticks(self, max_ticks: int) -> "ScenarioSpec":
        """A copy whose runs stop after `max_ticks` ticks at the latest."""
        termination = self.termination.model_copy(update={"max_ticks": max_ticks})
        return self.model_copy(update={"termination": termination})
