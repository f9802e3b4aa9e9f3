"""`manage.py simulate`: headless runs, byte-identical traces, many seeds with CIs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
FLOOD = str(SCENARIOS / "riverside_flood.yaml")
OFFLINE = ["--model-override", "offline/heuristic"]


def simulate(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("simulate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_same_seed_writes_a_byte_identical_trace(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    simulate(FLOOD, "--seed", "42", *OFFLINE, "--jsonl", str(first))
    simulate(FLOOD, "--seed", "42", *OFFLINE, "--jsonl", str(second))
    simulate(FLOOD, "--seed", "43", *OFFLINE, "--jsonl", str(other))
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_every_trace_line_is_one_event_with_sorted_keys(tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    simulate(FLOOD, "--seed", "1", *OFFLINE, "--max-ticks", "5", "--jsonl", str(trace))
    lines = trace.read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    assert all(list(e) == ["agent", "data", "tick", "type"] for e in events)
    assert events[0]["type"] == "RunStarted" and events[-1]["type"] == "RunEnded"
    assert {e["tick"] for e in events} == set(range(0, 6))


def test_a_single_run_prints_its_status_ticks_and_metrics() -> None:
    out, err = simulate(FLOOD, "--seed", "3", *OFFLINE, "--max-ticks", "10")
    lines = out.splitlines()
    assert lines[:3] == [
        "Riverside flood, seed 3",
        "status: completed (max_ticks: reached max_ticks (10))",
        "ticks: 10",
    ]
    assert any(line.startswith("rescued_fraction ") for line in lines)
    assert "10/10" in err  # the progress bar


def test_a_hundred_runs_print_means_with_confidence_intervals() -> None:
    out, _ = simulate(FLOOD, *OFFLINE, "--runs", "100", "--concurrency", "2")
    lines = out.splitlines()
    assert lines[0] == "Riverside flood, 100 runs (seeds 42..141)"
    assert lines[2].split() == ["metric", "n", "mean", "std", "95%", "CI"]
    casualties = next(line for line in lines if line.startswith("casualties "))
    n, mean, std, low, high = casualties.split()[1:]
    assert n == "100" and low.startswith("[") and high.endswith("]")
    assert float(low.strip("[,")) <= float(mean) <= float(high.strip("]"))
    reasons = dict(
        pair.rsplit(" ", 1) for pair in lines[1].removeprefix("end reasons: ").split(", ")
    )
    assert set(reasons) == {"success", "failure", "max_ticks"}
    assert sum(int(n) for n in reasons.values()) == 100


def test_many_runs_write_every_runs_events_tagged_with_its_seed(tmp_path: Path) -> None:
    trace = tmp_path / "many.jsonl"
    simulate(
        FLOOD, *OFFLINE, "--runs", "3", "--seed", "5", "--max-ticks", "4", "--jsonl", str(trace)
    )
    seeds = [json.loads(line)["seed"] for line in trace.read_text().splitlines()]
    assert sorted(set(seeds)) == [5, 6, 7] and seeds == sorted(seeds)


def test_the_dialogue_sample_runs_too() -> None:
    out, _ = simulate(str(SCENARIOS / "dialogue_dilemma.yaml"), *OFFLINE)
    assert out.startswith("Spillway dilemma, seed 7\nstatus: completed (")
    assert "agreement" in out


def test_a_bad_scenario_file_prints_every_error_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: Bad\nworld: {kind: flood, locations: [{id: a, shelter: true}]}\n"
        "agent_templates: [{id: x, model: olama/x, start: b}]\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"bad.yaml: invalid scenario \(2 error\(s\)\)"):
        call_command("simulate", str(bad), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        "agent_templates[0].model: unknown provider 'olama'"
        " (known: ollama, anthropic, openai, offline, replay)",
        "agent_templates[0].start: unknown location 'b' (known: a)",
    ]


@pytest.mark.django_db
def test_a_missing_scenario_is_reported() -> None:
    with pytest.raises(
        CommandError, match="nowhere.yaml: no such scenario file or stored scenario"
    ):
        simulate("nowhere.yaml")


def test_a_malformed_model_override_is_reported() -> None:
    with pytest.raises(CommandError, match="--model-override: unknown provider 'gpt'"):
        simulate(FLOOD, "--model-override", "gpt/4")
