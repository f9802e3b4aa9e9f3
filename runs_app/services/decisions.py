"""Who decides for a run's agents: the LLM router, with replays served from the database."""

from __future__ import annotations

from typing import Any

from django.db import connection

from agents_app.models import Agent
from runs_app.models import LLMCall
from simengine.core.decision import DecisionMaker
from simengine.core.spec import ScenarioSpec
from simengine.llm import LLMSettings, build_decision_maker, preflight

OFFLINE_MODEL = "offline/heuristic"


def llm_settings() -> LLMSettings:
    return LLMSettings.from_env()


class DatabaseReplaySource:
    """Answers `replay/<run-id>` calls with the responses recorded in that run."""

    def lookup(
        self, run_id: str, agent_id: str | None, tick: int | None, purpose: str
    ) -> str | None:
        try:
            return self._lookup(run_id, agent_id, tick, purpose)
        finally:
            # called from a worker thread of the event loop: do not leave its connection open
            connection.close()

    def _lookup(
        self, run_id: str, agent_id: str | None, tick: int | None, purpose: str
    ) -> str | None:
        if not run_id.isdigit():
            return None
        calls = LLMCall.objects.filter(run_id=int(run_id), purpose=purpose, error="")
        if agent_id is not None:
            name = (
                Agent.objects.filter(run_id=int(run_id), key=agent_id)
                .values_list("name", flat=True)
                .first()
            )
            calls = calls.filter(agent=name or agent_id)
        if tick is not None:
            calls = calls.filter(step=tick)
        return calls.order_by("-id").values_list("response_text", flat=True).first()


def decision_maker_for_run(run, spec: ScenarioSpec) -> DecisionMaker:
    return build_decision_maker(llm_settings(), replay_source=DatabaseReplaySource())


def with_offline_fallbacks(
    spec: ScenarioSpec, overrides: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Overrides that move every model that cannot be served now to the offline policy.

    Returns the new overrides and one note per replaced model saying why.
    """
    override = overrides.get("model_override") or None
    models = {t.id: override or t.model for t in spec.agent_templates}
    statuses = {s.model_id: s for s in preflight(models.values(), llm_settings())}
    result = dict(overrides)
    notes: list[str] = []
    if override and not statuses[override].ok:
        result["model_override"] = OFFLINE_MODEL
        return result, [
            f"{override} is unavailable ({statuses[override].message}); "
            f"all agents run on {OFFLINE_MODEL}"
        ]
    templates = {k: dict(v) for k, v in overrides.get("templates", {}).items()}
    for template_id, model in models.items():
        if not statuses[model].ok:
            templates.setdefault(template_id, {})["model"] = OFFLINE_MODEL
            notes.append(
                f"{template_id}: {model} is unavailable ({statuses[model].message}); "
                f"runs on {OFFLINE_MODEL}"
            )
    if templates:
        result["templates"] = templates
    return result, notes
