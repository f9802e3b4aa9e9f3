"""The issue's scenario, driven through any connected MCP client (stdio or HTTP)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from django.db import connections
from mcp import Client
from mcp_types import TextResourceContents

from runs_app.models import Run

EXPECTED_TOOLS = {
    "list_scenarios",
    "get_scenario",
    "validate_scenario",
    "save_scenario_version",
    "design_scenario",
    "list_runs",
    "start_run",
    "get_run_state",
    "control_run",
    "god_mode",
    "set_agent_status",
    "send_message",
    "evaluate_run",
    "read_messages",
    "read_events",
    "read_decisions",
    "start_batch",
    "get_batch",
}
OFFLINE = {"model_override": "offline/heuristic", "max_ticks": 30}


async def read_text(client: Client, uri: str) -> TextResourceContents:
    """A text resource, read through the client."""
    contents = (await client.read_resource(uri)).contents
    assert len(contents) == 1 and isinstance(contents[0], TextResourceContents)
    return contents[0]


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must succeed; its structured content."""
    answer = await client.call_tool(tool, arguments)
    text = " ".join(getattr(block, "text", "") for block in answer.content)
    assert not answer.is_error, f"{tool} failed: {text}"
    assert text, f"{tool} gave no short text"
    assert answer.structured_content is not None
    return answer.structured_content


async def error_of(client: Client, tool: str, **arguments: Any) -> str:
    """Call a tool that must fail; the error text the model reads."""
    answer = await client.call_tool(tool, arguments)
    assert answer.is_error, f"{tool} unexpectedly succeeded: {answer.structured_content}"
    return " ".join(getattr(block, "text", "") for block in answer.content)


def _settled(run_id: int) -> int | None:
    """The tick a paused run rests at once no slice executes it (None while one does)."""
    try:
        run = Run.objects.get(pk=run_id)
        if run.status == "paused" and not run.pending_steps and not run.lease_holder:
            return run.current_step
        return None
    finally:
        connections.close_all()


async def settled_tick(run_id: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while (tick := await asyncio.to_thread(_settled, run_id)) is None:
        assert time.monotonic() < deadline, f"run {run_id} did not settle"
        await asyncio.sleep(0.2)
    return tick


async def wait_state(
    client: Client, run_id: int, done: Any, timeout: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = await call(client, "get_run_state", run_id=run_id)
        if done(state):
            return state
        assert time.monotonic() < deadline, f"run {run_id} stuck: {state['status']}"
        await asyncio.sleep(0.3)


async def check_tools(client: Client) -> None:
    """Every tool is listed with a description and a JSON schema of its arguments."""
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == EXPECTED_TOOLS
    for tool in tools.values():
        assert tool.description and len(tool.description.splitlines()[0]) < 120
        assert tool.input_schema["type"] == "object"
        assert tool.input_schema["additionalProperties"] is False
    start = tools["start_run"].input_schema["properties"]
    assert start["seed"]["anyOf"][0] == {"maximum": 2**31 - 1, "minimum": 0, "type": "integer"}
    assert tools["control_run"].input_schema["required"] == ["run_id", "action"]
    action = tools["control_run"].input_schema["properties"]["action"]
    assert action["enum"] == ["start", "pause", "resume", "step", "stop"]
    assert "run_id" in tools["read_messages"].input_schema["properties"]
    assert "cursor" in tools["read_messages"].input_schema["properties"]
    templates = (await client.list_resource_templates()).resource_templates
    assert {t.uri_template for t in templates} == {
        "simengine://scenarios/{scenario_id}/yaml",
        "simengine://runs/{run_id}/report",
        "simengine://runs/{run_id}/trace",
    }


async def drive_flood(client: Client, scenario_id: int) -> None:
    """Start, pause, message, step, read history and state, resume to the end, read the outcome."""
    await check_tools(client)
    listed = await call(client, "list_scenarios", name="MCP flood")
    assert [s["id"] for s in listed["results"]] == [scenario_id]

    run = await call(client, "start_run", scenario=scenario_id, seed=5, overrides=OFFLINE)
    run_id = run["id"]
    assert run["seed"] == 5 and run["max_ticks"] == 30

    paused = await call(client, "control_run", run_id=run_id, action="pause")
    assert paused["status"] == "paused"
    tick = await settled_tick(run_id)

    queued = await call(
        client, "send_message", run_id=run_id, to="agent:Mayor", text="Evacuate the school now."
    )
    assert queued["kind"] == "inject_message" and queued["applied_step"] is None

    await call(client, "control_run", run_id=run_id, action="step")
    state = await wait_state(
        client, run_id, lambda s: s["status"] == "paused" and s["current_step"] == tick + 1
    )
    assert await settled_tick(run_id) == tick + 1

    history = await call(client, "read_messages", run_id=run_id, agent="Mayor", limit=1000)
    texts = [m["text"] for m in history["results"]]
    assert "Evacuate the school now." in texts
    others = await call(client, "read_messages", run_id=run_id, agent="Rescuer 1", limit=1000)
    assert "Evacuate the school now." not in [m["text"] for m in others["results"]]

    at_pause = await call(client, "get_run_state", run_id=run_id, step=tick + 1)
    assert at_pause["current_step"] == tick + 1 and at_pause["status"] == "paused"
    assert at_pause["step"]["index"] == tick + 1
    assert at_pause["step"]["metrics"] == state["metrics"]
    agents = {a["name"]: a for a in at_pause["agents"]}
    assert set(agents) == {"Mayor", "Rescuer 1", "Rescuer 2", "Rescuer 3"}
    places = {"hilltop", "school", "hospital", "docks", ""}  # "": travelling between places
    assert {a["location"] for a in agents.values()} <= places
    assert any(a["location"] for a in agents.values())
    assert all(set(a["emotion"]) >= {"fear", "hope", "stress"} for a in agents.values())

    await call(client, "control_run", run_id=run_id, action="resume")
    done = await wait_state(client, run_id, lambda s: s["status"] == "completed")
    assert done["outcome"] == "max_ticks" and done["current_step"] == 30

    controls = await call(client, "read_events", run_id=run_id, type="control")
    actions = [(e["data"]["action"], e["data"]["by"]) for e in controls["results"]]
    assert ("pause", "researcher") in actions and ("inject_message", "researcher") in actions
    assert {by for _, by in actions} == {"researcher"}  # every call acted as the user

    refused = await error_of(client, "control_run", run_id=run_id, action="resume")
    assert "Conflict: " in refused and "completed" in refused
    progress = Progress()
    answer = await client.call_tool(
        "evaluate_run",
        {"run_id": run_id, "model": "ollama/llama3.2"},
        progress_callback=progress,
    )
    assert answer.is_error
    text = " ".join(getattr(block, "text", "") for block in answer.content)
    assert "Conflict: ollama/llama3.2 is unavailable: Ollama is not reachable" in text
    assert progress.seen[-1][2] == "evaluating: failed"
    trace = await read_text(client, f"simengine://runs/{run_id}/trace")
    assert trace.mime_type == "application/x-ndjson"
    assert '"type":"RunEnded"' in trace.text.replace(" ", "")


async def check_bad_input(client: Client, scenario_id: int) -> None:
    """Bad arguments and unknown ids are tool errors naming what is wrong; the session goes on."""
    bad_seed = await error_of(client, "start_run", scenario=scenario_id, seed=-1)
    assert "seed\n  Input should be greater than or equal to 0" in bad_seed
    typo = await error_of(client, "start_run", scenario=scenario_id, sead=4)
    assert "sead\n  Extra inputs are not permitted" in typo
    bad_override = await error_of(
        client, "start_run", scenario=scenario_id, overrides={"max_ticks": 0}
    )
    assert bad_override == (
        "Error executing tool start_run: Invalid input.\n"
        "overrides.max_ticks: Ensure this value is greater than or equal to 1."
    )
    unknown = await error_of(client, "start_run", scenario=999_999)
    assert unknown.endswith("Invalid input.\nscenario: no scenario with id 999999")
    run = await call(client, "start_run", scenario=scenario_id, overrides=OFFLINE, start=False)
    no_value = await error_of(
        client, "god_mode", run_id=run["id"], action="set_world_value", path="water_level"
    )
    assert no_value.endswith("Invalid input.\nvalue: required by action 'set_world_value'")
    missing = await error_of(client, "get_run_state", run_id=999_999)
    assert missing == "Error executing tool get_run_state: Not found: No run 999999."
    bad_spec = await call(client, "validate_scenario", spec={"name": "x", "world": {"kind": "f"}})
    assert not bad_spec["valid"] and any(e["path"].startswith("world") for e in bad_spec["errors"])
    no_ticks = await error_of(client, "evaluate_run", run_id=run["id"])
    assert no_ticks.endswith(
        f"Invalid input.\nrun: run {run['id']} has no ticks yet: nothing to evaluate"
    )
    assert (await call(client, "list_scenarios"))["count"] >= 1


class Progress:
    """Progress notifications of one tool call, as the client received them."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, float | None, str | None]] = []

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.seen.append((progress, total, message))


async def check_long_calls_report_progress(client: Client) -> None:
    """Designing a scenario reports progress from start to done, then answers the draft."""
    progress = Progress()
    answer = await client.call_tool(
        "design_scenario",
        {"brief": "A flood in a river town: two rescue boats and a mayor."},
        progress_callback=progress,
    )
    assert not answer.is_error, answer.content
    assert answer.structured_content["scenario"]["is_draft"] is True
    messages = [message for _, _, message in progress.seen]
    assert messages[0] == "designing: started" and messages[-1] == "designing: done"
    values = [value for value, _, _ in progress.seen]
    assert values == sorted(values) and len(set(values)) == len(values)


async def check_more_tools(client: Client, scenario_id: int) -> None:
    """Scenario versions, god mode, agent status, decisions, evaluation, batches, resources."""
    yaml_text = (await read_text(client, f"simengine://scenarios/{scenario_id}/yaml")).text
    assert "name: MCP flood" in yaml_text
    assert (await call(client, "validate_scenario", text=yaml_text))["valid"] is True
    saved = await call(
        client,
        "save_scenario_version",
        scenario_id=scenario_id,
        text=yaml_text.replace("rain_intensity: 0.6", "rain_intensity: 0.7"),
        note="wetter",
    )
    assert saved["created"] is True and saved["version"]["number"] == 2
    read = await call(client, "get_scenario", scenario_id=scenario_id, version_number=1)
    assert read["latest_version"]["spec"]["world"]["params"]["rain_intensity"] == 0.6

    run = await call(
        client,
        "start_run",
        scenario=scenario_id,
        overrides={**OFFLINE, "max_ticks": 3},
        start=False,
    )
    run_id = run["id"]
    god = await call(
        client,
        "god_mode",
        run_id=run_id,
        action="set_world_value",
        path="water_level",
        value=1.5,
    )
    assert god["payload"] == {"path": "water_level", "value": 1.5}
    typo = await error_of(
        client, "god_mode", run_id=run_id, action="set_world_value", path="water_levl", value=2
    )
    assert "path: 'water_levl' is not a value of this world (did you mean water_level?)" in typo
    muted = await call(client, "set_agent_status", run_id=run_id, agent="Rescuer 2", status="muted")
    assert muted["kind"] == "mute_agent"
    unknown = await error_of(client, "send_message", run_id=run_id, to="agent:Nobody", text="hello")
    assert "to: 'agent:Nobody' is not a recipient in run" in unknown

    await call(client, "control_run", run_id=run_id, action="start")
    done = await wait_state(client, run_id, lambda s: s["status"] == "completed")
    assert {a["name"]: a["status"] for a in done["agents"]}["Rescuer 2"] == "muted"
    decisions = await call(client, "read_decisions", run_id=run_id, agent="Mayor", limit=2)
    assert len(decisions["results"]) == 2 and decisions["next_cursor"]
    assert all(d["agent"] == "Mayor" for d in decisions["results"])
    rest = await call(
        client, "read_decisions", run_id=run_id, agent="Mayor", cursor=decisions["next_cursor"]
    )
    assert [d["step"] for d in rest["results"]] == [3]
    events = await call(client, "read_events", run_id=run_id, type="control")
    assert {e["data"]["action"] for e in events["results"]} >= {"set_world_value", "mute_agent"}

    progress = Progress()
    evaluated = await client.call_tool(
        "evaluate_run",
        {"run_id": run_id, "model": "offline/heuristic"},
        progress_callback=progress,
    )
    assert not evaluated.is_error, evaluated.content
    assert evaluated.structured_content["is_rule_based"] is True
    assert progress.seen[-1][2] == "evaluating: done"
    report = await read_text(client, f"simengine://runs/{run_id}/report")
    assert report.mime_type == "text/html" and "<html" in report.text

    batch = await call(
        client,
        "start_batch",
        scenario=scenario_id,
        grid={"rain_intensity": [0.3, 0.9]},
        seeds_per_cell=1,
        overrides={**OFFLINE, "max_ticks": 2},
    )
    assert batch["total_runs"] == 2
    finished = batch
    for _ in range(300):
        finished = await call(client, "get_batch", batch_id=batch["id"])
        if finished["status"] == "completed":
            break
        await asyncio.sleep(0.3)
    assert finished["status"] == "completed" and len(finished["aggregates"]) == 2
