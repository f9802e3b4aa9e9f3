"""The designer agent: a natural-language brief in, a valid scenario that runs out.

A model answers with the scenario as JSON (shown the format, the world kinds and an
example); the answer is tidied, validated with `parse_spec` and dry-run for a few ticks on
the offline policy. Problems go back to the model once; a second failure is reported with
every call it cost. `offline/...` models use the keyword designer instead.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace

from simengine.core.asking import AskOutcome, JsonAsker, JsonRequest, Unusable
from simengine.core.decision import LLMCallRecord
from simengine.core.designer.catalog import catalog_text, example_text
from simengine.core.designer.check import CheckedDesign, ExtraCheck, check_design
from simengine.core.designer.offline import offline_design
from simengine.core.designer.schema import design_schema

DESIGN_MAX_TOKENS = 4000
MAX_BRIEF = 4000

SYSTEM = """You design scenarios for simengine, a multi-agent simulation engine.
Turn the researcher's brief into ONE scenario, written as a JSON object in the scenario
format. Use only the world kinds, actions, parameters, scripted event types and metrics
listed below, with their exact names. Rules that validation enforces:
- every agent template has a unique `id`; when `count` > 1 its `name` contains {n};
- map worlds (flood): at least one location has `shelter: true`; every non-environment
  agent has `start` set to a location id; routes are [from_id, to_id, travel_ticks];
- scripted events happen at ticks no later than termination.max_ticks;
- termination success/failure conditions name metrics of the chosen world kind;
- rooms list member agent names, or `template:<id>` for all agents of a template.
Keep it small and runnable: at most 8 templates, counts the brief asks for, 20-60 ticks.
Write every deciding agent's `model` as "$agent_model". Give each agent a role, a short
persona, starting emotions and goals that fit the brief.

WORLD KINDS AND VOCABULARY
$catalog

EXAMPLE OF THE FORMAT (content is only an illustration)
$example"""


@dataclass(frozen=True)
class DesignResult:
    """The designed scenario (None on failure), its dry run, and every call behind it."""

    model: str
    checked: CheckedDesign | None
    records: tuple[LLMCallRecord, ...]
    attempts: tuple[str, ...]
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether a usable scenario came out."""
        return self.checked is not None


def design_system(agent_model: str) -> str:
    """The designer's system prompt: the catalog of world kinds and an example scenario.

    `agent_model` is the model the designed agents will run on, named in the prompt.
    """
    return (
        SYSTEM.replace("$agent_model", agent_model)
        .replace("$catalog", catalog_text())
        .replace("$example", example_text())
    )


def design_messages(brief: str) -> tuple[dict[str, str], ...]:
    """The researcher's brief as the one user message (cut to `MAX_BRIEF` characters)."""
    content = (
        "BRIEF FROM THE RESEARCHER\n<<<\n"
        + brief.strip()[:MAX_BRIEF]
        + "\n>>>\n\nAnswer with the scenario as one JSON object."
    )
    return ({"role": "user", "content": content},)


async def design_scenario(
    brief: str,
    *,
    model: str,
    agent_model: str,
    ask: JsonAsker | None = None,
    extra: ExtraCheck | None = None,
) -> DesignResult:
    """Design, validate and dry-run a scenario for `brief`; nothing is saved here."""
    if model.startswith("offline/"):
        return await _offline(brief, model=model, agent_model=agent_model, extra=extra)
    if ask is None:
        raise ValueError(f"designing with {model} needs a model port")
    request = JsonRequest(
        model=model,
        system=design_system(agent_model),
        messages=design_messages(brief),
        schema=design_schema(),
        purpose="design",
        max_tokens=DESIGN_MAX_TOKENS,
        temperature=0.3,
        seed=0,
        check_schema=False,  # parse_spec judges, after the nulls models write are dropped
    )

    async def check(data: dict) -> CheckedDesign:
        return await check_design(data, agent_model=agent_model, extra=extra)

    outcome: AskOutcome[CheckedDesign] = await ask.ask(request, check)
    attempts = outcome.attempts
    if outcome.value is not None:
        attempts = (*attempts, outcome.value.dry_run.describe())
    return DesignResult(model, outcome.value, outcome.records, attempts, outcome.error)


async def _offline(
    brief: str, *, model: str, agent_model: str, extra: ExtraCheck | None
) -> DesignResult:
    started = time.perf_counter()
    document = offline_design(brief, agent_model=agent_model)
    record = LLMCallRecord(
        provider="offline",
        model=model,
        purpose="design",
        system="keyword designer (no language model)",
        messages=design_messages(brief),
        response_text=json.dumps(document, ensure_ascii=False),
        parsed=document,
        tokens_in=0,
        tokens_out=0,
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
    )
    try:
        checked = await check_design(document, agent_model=agent_model, extra=extra)
    except Unusable as exc:
        failed = replace(record, parsed=None, error=str(exc))
        return DesignResult(model, None, (failed,), ("keywords: invalid",), str(exc))
    attempts = ("keywords: valid", checked.dry_run.describe())
    return DesignResult(model, checked, (record,), attempts)
