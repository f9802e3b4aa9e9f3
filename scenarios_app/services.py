"""Writes for scenarios: import, new versions, clone, export."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from agents_app.models import AgentTemplate
from scenarios_app.models import Scenario, ScenarioVersion
from simengine.core.spec import ScenarioSpec, SpecError, load_spec, parse_spec


@dataclass(frozen=True)
class ImportResult:
    version: ScenarioVersion
    created: bool  # False when the spec equals the latest version's and nothing was saved


def scenario_import(
    *,
    text: str,
    fmt: str | None = None,
    user: AbstractBaseUser | None = None,
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
    user: AbstractBaseUser | None = None,
    note: str = "",
    is_draft: bool = False,
) -> ImportResult:
    """Save a validated spec as the next version of the scenario of the same name."""
    data = spec.to_dict()
    with transaction.atomic():
        scenario, created = Scenario.objects.select_for_update().get_or_create(
            name=spec.name,
            defaults={"description": spec.description, "created_by": user, "is_draft": is_draft},
        )
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
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def scenario_export(*, version: ScenarioVersion, fmt: str = "yaml") -> str:
    """The version's spec as YAML (its saved text when it was imported as YAML) or JSON."""
    if fmt == "json":
        return json.dumps(version.spec, indent=2, ensure_ascii=False) + "\n"
    if version.source_format == "yaml" and version.source_text:
        return version.source_text
    return scenario_spec_to_yaml(version.spec)


__all__ = [
    "ImportResult",
    "SpecError",
    "scenario_export",
    "scenario_import",
    "scenario_save_spec",
    "scenario_spec_to_yaml",
    "scenario_version_spec",
]
