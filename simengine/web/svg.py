"""Inline SVG charts for pages that must stand alone (the run report): no script, no request.

Each function returns SVG markup as a string with every text escaped; callers mark it safe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

PALETTE = ("#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#d63384")


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    if high <= low:
        return [low]
    step = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= step)
    first = math.floor(low / step) * step
    return [first + i * step for i in range(count + 2) if first + i * step <= high + 1e-9]


def line_chart(
    title: str,
    points: Sequence[tuple[float, float]],
    *,
    x_label: str = "tick",
    width: int = 360,
    height: int = 170,
    color: str = PALETTE[0],
) -> str:
    """One series as a line over x, with axes, gridlines and the last value labelled."""
    left, right, top, bottom = 46, 12, 24, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
        f'<text x="{left}" y="15" class="chart-title">{escape(title)}</text>'
    )
    if not points:
        return head + f'<text x="{left}" y="{top + plot_h / 2}" class="muted">no data</text></svg>'
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = min(0.0, min(ys)), max(ys)
    if y1 <= y0:
        y1 = y0 + 1

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * plot_w

    def sy(y: float) -> float:
        return top + plot_h - (y - y0) / (y1 - y0) * plot_h

    parts = [head]
    for tick in _ticks(y0, y1):
        y = sy(tick)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" class="axis">'
            f"{_number(tick)}</text>"
        )
    for tick in _ticks(x0, x1):
        x = sx(tick)
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle" class="axis">'
            f"{_number(tick)}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w}" y="{height - 2}" text-anchor="end" class="axis">'
        f"{escape(x_label)}</text>"
    )
    path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
    parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
    last_x, last_y = points[-1]
    parts.append(
        f'<circle cx="{sx(last_x):.1f}" cy="{sy(last_y):.1f}" r="3" fill="{color}"/>'
        f'<text x="{left + plot_w}" y="15" text-anchor="end" class="value">'
        f"{_number(last_y)}</text></svg>"
    )
    return "".join(parts)


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    width: int = 360,
    bar_height: int = 18,
    color: str = PALETTE[2],
) -> str:
    """Horizontal bars, one per label, each with its value written at its end."""
    left, right, top = 130, 60, 24
    height = top + bar_height * len(labels) + 8
    plot_w = width - left - right
    high = max([*values, 0.0]) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
        f'<text x="4" y="15" class="chart-title">{escape(title)}</text>'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * bar_height
        w = max(0.0, value) / high * plot_w
        parts.append(
            f'<text x="{left - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" '
            f'class="axis">{escape(label)}</text>'
            f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{bar_height - 5}" '
            f'fill="{color}"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + bar_height * 0.7:.1f}" class="value">'
            f"{_number(value)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
