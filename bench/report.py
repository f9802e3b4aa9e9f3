"""One table from the figures: measured, the ideal measured in the same run, ratio, target."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from bench.cpu import PRODUCT


@dataclass(frozen=True)
class Row:
    """One line of the benchmark table: measured against ideal and target."""

    figure: str
    measured: str
    ideal: str
    ratio: str
    target: str
    meets: bool | None  # None: no target for this row

    @property
    def verdict(self) -> str:
        """The row's verdict: meets, SHORT, or blank for a row without a target."""
        return {True: "meets", False: "SHORT", None: ""}[self.meets]


def _n(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def rows(figures: dict[str, Any]) -> list[Row]:
    """The table's rows from the measured figures."""
    out: list[Row] = []
    sat = figures.get("saturation")
    loop = figures.get("minimal_loop")
    if sat and loop:
        out.append(
            Row(
                f"1 saturation: {sat['runs']} runs x {sat['agents']} agents, "
                f"P={sat['slots']}, L={sat['latency_s'] * 1000:.0f} ms",
                f"{_n(sat['decisions_per_second'], 1)} decisions/s, "
                f"server busy {sat['busy_fraction']:.3f}, a slot idles "
                f"{sat['idle_slot_ms_per_call']:.0f} ms per call (worker holds it "
                f"{sat['slot_held_beyond_latency_ms']:.0f} ms beyond L)",
                f"P/L {_n(sat['ideal_p_over_l'], 1)}/s; bare asyncio loop "
                f"{_n(loop['calls_per_second'], 1)}/s ({loop['ratio_to_p_over_l']:.3f})",
                f"{sat['ratio_to_p_over_l']:.3f} of P/L",
                ">= 0.95 of P/L",
                sat["ratio_to_p_over_l"] >= 0.95,
            )
        )
    single = figures.get("saturation_single")
    if single:
        out.append(
            Row(
                f"1 saturation: 1 run x {single['agents']} agents",
                f"{_n(single['decisions_per_second'], 1)} decisions/s, "
                f"server busy {single['busy_fraction']:.3f}, a slot idles "
                f"{single['idle_slot_ms_per_call']:.0f} ms per call",
                f"P/L {_n(single['ideal_p_over_l'], 1)}/s; one tick's slot rounds "
                f"{_n(single['one_run_tick_barrier_ideal'], 1)}/s",
                f"{single['ratio_to_p_over_l']:.3f} of P/L; "
                f"{single['decisions_per_second'] / single['one_run_tick_barrier_ideal']:.3f} "
                "of rounds",
                ">= 0.95 of P/L",
                single["ratio_to_p_over_l"] >= 0.95,
            )
        )
    out += protocol_rows(figures)
    if "overhead" in figures:
        over = figures["overhead"]
        out.append(
            Row(
                f"2 overhead: {over['runs']} runs x {over['agents']} agents x {over['ticks']} "
                f"ticks, offline, PostgreSQL, {over['workers']} workers",
                f"{_n(over['decisions_per_second'], 0)} decisions/s = "
                f"{over['ms_per_decision_wall']:.3f} ms/decision",
                f"engine alone {over['ideal_engine_ms_per_decision']:.3f} ms/decision = "
                f"{_n(over['ideal_decisions_per_second'], 0)}/s on {over['workers']} workers",
                f"{over['ratio_to_ideal']:.2f} of ideal",
                ">= 1,000 decisions/s (<= 1 ms)",
                over["decisions_per_second"] >= 1000,
            )
        )
        cpu = over["worker_cpu_ms_per_decision"]
        out.append(
            Row(
                "2 overhead split: worker CPU ms per decision",
                f"decide {cpu['decide']:.3f} + apply {cpu['apply']:.3f} + persist "
                f"{cpu['persist']:.3f} + notify {cpu['notify']:.3f} + other "
                f"{cpu['other']:.3f} = {cpu['slice']:.3f}",
                f"engine alone {over['ideal_engine_ms_per_decision']:.3f}",
                f"{cpu['slice'] / over['ideal_engine_ms_per_decision']:.2f} x engine",
                "<= 1.5 x engine",
                cpu["slice"] / over["ideal_engine_ms_per_decision"] <= 1.5,
            )
        )
        out += storage_rows(figures)
        machine = over["machine_cpu_ms_per_decision"]
        product = sum(machine[name] for name in PRODUCT)
        parts = ", ".join(f"{name} {machine[name]:.3f}" for name in PRODUCT)
        out.append(
            Row(
                "2 overhead: CPU ms per decision, whole machine",
                f"product {product:.3f} ({parts}); other tenants {machine['other tenants']:.3f}; "
                f"bench {machine['bench']:.3f}",
                f"product alone on idle cores: "
                f"{_n(over['idle_machine_decisions_per_second'], 0)} decisions/s",
                f"{over['idle_machine_decisions_per_second'] / 1000:.2f} of target",
                "",
                None,
            )
        )
    if "growth" in figures:
        growth = figures["growth"]
        tokens = growth["prompt_tokens_per_decision"]
        marks = list(tokens)
        prefix = growth["prefix"]
        if prefix["identical"]:
            stable = (
                f"prefix identical at every tick ({_n(prefix['stable_prefix_bytes_min'], 0)} B)"
            )
        else:
            ticks = ", ".join(str(t) for t in prefix["changed_at_ticks"][:5])
            stable = (
                f"prefix NOT identical: {prefix['most_distinct_prefixes_per_agent']} versions per "
                f"agent, changed at tick {ticks}"
            )
        out.append(
            Row(
                f"3 growth: prompt tokens/decision at ticks {', '.join(marks)}",
                " / ".join(_n(tokens[m], 0) for m in marks) + f"; {stable}",
                f"flat (tick {marks[2]} = tick {marks[1]}), one prefix",
                f"{growth['token_ratio_last_to_middle']:.3f}",
                "<= 1.2, prefix identical",
                growth["token_ratio_last_to_middle"] <= 1.2 and prefix["identical"],
            )
        )
        out.append(
            Row(
                f"3 growth: worker RSS over {growth['ticks']} ticks",
                f"{growth['rss_growth_mb']:+.1f} MB ({growth['rss_mb_at_warm_tick']:.0f} MB "
                f"at tick {growth['warm_tick']} -> {growth['rss_mb_at_end']:.0f} MB)",
                "0 MB",
                f"peak {growth['rss_mb_peak']:.0f} MB",
                "<= 50 MB",
                growth["rss_growth_mb"] <= 50,
            )
        )
    if "live_latency" in figures:
        live, floor = figures["live_latency"], figures["live_latency"]["channel_layer_floor"]
        out.append(
            Row(
                "4 live latency: commit -> WebSocket client (1 run)",
                f"p50 {live['p50_ms']:.1f} ms, p95 {live['p95_ms']:.1f} ms ({live['ticks']} ticks)",
                f"Redis channel layer alone p50 {floor['p50_ms']:.1f}, "
                f"p95 {floor['p95_ms']:.1f} ms",
                f"p95 {live['p95_ms'] / floor['p95_ms']:.1f} x floor",
                "p95 <= 100 ms",
                live["p95_ms"] <= 100,
            )
        )
    if "overhead" in figures:
        loaded = figures["overhead"]["live_latency_under_load"]
        if loaded.get("ticks"):
            out.append(
                Row(
                    "4 live latency under the overhead load",
                    f"p50 {loaded['p50_ms']:.1f} ms, p95 {loaded['p95_ms']:.1f} ms",
                    "",
                    "",
                    "",
                    None,
                )
            )
    if sat:
        calls = sat["calls"]
        out.append(
            Row(
                "5 calls per decision (scenario 1)",
                f"{calls['per_decision']:.3f} ({calls['repair']} repairs, "
                f"{calls['errors']} errors)",
                "1",
                f"{calls['per_decision']:.3f}",
                "exactly 1",
                calls["per_decision"] == 1 and calls["repair"] == 0,
            )
        )
        out.append(
            Row(
                "5 stand-in: most in flight / queued; 503s / timeouts",
                f"{calls['max_in_flight']} / {calls['max_queued']}; "
                f"{calls['rejected_503']} / {calls['timeouts']}",
                f"P = {sat['slots']} / 0; 0 / 0",
                f"{calls['max_in_flight'] / sat['slots']:.2f} of P",
                "<= P in flight, no 503, no timeout",
                calls["max_in_flight"] <= sat["slots"]
                and calls["rejected_503"] == 0
                and calls["timeouts"] == 0,
            )
        )
    out += llm_cpu_rows(figures)
    if "scaling" in figures:
        out += scaling_rows(figures["scaling"])
    if "batch" in figures:
        out += batch_rows(figures)
    memory = figures.get("memory")
    if memory:
        prompt, retrieval = memory["prompt"], memory["retrieval"]
        out.append(
            Row(
                f"8 memory: prompt tokens per decision, tick {prompt['early_tick']} vs "
                f"{prompt['ticks']} ({prompt['agents']} agents, memory on)",
                f"{prompt['tokens_per_decision_early']:.0f} -> "
                f"{prompt['tokens_per_decision_late']:.0f} tokens "
                f"({prompt['memories_per_agent_at_end']:.0f} memories per agent, "
                f"{prompt['recalled_per_decision_late']:.1f} recalled per decision)",
                "flat",
                f"{prompt['ratio_late_to_early']:.2f}",
                "<= 1.2",
                prompt["ratio_late_to_early"] <= 1.2,
            )
        )
        out.append(
            Row(
                f"8 memory: retrieval + local embedding CPU per decision at "
                f"{retrieval['memories']:,} memories",
                f"{retrieval['cpu_ms_per_decision']:.3f} ms",
                "",
                "",
                "<= 1 ms",
                retrieval["cpu_ms_per_decision"] <= 1.0,
            )
        )
    if figures.get("snapshots"):
        out.append(snapshot_row(figures["snapshots"]))
    return out


def snapshot_row(snaps: dict[str, Any]) -> Row:
    """Figure 10: stored snapshot bytes per tick, before (full JSON) and after."""
    sample, long = snaps["sample"], snaps["long"]
    return Row(
        f"10 snapshots: stored bytes per tick, flood sample ({sample['ticks']} ticks to "
        f"its end; {long['ticks']} ticks without end conditions)",
        f"{_n(sample['after_bytes_per_tick'], 0)} B / {_n(long['after_bytes_per_tick'], 0)}"
        f" B (keyframe every {snaps['keyframe_every']} + deltas); encode "
        f"{long['encode_ms_per_tick']:.2f} ms/tick, read any tick "
        f"{long['read_ms_per_tick']:.2f} ms; exact: {sample['exact'] and long['exact']}",
        f"before: full JSON {_n(sample['before_bytes_per_tick'], 0)} B / "
        f"{_n(long['before_bytes_per_tick'], 0)} B per tick",
        f"{long['ratio']:.3f} of before",
        "<= 0.1 of full JSON, exact",
        long["ratio"] <= 0.1 and sample["exact"] and long["exact"],
    )


def llm_cpu_rows(figures: dict[str, Any]) -> list[Row]:
    """Figure 9: worker CPU per LLM decision, split, against the bare client's CPU per call."""
    llm = figures.get("llm_cpu")
    if not llm:
        return []
    split, profile = llm["split_ms"], llm["profile"]
    bare = profile["bare_client_cpu_ms_per_call"]
    parts = " + ".join(
        f"{label} {split[key]:.3f}"
        for key, label in (
            ("prompt", "prompt"),
            ("request_response", "request/response"),
            ("parse_validate", "parse + validate"),
            ("record", "record"),
            ("apply", "apply"),
            ("notify", "notify"),
            ("slice_other", "slice other"),
        )
    )
    total = llm["worker_cpu_ms_per_decision"]
    layers = ", ".join(
        f"{name} {share * 100:.0f} %" for name, share in list(profile["share_by_layer"].items())[:7]
    )
    return [
        Row(
            f"9 LLM-path CPU: worker CPU per LLM decision, 1 run x {llm['agents']} agents x "
            f"{llm['ticks']} ticks, stand-in at L=0",
            f"{total:.3f} ms = {parts}",
            f"bare asyncio loop (ollama client) {bare:.3f} ms CPU per call",
            f"{total / llm['target_ms']:.2f} of target; {total / bare:.1f} x bare client",
            f"<= {llm['target_ms']} ms",
            total <= llm["target_ms"],
        ),
        Row(
            "9 LLM-path profile (engine + LLM layer in one process, cProfile self time)",
            f"{profile['cpu_ms_per_decision_unprofiled']:.3f} ms/decision unprofiled: {layers}",
            "",
            "",
            "",
            None,
        ),
    ]


def storage_rows(figures: dict[str, Any]) -> list[Row]:
    """Database bytes per decision: total, and without the Step snapshots."""
    over = figures["overhead"]
    split = over.get("table_bytes_per_decision")
    if not split:
        return []
    top = ", ".join(f"{t} {b:,.0f}" for t, b in list(split["by_table"].items())[:6])
    return [
        Row(
            "2 storage: database bytes per decision (overhead runs)",
            f"{split['without_step_snapshots']:,.0f} B without Step snapshots; "
            f"{split['total']:,.0f} B with them "
            f"(database {over['database_bytes_per_decision']:,.0f}); {top}",
            f"half of {STORAGE_BEFORE:,} B (before, all tables) = {STORAGE_BEFORE // 2:,} B",
            f"{split['without_step_snapshots'] / STORAGE_BEFORE:.2f} of before",
            "<= 0.5 of before (without snapshots)",
            split["without_step_snapshots"] <= STORAGE_BEFORE / 2,
        )
    ]


# database bytes per decision before issue 16's storage work (bench/README.md)
STORAGE_BEFORE = 6599


def scaling_rows(scaling: dict[str, Any]) -> list[Row]:
    """Engine ms per decision at 10, 50, 200 agents, and at 1,000 in one run."""
    sizes = list(scaling["ms_per_decision"])
    out = [
        Row(
            f"6 scaling: engine CPU ms/decision at {', '.join(sizes)} agents",
            " / ".join(f"{scaling['ms_per_decision'][s]:.3f}" for s in sizes),
            f"flat ({sizes[-1]} = {sizes[0]})",
            f"{scaling['ratio_largest_to_smallest']:.2f}",
            "<= 1.5",
            scaling["ratio_largest_to_smallest"] <= 1.5,
        )
    ]
    large = scaling.get("large")
    if large:
        out.append(
            Row(
                f"6 scaling: {scaling['large_total_agents']:,} agents in one run "
                f"({large['ticks'] - 1} extra ticks)",
                f"{large['ms_per_decision']:.3f} ms/decision",
                f"{sizes[-1]} agents: {scaling['ms_per_decision'][sizes[-1]]:.3f}",
                f"{scaling['ratio_large_to_largest']:.2f}",
                "<= 1.5",
                scaling["ratio_large_to_largest"] <= 1.5,
            )
        )
    return out


def batch_rows(figures: dict[str, Any]) -> list[Row]:
    """Offline batch throughput on the usual workers, and on more workers than cores."""
    out: list[Row] = []
    base = figures["batch"]
    for key in ("batch", "batch_wide"):
        batch = figures.get(key)
        if not batch:
            continue
        scaled = ""
        if key == "batch_wide":
            scaled = (
                f"; {batch['runs_per_minute'] / base['runs_per_minute']:.2f} x "
                f"{base['workers']} workers"
            )
        out.append(
            Row(
                f"7 batch: {batch['runs']} runs x {batch['agents']} agents x "
                f"{batch['ticks']} ticks, {batch['workers']} workers",
                f"{batch['runs_per_minute']:.1f} runs/min; 10,000 runs in "
                f"{batch['projected_minutes_for_10000'] / 60:.1f} h{scaled}",
                f"engine alone {batch['ideal_runs_per_minute']:.1f} runs/min; product CPU on "
                f"idle cores {batch['idle_machine_runs_per_minute']:.1f} runs/min",
                f"{batch['ratio_to_ideal']:.2f} of ideal",
                ">= 60 runs/min and >= 0.35 of ideal" if key == "batch" else "",
                batch["runs_per_minute"] >= 60 and batch["ratio_to_ideal"] >= 0.35
                if key == "batch"
                else None,
            )
        )
    return out


HEADER = ("Figure", "Measured", "Ideal (same run)", "Ratio", "Target", "Verdict")


def protocol_rows(figures: dict[str, Any]) -> list[Row]:
    """Saturation on the OpenAI-compatible stand-in and the fast server on both protocols."""
    out: list[Row] = []
    sat = figures.get("saturation_openai")
    if sat:
        loop, calls = sat["minimal_loop"], sat["calls"]
        out.append(
            Row(
                f"1 saturation, OpenAI-compatible: {sat['runs']} runs x {sat['agents']} agents, "
                f"P={sat['slots']}, L={sat['latency_s'] * 1000:.0f} ms",
                f"{_n(sat['decisions_per_second'], 1)} decisions/s, server busy "
                f"{sat['busy_fraction']:.3f}; {calls['per_decision']:.3f} calls per decision, "
                f"most in flight {calls['max_in_flight']}",
                f"P/L {_n(sat['ideal_p_over_l'], 1)}/s; bare asyncio loop (openai client) "
                f"{_n(loop['calls_per_second'], 1)}/s ({loop['ratio_to_p_over_l']:.3f})",
                f"{sat['ratio_to_p_over_l']:.3f} of P/L",
                ">= 0.95 of P/L",
                sat["ratio_to_p_over_l"] >= 0.95,
            )
        )
    for protocol, label in (("ollama", "Ollama"), ("openai", "OpenAI-compatible")):
        fast = figures.get(f"fast_{protocol}")
        if not fast:
            continue
        loop = fast["minimal_loop"]
        out.append(
            Row(
                f"1 fast server, {label}: {fast['runs']} runs x {fast['agents']} agents, "
                f"P={fast['slots']}, L={fast['latency_s'] * 1000:.0f} ms",
                f"{_n(fast['decisions_per_second'], 1)} decisions/s, server busy "
                f"{fast['busy_fraction']:.3f}",
                f"bare asyncio loop {_n(loop['calls_per_second'], 1)}/s; P/L "
                f"{_n(fast['ideal_p_over_l'], 1)}/s",
                f"{fast['ratio_to_minimal_loop']:.3f} of the loop",
                ">= 0.95 of the bare loop",
                fast["ratio_to_minimal_loop"] >= 0.95,
            )
        )
    return out


def markdown(table: list[Row]) -> str:
    """The table as Markdown (as in the README)."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|"]
    for row in table:
        cells = (row.figure, row.measured, row.ideal, row.ratio, row.target, row.verdict)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def as_json(table: list[Row]) -> list[dict[str, Any]]:
    """The table as JSON data, each row with its verdict."""
    return [{**asdict(row), "verdict": row.verdict} for row in table]
