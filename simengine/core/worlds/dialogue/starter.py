"""The dialogue starter scenario: the smallest valid vote the designer opens on a blank page."""

from __future__ import annotations

from typing import Any

STARTER: dict[str, Any] = {
    "name": "New dialogue scenario",
    "description": "",
    "mode": "discrete",
    "seed": 1,
    "world": {
        "kind": "dialogue",
        "params": {"topic": "Which plan does the group follow?", "options": ["plan A", "plan B"]},
    },
    "agent_templates": [
        {
            "id": "member",
            "count": 3,
            "name": "Member {n}",
            "role": "Council member",
            "model": "offline/heuristic",
        }
    ],
    "termination": {"max_ticks": 20},
}
