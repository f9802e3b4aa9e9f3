"""Figure 9 on its own: stored snapshot bytes per tick, exact, far below the full JSON."""

from __future__ import annotations

from bench.report import snapshot_row
from bench.snapshots import measure_snapshot_bytes


def test_the_snapshot_figure_reports_before_and_after_bytes_per_tick():
    figure = measure_snapshot_bytes(ticks=30)
    long = figure["long"]
    assert long["ticks"] == 30 and long["exact"] and figure["sample"]["exact"]
    assert long["after_bytes_per_tick"] * 5 < long["before_bytes_per_tick"]
    row = snapshot_row(figure)
    assert row.figure.startswith("10 snapshots: stored bytes per tick, flood sample")
    assert "before: full JSON" in row.ideal
