"""Writes for scenarios: import, new versions, clone, export."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import ProtectedError

from agents_app.models import AgentTemplate
from scenarios_app.models import Scenario, ScenarioVersion
from simengine.core.designer import DesignResult, design_scenario
from simengine.core.spec import ScenarioSpec, SpecError, load_spec, parse_spec
from simengine.core.text import problem_lines
from simengine.errors import ConflictError
from simengine.llm import ModelAsker, model_problem
from simengine.web.access import Level, require, visible

logger = logging.getLogger(__name__)


class ScenarioConflict(ConflictError):
    """The scenario's state forbids the change (it has runs, or no version); the API says 409."""


@dataclass(frozen=True)
class ImportResult:
    """The version an import or save produced, and whether it is a new one."""

    version: ScenarioVersion
    created: bool  # False when the spec equals the latest version's and nothing was saved


def scenario_import(
    *,
    text: str,
    fmt: str | None = None,
    user: User | None = None,
    note: str = "",
    is_draft: bool = False,
) -> ImportResult:
    """Validate a YAML/JSON scenario and save it as a new version (SpecError: nothing saved)."""
    spec = load_spec(text, fmt)
    source_format = fmt or ("json" if text.lstrip().startswith("{") else "yaml")
    return scenario_save_spec(
        spec=spec,
        source_text=text,
        source_format=source_format,
        user=user,
        note=note,
        is_draft=is_draft,
    )


def scenario_save_spec(
    *,
    spec: ScenarioSpec,
    source_text: str = "",
    source_format: str = "yaml",
    user: User | None = None,
    note: str = "",
    is_draft: bool = False,
) -> ImportResult:
    """Save a validated spec as the next version of the scenario of the same name.

    A new scenario is owned by `user`. Publishing onto an existing one needs edit rights
    on it (`simengine.web.access`): a name the user cannot see is taken (SpecError), a
    read-only share is refused (PermissionDenied). `user` None (the CLI) is trusted.
    """
    data = spec.to_dict()
    problems = storage_errors(data)
    if problems:
        raise SpecError(problems)
    with transaction.atomic():
        scenario, created = Scenario.objects.select_for_update().get_or_create(
            name=spec.name,
            defaults={
                "description": spec.description,
                "created_by": user,
                "owner": user,
                "is_draft": is_draft,
            },
        )
        if not created and user is not None:
            if not visible(Scenario.objects.filter(pk=scenario.pk), user).exists():
                raise SpecError([f"name: a scenario named {spec.name!r} already exists"])
            require(scenario, user, Level.EDIT)
        latest = scenario.versions.order_by("-number").first()
        if latest is not None and latest.spec == data:
            return ImportResult(version=latest, created=False)
        scenario.description = spec.description
        if not created and not is_draft:
            scenario.is_draft = False
        scenario.save()
        version = ScenarioVersion.objects.create(
            scenario=scenario,
            number=(latest.number + 1) if latest else 1,
            spec=data,
            source_text=source_text or scenario_spec_to_yaml(data),
            source_format=source_format,
            note=note,
            created_by=user,
        )
        AgentTemplate.objects.bulk_create(
            AgentTemplate(
                scenario_version=version,
                template_id=template["id"],
                kind=template.get("kind", "human"),
                name_pattern=template.get("name", template["id"]),
                role=template.get("role", ""),
                persona=template.get("persona", ""),
                count=template.get("count", 1),
                model=template.get("model", "offline/heuristic"),
                temperature=template.get("temperature", 0.7),
                spec=template,
            )
            for template in data.get("agent_templates", [])
        )
    return ImportResult(version=version, created=True)


def scenario_version_spec(version: ScenarioVersion) -> ScenarioSpec:
    """The typed spec of a stored version (stored specs were validated when saved)."""
    return parse_spec(version.spec)


def scenario_spec_to_yaml(data: dict[str, Any]) -> str:
    """A spec document as YAML, keys in document order."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def scenario_export(*, version: ScenarioVersion, fmt: str = "yaml") -> str:
    """The version's spec as YAML (its saved text when it was imported as YAML) or JSON."""
    if fmt == "json":
        return json.dumps(version.spec, indent=2, ensure_ascii=False) + "\n"
    if version.source_format == "yaml" and version.source_text:
        return version.source_text
    return scenario_spec_to_yaml(version.spec)


def scenario_create(
    *,
    spec: ScenarioSpec,
    user: User | None = None,
    note: str = "",
    is_draft: bool = False,
) -> ImportResult:
    """A new scenario with the spec as its version 1 (SpecError if the name is taken)."""
    if Scenario.objects.filter(name=spec.name).exists():
        raise SpecError([f"name: a scenario named {spec.name!r} already exists"])
    return scenario_save_spec(spec=spec, user=user, note=note, is_draft=is_draft)


def scenario_update(
    *,
    scenario: Scenario,
    spec: ScenarioSpec,
    user: User | None = None,
    note: str = "",
) -> ImportResult:
    """Save the spec as the scenario's next version, renaming the scenario if the name changed."""
    with transaction.atomic():
        scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
        if spec.name != scenario.name:
            if Scenario.objects.filter(name=spec.name).exists():
                raise SpecError([f"name: a scenario named {spec.name!r} already exists"])
            scenario.name = spec.name
            scenario.save(update_fields=["name", "updated_at"])
        return scenario_save_spec(spec=spec, user=user, note=note)


def scenario_clone(*, scenario: Scenario, name: str = "", user: User | None = None) -> ImportResult:
    """A new scenario whose version 1 is the latest version of `scenario` under a new name."""
    latest = scenario.latest_version
    if latest is None:
        raise ScenarioConflict(f"scenario {scenario.name!r} has no version to clone")
    if not name:
        name = _free_name(f"{scenario.name} (copy)")
    data = {**latest.spec, "name": name}
    return scenario_create(
        spec=parse_spec(data), user=user, note=f"cloned from {scenario.name} v{latest.number}"
    )


def scenario_delete(*, scenario: Scenario) -> None:
    """Delete a scenario and its versions; refused while runs or batches use a version."""
    try:
        with transaction.atomic():
            scenario.delete()
    except ProtectedError:
        raise ScenarioConflict(
            f"scenario {scenario.name!r} has runs or batches; delete them first"
        ) from None


def _free_name(base: str) -> str:
    name, n = base, 1
    while Scenario.objects.filter(name=name).exists():
        n += 1
        name = f"{base[:-1]} {n})"
    return name


# -- designing from a brief ------------------------------------------------------------------


class DesignFailed(Exception):
    """No scenario was saved: the model is unavailable or its answers were unusable twice."""

    def __init__(
        self,
        message: str,
        *,
        attempts: list[str] | None = None,
        answers=(),
        problems: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.attempts = attempts or []
        self.problems = problems or []  # what was wrong, each problem once
        self.answers = list(answers)  # the model's raw answers, for the person who asked


@dataclass(frozen=True)
class DesignOutcome:
    """A designed draft: the saved version, the model, each attempt, and the dry run's figures."""

    result: ImportResult
    model: str
    attempts: list[str] = field(default_factory=list)
    dry_run: dict[str, Any] = field(default_factory=dict)


def default_agent_model(model: str) -> str:
    """Agents of a design run on the designer's Ollama model, else on the offline policy."""
    return model if model.startswith("ollama/") else "offline/heuristic"


def design_from_brief(
    *,
    brief: str,
    model: str,
    agent_model: str | None = None,
    user: User | None = None,
) -> DesignOutcome:
    """Design a scenario from a brief, prove it runs, and save it as a new draft scenario.

    The model's answer is validated and dry-run; problems go back to it once. Raises
    `DesignFailed` (nothing saved) when the model is unavailable or fails twice.
    """
    if not brief.strip():
        raise DesignFailed("the brief is empty: describe the scenario you want")
    agents = agent_model or default_agent_model(model)
    if not model.startswith("offline/") and (problem := model_problem(model)):
        raise DesignFailed(problem)
    outcome = asyncio.run(_design(brief, model, agents))
    if outcome.checked is None:
        logger.warning("design by %s failed: %s (%s)", model, outcome.error, outcome.attempts)
        raise DesignFailed(
            f"{model} could not design a valid scenario (its answer and one repair)",
            attempts=list(outcome.attempts),
            answers=[r.response_text for r in outcome.records],
            problems=problem_lines(*outcome.attempts, outcome.error),
        )
    spec = outcome.checked.spec
    spec = parse_spec({**spec.to_dict(), "name": _unused_name(spec.name)})
    result = scenario_save_spec(
        spec=spec, user=user, note=f"designed by {model} from a brief", is_draft=True
    )
    return DesignOutcome(result, model, list(outcome.attempts), outcome.checked.dry_run.to_json())


async def _design(brief: str, model: str, agent_model: str) -> DesignResult:
    """The designer agent, asking through a `ModelAsker` unless offline (closed afterwards)."""
    if model.startswith("offline/"):
        return await design_scenario(
            brief, model=model, agent_model=agent_model, extra=storage_errors
        )
    async with ModelAsker.from_env() as asker:
        return await design_scenario(
            brief, model=model, agent_model=agent_model, ask=asker, extra=storage_errors
        )


def _unused_name(name: str) -> str:
    name = name.strip()[:190] or "Designed scenario"
    candidate, n = name, 1
    while Scenario.objects.filter(name=candidate).exists():
        n += 1
        candidate = f"{name} ({n})"
    return candidate


# Columns the spec's strings are stored in: longer values would fail in PostgreSQL.
_MAX_LENGTHS = {"name": 200, "id": 100, "role": 200, "model": 200}
# Integer columns (and sane sizes) that numbers of the spec end up in.
_RANGES = {
    "seed": (-(2**31), 2**31 - 1),
    "termination.max_ticks": (1, 1_000_000),
    "agent_templates[].count": (1, 1_000),
}


def storage_errors(data: dict[str, Any]) -> list[str]:
    """Why a valid spec cannot be stored or run as is (every problem, each with its path).

    NUL characters and infinite numbers cannot be stored in PostgreSQL, names longer than
    their columns would fail on insert, and seeds, tick limits and agent counts must fit
    the integer columns they are copied into.
    """
    errors = _unstorable(data, "")
    for path, (low, high) in _RANGES.items():
        for where, value in _values_at(data, path.split(".")):
            if isinstance(value, int) and not low <= value <= high:
                errors.append(f"{where}: must be between {low} and {high}, got {value}")
    return errors


def _values_at(node: Any, parts: list[str], where: str = "") -> list[tuple[str, Any]]:
    if not parts:
        return [(where, node)]
    key, many = parts[0].removesuffix("[]"), parts[0].endswith("[]")
    if not isinstance(node, dict) or key not in node:
        return []
    child, here = node[key], f"{where}.{key}" if where else key
    if not many:
        return _values_at(child, parts[1:], here)
    items = child if isinstance(child, list) else []
    return [
        found
        for index, item in enumerate(items)
        for found in _values_at(item, parts[1:], f"{here}[{index}]")
    ]


def _unstorable(data: Any, path: str) -> list[str]:
    errors: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                errors.append(f"{child}: keys must not contain NUL characters")
            limit = _MAX_LENGTHS.get(key) if path in ("", "evaluation") or "[" in path else None
            if limit and isinstance(value, str) and len(value) > limit:
                errors.append(f"{child}: at most {limit} characters, got {len(value)}")
            errors.extend(_unstorable(value, child))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            errors.extend(_unstorable(item, f"{path}[{index}]"))
    elif isinstance(data, str) and "\x00" in data:
        errors.append(f"{path or '(root)'}: text must not contain NUL characters")
    elif isinstance(data, float) and not math.isfinite(data):
        errors.append(f"{path or '(root)'}: expected a finite number, got {data}")
    return errors


__all__ = [
    "DesignFailed",
    "DesignOutcome",
    "ImportResult",
    "ScenarioConflict",
    "SpecError",
    "scenario_clone",
    "scenario_create",
    "design_from_brief",
    "scenario_delete",
    "scenario_update",
    "storage_errors",
    "scenario_export",
    "scenario_import",
    "scenario_save_spec",
    "scenario_spec_to_yaml",
    "scenario_version_spec",
]
