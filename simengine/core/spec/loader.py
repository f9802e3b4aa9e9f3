"""Reading a scenario from YAML or JSON and validating it, reporting every error at once.

Each error is one line `path: message`, e.g. `agent_templates[0].model: unknown provider
'olama' (known: ...)`. Sections are validated one by one, so a mistake in one never hides
mistakes in another; cross references (start locations, room members, event types,
metric names) are checked against the world kind the scenario names.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from simengine.core.spec.checks import CrossChecker
from simengine.core.spec.errors import SpecError
from simengine.core.spec.lenient import M, Parsed, parse_lenient
from simengine.core.spec.limits import (
    OversizedNumber,
    SpecLimits,
    blank_paths,
    check_document,
    check_text_size,
    drop_lines_under,
    spec_limits,
    too_large_line,
    too_many_digits,
)
from simengine.core.spec.models import (
    AgentTemplateSpec,
    BudgetSpec,
    EvaluationSpec,
    MemorySpec,
    RoomSpec,
    ScenarioHeader,
    ScenarioSpec,
    ScriptedEventSpec,
    WorldSpec,
)
from simengine.core.text import describe_value

TOP_LEVEL_FIELDS = (
    "name",
    "description",
    "mode",
    "seed",
    "world",
    "agent_templates",
    "rooms",
    "events",
    "termination",
    "evaluation",
    "budget",
    "memory",
)


def load_spec(text: str, fmt: str | None = None) -> ScenarioSpec:
    """Parse YAML or JSON text (`fmt` "yaml" / "json", guessed when None) into a valid spec."""
    return parse_spec(read_document(text, fmt))


def load_spec_file(path: str | Path) -> ScenarioSpec:
    """Read a scenario file; the suffix (.json, else YAML) picks the format."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = file.read(spec_limits().max_bytes + 1)
    except OSError as exc:
        raise SpecError([f"{path}: cannot read the file ({exc.strerror})"]) from None
    text = decode_document(data)
    return load_spec(text, "json" if path.suffix.lower() == ".json" else "yaml")


def decode_document(data: bytes) -> str:
    """A scenario file's bytes as text: SpecError when too large or not UTF-8."""
    limits = spec_limits()
    if len(data) > limits.max_bytes:
        raise SpecError([too_large_line(limits)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError(
            [
                f"(document): not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line}"
                f" (offset {exc.start}); save the file as UTF-8"
            ]
        ) from None
    return text.removeprefix("\ufeff")


def read_document(text: str, fmt: str | None = None) -> Any:
    """The raw document; syntax errors and breached size limits become SpecError lines.

    Nesting is bounded while parsing (never a RecursionError), and numbers with more digits
    than any allowed number are kept as `OversizedNumber` for `parse_spec` to report.
    """
    limits = spec_limits()
    too_big = check_text_size(text, limits)
    if too_big:
        raise SpecError(too_big)
    if fmt is None:
        fmt = "json" if text.lstrip().startswith("{") else "yaml"
    if fmt == "json":
        return _read_json(text, limits)
    if fmt != "yaml":
        raise ValueError(f"unknown scenario format {fmt!r}: use 'yaml' or 'json'")
    loader = _StrictLoader(text)
    loader.limits = limits
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(document)"
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError([f"{where}: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise SpecError([f"(document): {exc}"]) from None
    finally:
        loader.dispose()


def _read_json(text: str, limits: SpecLimits) -> Any:
    def number(literal: str) -> int | OversizedNumber:
        return OversizedNumber(literal) if too_many_digits(literal, limits) else int(literal)

    try:
        return json.loads(text, parse_int=number)
    except json.JSONDecodeError as exc:
        raise SpecError([f"line {exc.lineno}, column {exc.colno}: {exc.msg}"]) from None
    except RecursionError:  # the C decoder unwinds cleanly; the limit below is far lower
        raise SpecError([f"(document): nested deeper than {limits.max_depth} levels"]) from None


def parse_spec(data: Any) -> ScenarioSpec:
    """Validate a raw scenario document; SpecError lists every problem found.

    A document beyond the nesting or value-count limits is refused before validation; a
    number out of range is reported with its path, beside every other error.
    """
    limits = spec_limits()
    problems = check_document(data, limits)
    if problems.fatal:
        raise SpecError(problems.errors)
    try:
        spec = _validate(blank_paths(data, problems.number_paths), limits)
    except SpecError as exc:
        raise SpecError(
            problems.errors + drop_lines_under(exc.errors, problems.number_paths)
        ) from None
    if problems.errors:
        raise SpecError(problems.errors)
    return spec


def _validate(data: Any, limits: SpecLimits) -> ScenarioSpec:
    if not isinstance(data, dict):
        raise SpecError(
            [f"(root): expected a mapping of scenario fields, got {describe_value(data)}"]
        )
    errors: list[str] = []
    header_raw = {k: v for k, v in data.items() if k in ScenarioHeader.model_fields}
    header = parse_lenient(ScenarioHeader, header_raw, "", errors)
    errors.extend(f"{key}: unknown field" for key in data if key not in TOP_LEVEL_FIELDS)

    checker = CrossChecker(data, errors)
    world = _section(WorldSpec, data, "world", errors, required=True)
    checker.check_world(world, data.get("world"))
    mark = len(errors)
    templates = _items(AgentTemplateSpec, data, "agent_templates", errors, required=True)
    checker.check_templates(templates, max_agents=limits.max_agents)
    _group_by_item(errors, mark, "agent_templates")
    mark = len(errors)
    rooms = _items(RoomSpec, data, "rooms", errors)
    checker.check_rooms(rooms, templates)
    _group_by_item(errors, mark, "rooms")
    termination = checker.parse_termination(data.get("termination"))
    mark = len(errors)
    events = _items(ScriptedEventSpec, data, "events", errors)
    checker.check_events(events, termination)
    _group_by_item(errors, mark, "events")
    evaluation = _section(EvaluationSpec, data, "evaluation", errors)
    budget = _section(BudgetSpec, data, "budget", errors)
    memory = _section(MemorySpec, data, "memory", errors)
    if errors:
        raise SpecError(errors)
    # Each section left unparsed above added an error, so with none all three are here.
    assert header is not None and world is not None and termination is not None
    return ScenarioSpec(
        **header.value.model_dump(),
        world=world.value,
        agent_templates=tuple(t.value.completed() for t in templates),
        rooms=tuple(r.value for r in rooms),
        events=tuple(e.value for e in events),
        termination=termination,
        evaluation=evaluation.value if evaluation else None,
        budget=budget.value if budget else None,
        memory=memory.value if memory else None,
    )


def _group_by_item(errors: list[str], start: int, key: str) -> None:
    """Reorder the lines added since `start` so each list item's problems stay together."""
    pattern = re.compile(rf"{key}\[(\d+)\]")

    def item(line: str) -> int:
        match = pattern.match(line)
        return int(match.group(1)) if match else sys.maxsize

    errors[start:] = sorted(errors[start:], key=item)


def _section(
    model: type[M], data: dict[str, Any], key: str, errors: list[str], *, required: bool = False
) -> Parsed[M] | None:
    raw = data.get(key)
    if raw is None:
        if required:
            errors.append(f"{key}: required")
        return None
    return parse_lenient(model, raw, key, errors)


def _items(
    model: type[M], data: dict[str, Any], key: str, errors: list[str], *, required: bool = False
) -> list[Parsed[M]]:
    """Validate a list section item by item (items that are not mappings are left out)."""
    raw = data.get(key)
    if raw is None:
        if required:
            errors.append(f"{key}: required")
        return []
    if not isinstance(raw, list):
        errors.append(f"{key}: expected a list, got {describe_value(raw)}")
        return []
    if required and not raw:
        errors.append(f"{key}: must list at least one item")
    parsed = (parse_lenient(model, item, f"{key}[{i}]", errors) for i, item in enumerate(raw))
    return [p for p in parsed if p is not None]


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and nesting beyond the limit.

    Integers with more digits than any allowed number become `OversizedNumber`, so they are
    reported with their path instead of failing Python's int conversion.
    """

    limits = SpecLimits()
    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Compose one node, refusing to nest deeper than `limits.max_depth` (no RecursionError)."""
        self._depth += 1
        try:
            if self._depth > self.limits.max_depth + 1:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested deeper than {self.limits.max_depth} levels",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_int(loader: _StrictLoader, node: yaml.ScalarNode) -> Any:
    text = str(node.value)
    if too_many_digits(text, loader.limits):
        return OversizedNumber(text)
    return loader.construct_yaml_int(node)


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:
            duplicate = False
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        if not isinstance(key, list | dict):
            seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
