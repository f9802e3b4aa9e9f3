"""Every scenario, run and batch the MCP tools touch is found through `runs_app.mcp.lookup`.

When owners and sharing arrive, that one module changes; no tool may find objects another way.
"""

from __future__ import annotations

import re
from pathlib import Path

import runs_app.mcp

PACKAGE = Path(runs_app.mcp.__file__).parent
FORBIDDEN = re.compile(
    r"\b(run_list|run_get|scenario_list|scenario_version_get|batch_list|evaluation_list)\("
    r"|\b(Run|Scenario|ScenarioVersion|Batch|Evaluation)\.objects\b"
)


def test_only_the_lookup_module_finds_scenarios_runs_and_batches():
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "lookup.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert offenders == []
