"""Run tools: list, start, read the state, control, god mode, agents, messages, evaluate."""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import Field

from agents_app.selectors import agent_list
from runs_app.api.agents import AgentSerializer, InjectSerializer
from runs_app.api.evaluations import EvaluationCreateSerializer, scenario_evaluation_model
from runs_app.api.runs import RunControlSerializer, RunCreateSerializer
from runs_app.api.serializers import (
    EvaluationSerializer,
    PendingControlSerializer,
    RunDetailSerializer,
    RunSerializer,
    StepSerializer,
)
from runs_app.mcp import lookup
from runs_app.mcp.context import acting, result, with_progress
from runs_app.mcp.errors import validated
from runs_app.mcp.tools.fields import (
    AgentName,
    Limit,
    Offset,
    OptionalScenarioId,
    OptionalVersionId,
    Overrides,
    RunId,
    Seed,
    check_visible,
)
from runs_app.models import Run, RunStatus
from runs_app.selectors import step_list
from runs_app.services.evaluation import (
    EvaluationFailed,
    EvaluatorUnavailable,
    evaluation_create,
)
from runs_app.services.runs import (
    agent_set_status,
    run_create,
    run_inject_command,
    run_inject_message,
    run_pause,
    run_resume,
    run_set_emotion,
    run_set_world_value,
    run_start,
    run_step,
    run_stop,
    run_trigger_event,
)

_CONTROLS = {
    "start": run_start,
    "pause": run_pause,
    "resume": run_resume,
    "step": run_step,
    "stop": run_stop,
}


def _summary(run: Run) -> str:
    """One line an assistant can act on: the run's status, tick and outcome."""
    line = f"Run {run.pk} is {run.status} at tick {run.current_step}/{run.max_ticks}"
    if run.outcome:
        line += f", outcome {run.outcome}"
        if run.end_reason:
            line += f" ({run.end_reason})"
    return line + "."


def list_runs(
    ctx: Context,
    scenario: Annotated[int | None, Field(ge=1, description="Only runs of this scenario.")] = None,
    status: Annotated[RunStatus | None, Field(description="Only runs in this status.")] = None,
    outcome: Annotated[
        Literal["success", "failure", "max_ticks", "stopped", "error"] | None,
        Field(description="Only ended runs with this outcome."),
    ] = None,
    batch: Annotated[int | None, Field(ge=1, description="Only runs of this batch.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CallToolResult:
    """List runs newest first (status, tick, seed, metrics, outcome), filtered and paged."""
    with acting(ctx) as user:
        filters = {"scenario": scenario, "status": status, "outcome": outcome, "batch": batch}
        runs = lookup.visible_runs(user, **{k: v for k, v in filters.items() if v is not None})
        count = runs.count()
        page = list(runs[offset : offset + limit])
        lines = "; ".join(_summary(run).rstrip(".") for run in page) or "none"
        return result(
            f"{count} runs; this page: {lines}",
            {"count": count, "results": RunSerializer(page, many=True).data},
        )


def start_run(
    ctx: Context,
    scenario: OptionalScenarioId = None,
    version: OptionalVersionId = None,
    seed: Seed = None,
    overrides: Overrides = None,
    start: Annotated[bool, Field(description="Queue it now; false creates it paused.")] = True,
) -> CallToolResult:
    """Start a run of a scenario (its latest version) or of one version, with seed and overrides."""
    with acting(ctx) as user:
        check_visible(user, scenario=scenario, version=version)
        data = validated(
            RunCreateSerializer,
            {
                "scenario": scenario,
                "version": version,
                "seed": seed,
                "overrides": overrides,
                "start": start,
            },
        )
        run = run_create(
            version=data["scenario_version"],
            seed=data.get("seed"),
            overrides=dict(data.get("overrides") or {}),
            user=user,
            start=data["start"],
        )
        run = lookup.get_run(user, run.pk)
        notes = f" Notes: {' '.join(run.notes)}" if run.notes else ""
        return result(
            f"Started run {run.pk} of {run.scenario_version.scenario.name!r} with seed "
            f"{run.seed} ({run.status}).{notes}",
            RunDetailSerializer(run).data,
        )


def get_run_state(
    ctx: Context,
    run_id: RunId,
    step: Annotated[
        int | None,
        Field(ge=0, le=2**31 - 1, description="A committed tick to read instead of the latest."),
    ] = None,
) -> CallToolResult:
    """Read a run's state: tick, status, outcome, metrics, agents with location and emotion."""
    with acting(ctx) as user:
        run = lookup.get_run(user, run_id)
        data: dict[str, Any] = dict(RunDetailSerializer(run).data)
        data["agents"] = [
            {k: a[k] for k in ("name", "role", "model", "status", "location", "emotion")}
            for a in AgentSerializer(agent_list(run=run), many=True).data
        ]
        text = _summary(run)
        if step is not None:
            row = step_list(run=run).filter(index=step).first()
            if row is None:
                raise ToolError(
                    f"Not found: run {run.pk} has no committed step {step} "
                    f"(latest: {run.current_step})."
                )
            data["step"] = StepSerializer(row).data
            text += f" State at step {step}: metrics {row.metrics}."
        else:
            text += f" Metrics: {run.metrics}."
        return result(text, data)


def control_run(
    ctx: Context,
    run_id: RunId,
    action: Annotated[
        Literal["start", "pause", "resume", "step", "stop"],
        Field(description="`step` runs one tick of a paused run; `stop` ends it for good."),
    ],
) -> CallToolResult:
    """Start, pause, resume, step (one tick, when paused) or stop a run."""
    with acting(ctx) as user:
        run = lookup.get_run(user, run_id, edit=True)
        _CONTROLS[action](run=run, user=user)
        run = lookup.get_run(user, run_id)
        return result(f"{action}: {_summary(run)}", RunDetailSerializer(run).data)


def god_mode(
    ctx: Context,
    run_id: RunId,
    action: Annotated[
        Literal["set_world_value", "fire_event", "set_emotion"],
        Field(description="What to change at the next tick boundary."),
    ],
    path: Annotated[
        str | None,
        Field(description="set_world_value: dotted path, e.g. `locations.school.civilians`."),
    ] = None,
    value: Annotated[Any, Field(description="set_world_value: the new value.")] = None,
    event: Annotated[
        dict[str, Any] | None,
        Field(
            description='fire_event: `{"type": ..., <params>}`, e.g. `{"type": "levee_breach"}`.'
        ),
    ] = None,
    agent: Annotated[str | None, Field(description="set_emotion: the agent's name.")] = None,
    emotion: Annotated[
        dict[str, Any] | None,
        Field(description='set_emotion: feelings 0..1, e.g. `{"fear": 0.9}`.'),
    ] = None,
) -> CallToolResult:
    """God mode: set a world value, fire a scripted event or set an agent's emotion."""
    with acting(ctx) as user:
        run = lookup.get_run(user, run_id, edit=True)
        given = {"path": path, "event": event, "agent": agent, "emotion": emotion}
        given["value"] = value  # null is no value: no world value can be set to null
        body = {"action": action, **{k: v for k, v in given.items() if v is not None}}
        data = validated(RunControlSerializer, body)
        if action == "set_world_value":
            control = run_set_world_value(run=run, path=data["path"], value=value, user=user)
        elif action == "fire_event":
            params = data["event"]["params"]
            control = run_trigger_event(
                run=run, event_type=data["event"]["type"], params=params, user=user
            )
        else:
            control = run_set_emotion(
                run=run, agent_name=data["agent"], emotion=data["emotion"], user=user
            )
        return result(
            f"Queued {action} for run {run.pk}; applied at the next tick boundary.",
            PendingControlSerializer(control).data,
        )


def set_agent_status(
    ctx: Context,
    run_id: RunId,
    agent: AgentName,
    status: Annotated[
        Literal["active", "paused", "muted", "terminated"],
        Field(description="paused: skips turns; muted: acts but cannot speak; terminated: gone."),
    ],
) -> CallToolResult:
    """Pause, mute, terminate or reactivate one agent of a run at its next tick boundary."""
    with acting(ctx) as user:
        run = lookup.get_run(user, run_id, edit=True)
        control = agent_set_status(run=run, agent_name=agent, status=status, user=user)
        return result(
            f"Queued: {agent} -> {status} in run {run.pk} at the next tick boundary.",
            PendingControlSerializer(control).data,
        )


def send_message(
    ctx: Context,
    run_id: RunId,
    text: Annotated[str, Field(min_length=1, max_length=20_000, description="What to say.")],
    to: Annotated[
        str | None,
        Field(max_length=300, description="message: `agent:<name>`, `room:<id>` or `all`."),
    ] = None,
    agent: Annotated[str | None, Field(max_length=200, description="command: the agent.")] = None,
    kind: Annotated[
        Literal["message", "command"],
        Field(
            description="message: delivered like any message; command: an operator order "
            "in the agent's next prompt."
        ),
    ] = "message",
) -> CallToolResult:
    """Send an operator message to an agent, a room or all, or a command to one agent."""
    with acting(ctx) as user:
        run = lookup.get_run(user, run_id, edit=True)
        data = validated(
            InjectSerializer,
            {"kind": kind, "to": to, "agent": agent, "text": text},
            context={"run": run},
        )
        if data["kind"] == "message":
            control = run_inject_message(run=run, to=data["to"], text=data["text"], user=user)
            target = data["to"]
        else:
            control = run_inject_command(
                run=run, agent_name=data["agent"], text=data["text"], user=user
            )
            target = f"agent:{data['agent']}"
        return result(
            f"Queued {kind} to {target} in run {run.pk}; delivered at the next tick boundary.",
            PendingControlSerializer(control).data,
        )


async def evaluate_run(
    ctx: Context,
    run_id: RunId,
    model: Annotated[
        str | None,
        Field(
            max_length=200,
            description="Evaluator model; `offline/heuristic` scores by "
            "rules. Default: the scenario's evaluation model.",
        ),
    ] = None,
) -> CallToolResult:
    """Evaluate a run now: per-dimension scores with reasons and a narrative."""

    def work() -> CallToolResult:
        with acting(ctx) as user:
            run = lookup.get_run(user, run_id, edit=True)
            data = validated(
                EvaluationCreateSerializer,
                {"run": run.pk, "model": model},
                context={"user": user},
            )
            try:
                evaluation = evaluation_create(
                    run=run, model=data.get("model") or scenario_evaluation_model(run), user=user
                )
            except EvaluatorUnavailable as exc:
                raise ToolError(f"Conflict: {exc.message}") from None
            except EvaluationFailed as exc:
                lines = [f"attempt {i}: {a}" for i, a in enumerate(exc.attempts, 1)]
                raise ToolError("\n".join([f"Evaluation failed: {exc.message}", *lines])) from None
            return result(
                f"Evaluated run {run.pk} with {evaluation.evaluator_model}: {evaluation.scores}.",
                EvaluationSerializer(evaluation).data,
            )

    return await with_progress(ctx, "evaluating", work)


TOOLS: list[Callable[..., Any]] = [
    list_runs,
    start_run,
    get_run_state,
    control_run,
    god_mode,
    set_agent_status,
    send_message,
    evaluate_run,
]
