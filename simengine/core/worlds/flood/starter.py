"""The flood starter scenario: the smallest valid flood the designer opens on a blank page."""

from __future__ import annotations

from typing import Any

STARTER: dict[str, Any] = {
    "name": "New flood scenario",
    "description": "",
    "mode": "discrete",
    "seed": 1,
    "world": {
        "kind": "flood",
        "params": {"rain_intensity": 0.6},
        "locations": [
            {"id": "shelter", "elevation": 20, "shelter": True, "capacity": 100},
            {"id": "village", "elevation": 2, "civilians": 12},
        ],
        "routes": [["village", "shelter", 2]],
    },
    "agent_templates": [
        {
            "id": "rescuer",
            "count": 2,
            "name": "Rescuer {n}",
            "role": "Rescue crew",
            "model": "offline/heuristic",
            "start": "shelter",
        }
    ],
    "termination": {"max_ticks": 30},
}
