"""Small presentation helpers for the console templates."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from runs_app.models import CallOutcome
from runs_app.selectors import run_list
from simengine.web.access import visible

register = template.Library()

_STATUS_CLASSES = {
    "queued": "text-bg-secondary",
    "running": "text-bg-primary",
    "paused": "text-bg-warning",
    "stopping": "text-bg-warning",
    "stopped": "text-bg-dark",
    "completed": "text-bg-success",
    "failed": "text-bg-danger",
    "active": "text-bg-success",
    "muted": "text-bg-secondary",
    "terminated": "text-bg-dark",
}


@register.simple_tag
def status_badge(status: str) -> str:
    """A coloured badge for a run or agent status."""
    css = _STATUS_CLASSES.get(status, "text-bg-light")
    return format_html('<span class="badge {} status-badge">{}</span>', css, status)


_OUTCOME_CLASSES = {
    "success": "text-bg-success",
    "failure": "text-bg-danger",
    "max_ticks": "text-bg-secondary",
    "stopped": "text-bg-dark",
    "error": "text-bg-danger",
}
_OUTCOME_WORDS = {
    "success": "success",
    "failure": "failure",
    "max_ticks": "max ticks",
    "stopped": "stopped by operator",
    "error": "error",
}


@register.simple_tag
def outcome_badge(outcome: str) -> str:
    """A run's outcome as a badge (a dash while it has none)."""
    if not outcome:
        return mark_safe('<span class="text-muted">—</span>')  # noqa: S308  (a constant)
    css = _OUTCOME_CLASSES.get(outcome, "text-bg-light")
    word = _OUTCOME_WORDS.get(outcome, outcome)
    return format_html('<span class="badge {} outcome-badge">{}</span>', css, word)


@register.filter
def end_text(run: object) -> str:
    """Why a run ended, in words: the condition that held, the limit reached, or who stopped it."""
    detail = getattr(run, "end_detail", "") or ""
    reason = getattr(run, "end_reason", "") or ""
    if getattr(run, "outcome", "") == "error":
        return "the engine failed (details below)"
    text = detail or reason.replace("_", " ")
    # "stopped by operator" is what the outcome badge already says
    return "" if text == _OUTCOME_WORDS.get(str(getattr(run, "outcome", ""))) else text


@register.filter
def control_text(control: object) -> str:
    """A queued control in words: `set water_level to 9.5`, `pause Rescuer 1`."""
    return control_words(str(getattr(control, "kind", "")), getattr(control, "payload", None) or {})


def control_words(kind: str, payload: dict) -> str:
    """A control of `kind` with `payload`, in words."""
    if kind == "set_world_value":
        return f"set {payload.get('path')} to {metric(payload.get('value'))}"
    if kind == "trigger_event":
        params = ", ".join(f"{k}={metric(v)}" for k, v in (payload.get("params") or {}).items())
        return f"fire {payload.get('type')}" + (f" ({params})" if params else "")
    if kind == "set_emotion":
        feelings = ", ".join(f"{k} {metric(v)}" for k, v in (payload.get("emotion") or {}).items())
        return f"set {payload.get('agent')}'s emotion: {feelings}"
    if kind == "inject_message":
        return f"message to {payload.get('to')}: “{payload.get('text', '')}”"
    if kind == "inject_command":
        return f"command to {payload.get('agent')}: “{payload.get('text', '')}”"
    verb = kind.removesuffix("_agent").replace("_", " ")
    return f"{verb} {payload.get('agent', '')}".strip()


@register.filter
def metric(value: object) -> str:
    """A metric value for display: floats without trailing zeros, "—" for none."""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
    return "—" if value is None else str(value)


EMOTION_COLOURS = {
    "fear": "bg-danger",
    "stress": "bg-warning",
    "hope": "bg-success",
    "empathy": "bg-info",
}


@register.inclusion_tag("runs_app/_emotion_bars.html")
def emotion_bars(emotion: dict | None) -> dict:
    """Each feeling as a thin bar (0..1), in a fixed order, with its value on hover."""
    emotion = emotion or {}
    bars = []
    for name, css in EMOTION_COLOURS.items():
        value = emotion.get(name)
        if isinstance(value, int | float):
            bars.append(
                {
                    "name": name,
                    "value": value,
                    "pct": round(max(0, min(1, value)) * 100),
                    "css": css,
                }
            )
    return {"bars": bars}


@register.filter
def condition_text(condition: object) -> str:
    """A structured termination condition as words: `rescued_fraction >= 0.9`."""
    if not isinstance(condition, dict):
        return "—"
    for key, joiner in (("all", " and "), ("any", " or ")):
        if isinstance(condition.get(key), list):
            return "(" + joiner.join(condition_text(c) for c in condition[key]) + ")"
    return f"{condition.get('metric')} {condition.get('op')} {metric(condition.get('value'))}"


@register.filter
def get_item(mapping: object, key: str) -> object:
    """`mapping[key]` in a template, None for a missing key or a non-dict."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def outcome_label(value: str) -> str:
    """A call outcome as people read it (`noop` -> `fell back to a no-op`)."""
    try:
        return str(CallOutcome(value).label)
    except ValueError:
        return value


@register.filter
def percent(value: Any, total: Any) -> int:
    """`value` as a whole percentage of `total`; 0 when either is not a number or total is 0."""
    try:
        return round(100 * float(value) / float(total)) if float(total) else 0
    except (TypeError, ValueError):
        return 0


@register.inclusion_tag("runs_app/_run_table.html", takes_context=True)
def scenario_runs(context: dict, scenario_id: int, limit: int = 20) -> dict:
    """The newest runs of a scenario the viewer may read, for the scenario page."""
    user = context["request"].user
    return {"runs": visible(run_list(scenario=scenario_id), user)[:limit]}


@register.filter
def cell_label(cell: object) -> str:
    """A grid cell `{"rain_intensity": 0.8}` as `rain_intensity=0.8`."""
    if not isinstance(cell, dict) or not cell:
        return "base"
    return ", ".join(f"{key}={metric(value)}" for key, value in sorted(cell.items()))


_EVENT_CLASSES = {
    "AgentDecided": "text-bg-primary",
    "DecisionFailed": "text-bg-danger",
    "AgentActed": "text-bg-success",
    "ActionRejected": "text-bg-warning",
    "MessageSent": "text-bg-info",
    "MessageSuppressed": "text-bg-secondary",
    "EnvironmentEvent": "text-bg-dark",
    "ControlApplied": "text-bg-warning",
    "ControlRejected": "text-bg-danger",
    "BudgetExceeded": "text-bg-danger",
    "RunStarted": "text-bg-light",
    "RunEnded": "text-bg-light",
    "RunForked": "text-bg-light",
    "control": "text-bg-warning",
    "run_ended": "text-bg-light",
}


@register.simple_tag
def event_badge(event_type: str) -> str:
    """A coloured badge naming an event type."""
    css = _EVENT_CLASSES.get(event_type, "text-bg-light")
    return format_html('<span class="badge {} event-badge">{}</span>', css, event_label(event_type))


@register.filter
def event_label(event_type: str) -> str:
    """`AgentDecided` -> `decided`; service events keep their names."""
    words = {
        "AgentDecided": "decision",
        "DecisionFailed": "decision failed",
        "AgentActed": "action",
        "ActionRejected": "rejected",
        "MessageSent": "message",
        "MessageSuppressed": "suppressed",
        "EnvironmentEvent": "world",
        "ControlApplied": "control",
        "ControlRejected": "control refused",
        "BudgetExceeded": "budget",
        "RunStarted": "started",
        "RunEnded": "ended",
        "RunForked": "forked",
        "run_ended": "ended",
    }
    return words.get(event_type, event_type.replace("_", " "))


@register.filter
def event_summary(event: object) -> str:
    """One line saying what an event was, for the timeline."""
    data = getattr(event, "data", None) or {}
    kind = getattr(event, "type", "")
    if kind == "AgentDecided":
        return str(data.get("thought", ""))
    if kind == "AgentActed":
        return str(data.get("result") or _action_text(data.get("action")))
    if kind == "ActionRejected":
        return f"{_action_text(data.get('action'))}: {data.get('reason', '')}"
    if kind == "MessageSent":
        return f"to {data.get('to', '')}: {data.get('text', '')}"
    if kind == "MessageSuppressed":
        return f"to {data.get('to', '')} ({data.get('reason', '')}): {data.get('text', '')}"
    if kind in ("EnvironmentEvent",):
        return str(data.get("text", ""))
    if kind in ("ControlApplied",):
        return str(data.get("detail", ""))
    if kind in ("ControlRejected",):
        return str(data.get("reason", ""))
    if kind == "DecisionFailed":
        return str(data.get("error", ""))
    if kind == "BudgetExceeded":
        used, limit = data.get("used"), data.get("limit")
        return f"{data.get('scope')} used {used} of {limit} tokens; now on {data.get('model')}"
    if kind == "RunStarted":
        agents = len(data.get("agents", []))
        return f"{data.get('scenario', '')}, seed {data.get('seed', '')}, {agents} agents"
    if kind == "RunForked":
        return f"continues run {data.get('parent', '')} from tick {data.get('step', '')}" + (
            f", seed {data['seed']}" if "seed" in data else ""
        )
    if kind in ("RunEnded", "run_ended"):
        return " ".join(str(data.get(k, "")) for k in ("status", "reason", "detail") if data.get(k))
    if kind == "control":
        by = data.get("by", "")
        what = _queued_text(data) if data.get("queued") else str(data.get("action", ""))
        return f"{what} (by {by})" if by else what
    return ", ".join(f"{k}: {v}" for k, v in data.items())[:200]


def _queued_text(data: dict) -> str:
    payload = {k: v for k, v in data.items() if k not in ("action", "by", "queued")}
    return f"queued: {control_words(str(data.get('action', '')), payload)}"


def _action_text(action: object) -> str:
    if not isinstance(action, dict):
        return ""
    rest = ", ".join(f"{k}={v}" for k, v in action.items() if k != "type")
    return f"{action.get('type', '?')}({rest})"


@register.filter
def pretty_json(value: object) -> str:
    """Indented JSON for a `<pre>` block."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


@register.filter
def tojson(value: object) -> str:
    """Compact JSON for a data attribute (autoescaping quotes it safely)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@register.filter
def metric_label(name: str) -> str:
    """A metric name as words (`people_rescued` -> "people rescued")."""
    return str(name).replace("_", " ")


@register.filter
def message_parties(message: object) -> str:
    """Tokens the chat filter matches a message on: its sender and where it went."""
    sender = getattr(message, "sender", "")
    channel = getattr(message, "channel", "")
    recipient = getattr(message, "recipient", "")
    tokens = [f"agent:{sender}"]
    audience = getattr(message, "audience", "") or ""
    tokens += [f"agent:{name}" for name in audience.split("|") if name]
    if channel == "direct":
        tokens.append(f"agent:{recipient}")
    elif channel == "room":
        tokens.append(f"room:{recipient}")
    else:
        tokens.append("all")
    return "|".join(tokens)


_KEY_METRICS = ("rescued", "casualties", "rescued_fraction", "water_level", "cooperation")


@register.filter
def key_metrics(metrics: object, limit: int = 3) -> list[tuple[str, object]]:
    """The few metrics worth a glance in a table: known key ones first, then the rest."""
    if not isinstance(metrics, dict):
        return []
    numeric = {
        k: v for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)
    }
    names = [k for k in _KEY_METRICS if k in numeric] + [
        k for k in numeric if k not in _KEY_METRICS
    ]
    return [(name, numeric[name]) for name in names[: int(limit)]]


@register.filter
def mean_score(scores: object) -> float | None:
    """The mean of an evaluation's numeric scores (None when there are none)."""
    if not isinstance(scores, dict):
        return None
    values = [v for v in scores.values() if isinstance(v, int | float) and not isinstance(v, bool)]
    return round(sum(values) / len(values), 2) if values else None


@register.filter
def settings_text(overrides: object) -> list[str]:
    """A run's overrides as lines a person reads: `model override: offline/heuristic`."""
    if not isinstance(overrides, dict):
        return []
    lines = []
    for key, value in overrides.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k} = {_plain(v)}" for k, v in value.items())
            lines.append(f"{metric_label(key)}: {inner or 'none'}")
        else:
            lines.append(f"{metric_label(key)}: {_plain(value)}")
    return lines


def _plain(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} = {_plain(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return metric(value)
