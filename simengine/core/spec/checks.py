"""Cross-reference checks of a scenario against itself and against its world kind.

Checks read only fields that validated (`Parsed.good`), so a broken field is reported
once, by its own validation, and never again as a confusing consequence.
"""

from __future__ import annotations

from typing import Any

from simengine.core.conditions import Condition, parse_condition
from simengine.core.metrics import metric_names
from simengine.core.spec.lenient import Parsed, parse_lenient
from simengine.core.spec.models import (
    AgentTemplateSpec,
    RoomSpec,
    RouteSpec,
    ScriptedEventSpec,
    TerminationSpec,
    WorldSpec,
)
from simengine.core.text import describe_value
from simengine.core.worlds import WORLD_KINDS, WorldKind
from simengine.core.worlds.params import check_params

RESERVED_NAMES = ("operator",)


class CrossChecker:
    """Collects cross-reference errors into `errors`; tolerant of sections that failed to parse."""

    def __init__(self, data: dict[str, Any], errors: list[str]) -> None:
        self.errors = errors
        raw_world = data.get("world")
        raw_kind = raw_world.get("kind") if isinstance(raw_world, dict) else None
        self.kind_name = raw_kind if isinstance(raw_kind, str) else None
        self.kind: WorldKind | None = WORLD_KINDS.get(self.kind_name) if self.kind_name else None
        self.map: WorldSpec | None = None  # the world, when its locations and routes are valid
        self.names_checked = True  # False when the templates make too many agents to list

    def check_world(self, world: Parsed[WorldSpec] | None, world_raw: Any = None) -> None:
        """The world kind exists, its params fit the kind, and the kind accepts the map.

        A world whose locations parsed becomes `self.map` for the later checks; when some
        routes failed, the map keeps the others and the ends of the failed ones (`world_raw`).
        """
        if self.kind_name is not None and self.kind is None:
            known = ", ".join(sorted(WORLD_KINDS))
            self.errors.append(
                f"world.kind: unknown world kind '{self.kind_name}' (known: {known})"
            )
        if world is None or self.kind is None:
            return
        if world.good("params"):
            owner = f"world kind '{self.kind.name}'"
            self.errors.extend(
                check_params(world.value.params, self.kind.params, "world.params", owner)
            )
        if world.good("locations"):
            # Routes that failed (a bad travel time, say) still have their ends checked.
            if world.good("routes"):
                self.map = world.value
            else:
                self.map = world.value.model_copy(update={"routes": _route_ends(world_raw)})
            self.errors.extend(self.kind.validate_world(self.map))

    def check_templates(
        self, templates: list[Parsed[AgentTemplateSpec]], *, max_agents: int
    ) -> None:
        """Unique template ids and agent names, one deciding agent at least, a fit to the world.

        All templates together expand into at most `max_agents` agents; beyond that the
        agent names are not expanded (and not checked).
        """
        template_ids: dict[str, int] = {}
        names: dict[str, int] = {}
        has_actor = False
        total = sum(t.value.count for t in templates)  # a template whose count failed: 1
        expand = self.names_checked = total <= max_agents
        alone = [i for i, t in enumerate(templates) if t.value.count > max_agents]
        for index in alone:
            self.errors.append(
                f"agent_templates[{index}].count: {templates[index].value.count:,} agents, more"
                f" than the limit of {max_agents:,} per scenario"
            )
        if not expand and not alone:
            self.errors.append(
                f"agent_templates: the templates make {total:,} agents together, more than the"
                f" limit of {max_agents:,} per scenario"
            )
        for index, parsed in enumerate(templates):
            template, path = parsed.value, f"agent_templates[{index}]"
            if parsed.good("id"):
                if template.id in template_ids:
                    self.errors.append(
                        f"{path}.id: duplicate template id '{template.id}'"
                        f" (also agent_templates[{template_ids[template.id]}])"
                    )
                template_ids.setdefault(template.id, index)
            if expand and parsed.good("id") and parsed.good("name") and parsed.good("count"):
                self._check_names(template, path, names, index)
            has_actor = has_actor or not parsed.good("kind") or template.kind != "environment"
            self._check_template_world(parsed, path)
        if templates and not has_actor:
            self.errors.append(
                "agent_templates: needs at least one agent whose kind is not 'environment'"
            )

    def _check_names(
        self, template: AgentTemplateSpec, path: str, names: dict[str, int], index: int
    ) -> None:
        if template.count > 1 and template.name is not None and "{n}" not in template.name:
            self.errors.append(f"{path}.name: must contain {{n}} when count > 1")
            return
        for name in template.agent_names():
            if name in RESERVED_NAMES:
                self.errors.append(f"{path}.name: '{name}' is reserved")
            elif name in names:
                self.errors.append(
                    f"{path}.name: agent name '{name}' is already used by"
                    f" agent_templates[{names[name]}]"
                )
            names.setdefault(name, index)

    def _check_template_world(self, parsed: Parsed[AgentTemplateSpec], path: str) -> None:
        kind, template = self.kind, parsed.value
        if kind is None:
            return
        if parsed.good("actions") and template.actions == ():
            self.errors.append(f"{path}.actions: must list at least one action")
        if parsed.good("actions"):
            for i, action in enumerate(template.actions or ()):
                if action not in kind.actions:
                    self.errors.append(
                        f"{path}.actions[{i}]: unknown action '{action}' for world kind"
                        f" '{kind.name}' (known: {', '.join(kind.actions)})"
                    )
        if parsed.good("params"):
            owner = f"agents in world kind '{kind.name}'"
            self.errors.extend(
                check_params(template.params, kind.agent_params, f"{path}.params", owner)
            )
        if not (parsed.good("start") and parsed.good("kind")):
            return
        if template.kind == "environment":
            if template.start is not None:
                self.errors.append(f"{path}.start: environment agents have no location")
        elif self.map is not None:
            self.errors.extend(kind.validate_agent(path, template, self.map))

    def check_rooms(
        self, rooms: list[Parsed[RoomSpec]], templates: list[Parsed[AgentTemplateSpec]]
    ) -> None:
        """Unique room ids, and members that name known agents or `template:<id>`."""
        names: set[str] = set()
        template_ids: set[str] = set()
        for template in templates:
            if template.good("id"):
                template_ids.add(template.value.id)
                if self.names_checked and template.good("name") and template.good("count"):
                    names.update(template.value.agent_names())
        seen: set[str] = set()
        for index, parsed in enumerate(rooms):
            room, path = parsed.value, f"rooms[{index}]"
            if parsed.good("id"):
                if room.id in seen:
                    self.errors.append(f"{path}.id: duplicate room id '{room.id}'")
                seen.add(room.id)
            if not parsed.good("members"):
                continue
            if not room.members:
                self.errors.append(f"{path}.members: must list at least one member")
            for i, member in enumerate(room.members):
                if member.startswith("template:"):
                    template_id = member.removeprefix("template:")
                    if template_id not in template_ids:
                        self.errors.append(f"{path}.members[{i}]: unknown template '{template_id}'")
                elif self.names_checked and member not in names:
                    self.errors.append(f"{path}.members[{i}]: unknown agent '{member}'")

    def parse_termination(self, raw: Any) -> TerminationSpec | None:
        """The termination section with its conditions checked against the kind's metrics.

        None when it has errors; an absent section gives the defaults.
        """
        if raw is None:
            return TerminationSpec()
        if not isinstance(raw, dict):
            self.errors.append(f"termination: expected a mapping, got {describe_value(raw)}")
            return None
        plain = {k: v for k, v in raw.items() if k not in ("success", "failure")}
        parsed = parse_lenient(TerminationSpec, plain, "termination", self.errors)
        metrics = metric_names(self.kind.name) if self.kind else None
        conditions: dict[str, Condition | None] = {}
        failed = parsed is None or not parsed.ok
        for key in ("success", "failure"):
            if raw.get(key) is None:
                continue
            condition, errors = parse_condition(
                raw[key], f"termination.{key}", metrics, self.kind_name or "?"
            )
            self.errors.extend(errors)
            failed = failed or bool(errors)
            conditions[key] = condition
        if failed or parsed is None:
            return None
        return TerminationSpec(max_ticks=parsed.value.max_ticks, **conditions)

    def check_events(
        self, events: list[Parsed[ScriptedEventSpec]], termination: TerminationSpec | None
    ) -> None:
        """Each scripted event fires within the run and has a type and params the kind knows."""
        kind = self.kind
        for index, parsed in enumerate(events):
            event, path = parsed.value, f"events[{index}]"
            last = termination.max_ticks if termination is not None else None
            late = last is not None and event.at_tick > last
            if parsed.good("at_tick") and late:
                self.errors.append(
                    f"{path}.at_tick: {event.at_tick} is after the last tick"
                    f" (termination.max_ticks is {last})"
                )
            if kind is None or not parsed.good("type"):
                continue
            if event.type not in kind.events:
                known = ", ".join(kind.events) or "none"
                self.errors.append(
                    f"{path}.type: unknown event type '{event.type}' for world kind"
                    f" '{kind.name}' (known: {known})"
                )
                continue
            if not parsed.good("params"):
                continue
            owner = f"event '{event.type}'"
            errors = check_params(event.params, kind.events[event.type], f"{path}.params", owner)
            self.errors.extend(errors)
            if self.map is not None and not errors:
                self.errors.extend(kind.validate_event(event, path, self.map))


def _route_ends(world_raw: Any) -> tuple[RouteSpec, ...]:
    """The routes of a raw world whose ends are strings, for location checks only."""
    raw = world_raw.get("routes") if isinstance(world_raw, dict) else None
    if not isinstance(raw, list):
        return ()
    return tuple(
        RouteSpec.model_construct(a=item[0], b=item[1], ticks=1)
        for item in raw
        if isinstance(item, list)
        and len(item) == 3
        and all(isinstance(end, str) and end.strip() for end in item[:2])
    )
