"""The run summary read from the database: sampled steps, streamed history, bounded text."""

import pytest

from runs_app.services.config import run_spec
from runs_app.services.summaries import run_summary
from simengine.core.evaluation import SummaryLimits, render_summary

pytestmark = pytest.mark.django_db


def test_it_holds_metrics_emotions_events_and_conversation(done_run):
    summary = run_summary(done_run, run_spec(done_run))

    assert summary.ticks == [1, 2, 3, 4, 5, 6]
    assert [tick for tick, _ in summary.series] == [1, 2, 3, 4, 5, 6]
    assert "River" not in summary.emotions  # the environment has no feelings to judge
    assert set(summary.emotions["Rescuer 1"][0][1]) == {"fear", "stress", "hope", "empathy"}
    assert summary.decisions == done_run.events.filter(type="AgentDecided").count()
    assert summary.messages == done_run.messages.count()
    assert summary.actions and summary.event_kinds
    text = render_summary(summary, SummaryLimits(max_chars=6000))
    assert len(text) <= 6000
    assert "EMOTION TRAJECTORIES" in text and "Rescuer 1" in text
    assert f'RUN {done_run.pk} of scenario "Riverside flood"' in text
