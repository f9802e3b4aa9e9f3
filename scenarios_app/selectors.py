"""Reads of scenarios: lists, versions with their usage, diffs, the model picker's options."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Count, Max, Model, Q, QuerySet

from scenarios_app.models import Scenario, ScenarioVersion
from simengine.web.access import visible


def scenario_list() -> QuerySet[Scenario]:
    """Scenarios by name, with their version count and latest version number."""
    return Scenario.objects.annotate(
        version_count=Count("versions", distinct=True),
        latest_number=Max("versions__number"),
    ).order_by("name")


def scenario_version_list(*, scenario: Scenario) -> QuerySet[ScenarioVersion]:
    """A scenario's versions, newest first."""
    return scenario.versions.select_related("created_by").order_by("-number")


def scenario_version_get(*, scenario: Scenario, number: int | None = None) -> ScenarioVersion:
    """The scenario's version `number` (latest when None); DoesNotExist when there is none."""
    versions = scenario.versions.select_related("scenario").order_by("-number")
    if number is None:
        version = versions.first()
        if version is None:
            raise ScenarioVersion.DoesNotExist(f"scenario {scenario.name!r} has no version")
        return version
    return versions.get(number=number)


# -- console reads: version history, diffs, the model picker --


def visible_run_count(user: Any, *, path: str = "runs") -> Count:
    """Count of the runs at relation `path` that `user` may see (others' runs stay unseen)."""
    run_model = cast(type[Model], ScenarioVersion._meta.get_field("runs").related_model)
    runs = visible(run_model._default_manager.all(), user)
    return Count(path, filter=Q(**{f"{path}__in": runs.values("pk")}), distinct=True)


def scenario_versions_with_usage(*, scenario: Scenario, user: Any) -> QuerySet[ScenarioVersion]:
    """The scenario's versions, newest first, with how many visible runs and templates use each."""
    return (
        scenario.versions.select_related("created_by")
        .annotate(
            run_count=visible_run_count(user),
            template_count=Count("agent_templates", distinct=True),
        )
        .order_by("-number")
    )


def scenario_usage(*, scenario: Scenario) -> tuple[int, int]:
    """How many runs and batches use any version of the scenario (they keep it from deletion)."""
    versions = scenario.versions.all()
    runs = versions.aggregate(n=Count("runs"))["n"]
    batches = versions.aggregate(n=Count("batches"))["n"]
    return runs, batches


@dataclass(frozen=True)
class DiffLine:
    """One line of a version diff, with its line numbers on the old and new side."""

    kind: str  # "hunk" | "add" | "del" | "same"
    text: str
    old_number: int | None = None
    new_number: int | None = None


def scenario_version_diff(*, old: ScenarioVersion, new: ScenarioVersion) -> list[DiffLine]:
    """A unified diff of two versions' specs written as YAML (same layout on both sides)."""
    from scenarios_app.services import scenario_spec_to_yaml

    a = scenario_spec_to_yaml(old.spec).splitlines()
    b = scenario_spec_to_yaml(new.spec).splitlines()
    lines: list[DiffLine] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(3):
        first, last = group[0], group[-1]
        lines.append(
            DiffLine(
                "hunk",
                f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},{last[4] - first[3]} @@",
            )
        )
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", a[i], i + 1, j1 + i - i1 + 1) for i in range(i1, i2)]
                continue
            lines += [DiffLine("del", a[i], i + 1, None) for i in range(i1, i2)]
            lines += [DiffLine("add", b[j], None, j + 1) for j in range(j1, j2)]
    return lines


@dataclass(frozen=True)
class ModelOptions:
    """The model ids the console offers, and whether Ollama answered (with its message)."""

    models: list[str]
    ollama_reachable: bool
    ollama_message: str

    @property
    def served(self) -> list[str]:
        """The offered models that a model server answers (not the offline policies)."""
        return [m for m in self.models if not m.startswith("offline/")]


def llm_model_options() -> ModelOptions:
    """Model ids the router can serve now, and Ollama's state, cached for a few seconds.

    Every registered provider offers its own (pulled Ollama models, Claude when keyed, the
    models each OpenAI-compatible server lists, the offline policies); Ollama is asked once.
    """
    cached = cache.get("console:model-options")
    if cached is not None:
        return cached
    from simengine.llm import LLMSettings, available_models, check_ollama_sync

    settings = LLMSettings.from_env()
    health = check_ollama_sync(settings, timeout=1.5)
    options = ModelOptions(
        models=available_models(settings, health=health),
        ollama_reachable=health.reachable,
        ollama_message=health.error or "",
    )
    cache.set("console:model-options", options, 15)
    return options
