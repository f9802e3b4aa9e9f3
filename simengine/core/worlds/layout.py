"""Where a map world's places go on screen: from the scenario's `x`/`y`, or laid out from routes.

The automatic layout places locations so that screen distances follow travel times
(stress majorization over shortest-route times, started from a circle in declaration
order), then turns the picture so the highest place sits above the lowest. It uses no
randomness: the same places and routes always give the same picture, tick after tick and
reload after reload. `map_layout` is memoised, so a run lays its map out once per process.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

WIDTH = 640
HEIGHT = 400
MARGIN = 56  # room around the outermost places for labels and tokens
ITERATIONS = 300
AUTO_STRETCH = 1.8  # a laid-out map is a schematic: an axis may stretch to use the box

Point = tuple[float, float]


@dataclass(frozen=True)
class MapLayout:
    """Screen positions (in a WIDTH x HEIGHT box) per place, and where they came from."""

    positions: dict[str, Point]
    source: str  # "scenario" (the scenario's x/y) or "auto" (laid out from the routes)
    width: int = WIDTH
    height: int = HEIGHT


def map_layout(
    places: Sequence[str],
    routes: Sequence[tuple[str, str, float]],
    *,
    given: Sequence[Point | None] = (),
    heights: Sequence[float] = (),
) -> MapLayout:
    """Positions for `places` (declaration order) joined by `routes` (a, b, travel time).

    Args:
        places: The location ids, in the scenario's order.
        routes: Two-way routes with their travel time (longer routes draw longer).
        given: Per place, the scenario's (x, y) or None; used when every place has one.
        heights: Per place, its elevation; the automatic layout puts the highest on top.

    Returns:
        The layout, scaled into the drawing box with its aspect ratio kept.
    """
    key_given = tuple(given) if given and all(point is not None for point in given) else ()
    return _layout(
        tuple(places),
        tuple((str(a), str(b), float(t)) for a, b, t in routes),
        key_given,
        tuple(float(h) for h in heights),
    )


@lru_cache(maxsize=256)
def _layout(
    places: tuple[str, ...],
    routes: tuple[tuple[str, str, float], ...],
    given: tuple[Point, ...],
    heights: tuple[float, ...],
) -> MapLayout:
    if given and len(given) == len(places):
        points = np.array(given, dtype=float)
        return MapLayout(positions=_fit(places, points), source="scenario")
    points = _stress_layout(places, routes)
    if len(heights) == len(places) and len(places) > 1 and max(heights) > min(heights):
        points = _highest_on_top(points, heights)
    return MapLayout(positions=_fit(places, points, stretch=AUTO_STRETCH), source="auto")


def _stress_layout(
    places: tuple[str, ...], routes: tuple[tuple[str, str, float], ...]
) -> np.ndarray:
    n = len(places)
    angles = np.array([-math.pi / 2 + 2 * math.pi * i / max(n, 1) for i in range(n)])
    start = np.column_stack([np.cos(angles), np.sin(angles)])
    if n < 3:
        return np.array([[float(i), 0.0] for i in range(n)])
    index = {place: i for i, place in enumerate(places)}
    rows, cols, costs = [], [], []
    for a, b, ticks in routes:
        if a in index and b in index and a != b:
            rows += [index[a], index[b]]
            cols += [index[b], index[a]]
            costs += [max(ticks, 0.1)] * 2
    graph = csr_matrix((costs, (rows, cols)), shape=(n, n))
    distances = shortest_path(graph, directed=False)
    finite = distances[np.isfinite(distances) & (distances > 0)]
    longest = float(finite.max()) if finite.size else 1.0
    distances[~np.isfinite(distances)] = longest * 1.5  # unconnected places keep apart
    np.fill_diagonal(distances, 0.0)
    weights = np.zeros_like(distances)
    off = distances > 0
    weights[off] = distances[off] ** -2.0
    v = -weights.copy()
    np.fill_diagonal(v, weights.sum(axis=1))
    v_pinv = np.linalg.pinv(v)
    points = start * (float(distances.mean()) or 1.0)
    for _ in range(ITERATIONS):
        gaps = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
        gaps[gaps < 1e-9] = 1e-9
        b = -weights * distances / gaps
        np.fill_diagonal(b, 0.0)
        np.fill_diagonal(b, -b.sum(axis=1))
        points = v_pinv @ b @ points
    return points - points.mean(axis=0)


def _highest_on_top(points: np.ndarray, heights: Sequence[float]) -> np.ndarray:
    high, low = int(np.argmax(heights)), int(np.argmin(heights))
    dx, dy = points[high] - points[low]
    if abs(dx) < 1e-9 and abs(dy) < 1e-9:
        return points
    turn = -math.pi / 2 - math.atan2(dy, dx)  # the low -> high direction points up (-y)
    rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    return points @ rotation.T


def _fit(places: tuple[str, ...], points: np.ndarray, stretch: float = 1.0) -> dict[str, Point]:
    """Scale `points` into the drawing box, centred; each axis may stretch up to `stretch`."""
    if not places:
        return {}
    low, high = points.min(axis=0), points.max(axis=0)
    span = high - low
    room = np.array([WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN], dtype=float)
    fits = [float(room[k] / span[k]) for k in (0, 1) if span[k] > 1e-9]
    scale = min(fits) if fits else 1.0
    scales = np.array(
        [
            min(float(room[k] / span[k]), scale * stretch) if span[k] > 1e-9 else scale
            for k in (0, 1)
        ]
    )
    centre = np.array([WIDTH / 2, HEIGHT / 2])
    placed = (points - (low + high) / 2) * scales + centre
    return {
        place: (round(float(x), 1), round(float(y), 1))
        for place, (x, y) in zip(places, placed, strict=True)
    }
