"""The effective scenario spec of a run: its version's spec plus grid cell and overrides."""

from __future__ import annotations

import copy
from typing import Any

from runs_app.models import LLMCall, Run
from runs_app.services.errors import InvalidRunConfig
from scenarios_app.models import ScenarioVersion
from scenarios_app.services import storage_errors
from simengine.core.spec import ScenarioSpec, SpecError, parse_spec
from simengine.web.access import visible


def apply_parameters(spec_data: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Set parameters given as dotted paths ("world.params.x"); a bare name means world.params."""
    data = copy.deepcopy(spec_data)
    for key, value in params.items():
        path = key.split(".") if "." in key else ["world", "params", key]
        node = data
        for part in path[:-1]:
            if not isinstance(node, dict):
                raise InvalidRunConfig([f"params.{key}: {part!r} is not a mapping"])
            node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise InvalidRunConfig([f"params.{key}: cannot set a value inside a non-mapping"])
        node[path[-1]] = value
    return data


def build_run_spec(
    version: ScenarioVersion,
    *,
    grid_cell: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
) -> ScenarioSpec:
    """The version's spec with a grid cell and overrides applied (InvalidRunConfig if invalid)."""
    overrides = overrides or {}
    data = apply_parameters(version.spec, {**(grid_cell or {}), **overrides.get("params", {})})
    if overrides.get("max_ticks"):
        max_ticks = int(overrides["max_ticks"])
        data.setdefault("termination", {})["max_ticks"] = max_ticks
        # a shortened run simply never reaches the scripted events planned after its end
        data["events"] = [
            e
            for e in data.get("events", [])
            if not isinstance(e.get("at_tick"), int) or e["at_tick"] <= max_ticks
        ]
    agent_overrides = overrides.get("templates", {})
    for template in data.get("agent_templates", []):
        for field, value in agent_overrides.get(template.get("id"), {}).items():
            template[field] = value
    unknown = set(agent_overrides) - {t.get("id") for t in data.get("agent_templates", [])}
    if unknown:
        raise InvalidRunConfig(
            [
                f"overrides.templates.{name}: no agent template with that id"
                for name in sorted(unknown)
            ]
        )
    try:
        spec = parse_spec(data)
    except SpecError as exc:
        raise InvalidRunConfig(exc.errors) from None
    problems = storage_errors(spec.to_dict())
    if problems:
        raise InvalidRunConfig(problems)
    return spec


def run_spec(run: Run) -> ScenarioSpec:
    """The spec a run executes: its version's spec with its grid cell and overrides applied."""
    return build_run_spec(run.scenario_version, grid_cell=run.grid_cell, overrides=run.overrides)


def check_replay_sources(
    spec: ScenarioSpec, overrides: dict[str, Any] | None = None, *, user: Any = None
) -> None:
    """Every `replay/<run>` model names an existing run with recorded calls (else InvalidRunConfig).

    Checked when a run or batch is created, so a replay of nothing is refused with its path
    instead of running on no-ops. With `user`, only runs that user may read can be replayed
    (another's run does not exist for them).
    """
    uses = [(f"agent_templates[{i}].model", t.model) for i, t in enumerate(spec.agent_templates)]
    if spec.evaluation is not None:
        uses.append(("evaluation.model", spec.evaluation.model))
    override = (overrides or {}).get("model_override")
    if isinstance(override, str):
        uses.append(("overrides.model_override", override))
    errors = []
    for path, model in uses:
        provider, _, source = (model or "").partition("/")
        if provider == "replay":
            problem = _replay_problem(source, user)
            if problem:
                errors.append(f"{path}: {problem}")
    if errors:
        raise InvalidRunConfig(errors)


def _replay_problem(source: str, user: Any) -> str:
    if not source.isdigit() or len(source) > 18:
        return f"replay/{source} must name a run by its id, e.g. replay/12"
    run_id = int(source)
    runs = Run.objects.filter(pk=run_id)
    if not (runs if user is None else visible(runs, user)).exists():
        return f"replay/{source}: there is no run {run_id} to replay"
    recorded = LLMCall.objects.filter(run_id=run_id, error="").exclude(response_text="")
    if not recorded.exists():
        return f"replay/{source}: run {run_id} recorded no model answers to replay"
    return ""
