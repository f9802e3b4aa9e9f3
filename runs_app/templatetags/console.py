"""Small presentation helpers for the console templates."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

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
    css = _STATUS_CLASSES.get(status, "text-bg-light")
    return format_html('<span class="badge {} status-badge">{}</span>', css, status)


@register.filter
def metric(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
    return "—" if value is None else str(value)
