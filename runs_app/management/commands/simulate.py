"""`python manage.py simulate SCENARIO`: run a scenario headless on the core and print metrics.

A thin wrapper around `simengine.core.runner`: it resolves the scenario, picks the
decision maker, shows a progress bar on stderr and prints a summary table. With
`--runs N` it runs seeds seed..seed+N-1 and prints mean, std and 95% CI per metric.
`--fork RUN_ID:STEP` instead continues a stored run from one of its ticks as a new run
(`runs_app.services.forks`), with --seed, --max-ticks, --model-override, --param and
--message as its changes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from simengine.core.decision import DecisionMaker
from simengine.core.offline import OfflineDecisionMaker
from simengine.core.runner import BatchSummary, RunSummary, run_headless, run_many, trace_line
from simengine.core.simulation import TickResult
from simengine.core.spec import ScenarioSpec, SpecError, load_spec_file
from simengine.core.spec.fields import check_model_id

ScenarioResolver = Callable[[str], ScenarioSpec | None]
OFFLINE = "offline/heuristic"


def scenario_from_file(ref: str) -> ScenarioSpec | None:
    """A scenario file (YAML, or JSON by suffix); None when no such file exists."""
    path = Path(ref)
    return load_spec_file(path) if path.is_file() else None


def scenario_from_store(ref: str) -> ScenarioSpec | None:
    """The latest version of a stored scenario named `ref` (needs the database)."""
    from runs_app.services.headless import stored_scenario

    return stored_scenario(ref)


# Tried in order: a file path first, then a stored scenario's name.
SCENARIO_RESOLVERS: list[ScenarioResolver] = [scenario_from_file, scenario_from_store]


def resolve_scenario(ref: str) -> ScenarioSpec:
    """The first resolver's answer for `ref`; SpecError if the scenario is invalid."""
    for resolver in SCENARIO_RESOLVERS:
        spec = resolver(ref)
        if spec is not None:
            return spec
    raise CommandError(f"{ref}: no such scenario file or stored scenario")


def with_available_models(
    spec: ScenarioSpec, override: str | None
) -> tuple[ScenarioSpec, str | None, list[str]]:
    """Move agents whose model cannot be served now to the offline policy, as the console does.

    Ollama down or no API key, for example. Returns the spec, the override and one note
    per moved model.
    """
    try:
        from simengine.llm import preflight
    except ImportError:
        return spec, override, []
    templates = [t for t in spec.agent_templates if t.kind != "environment"]
    models = {override} if override else {t.model for t in templates if t.model}
    unavailable = {s.model_id: s.message for s in preflight(sorted(models)) if not s.ok}
    if not unavailable:
        return spec, override, []
    notes = [
        f"{m} is unavailable ({why}); its agents run on {OFFLINE}" for m, why in unavailable.items()
    ]
    if override:
        return spec, OFFLINE, notes
    swapped = tuple(
        t.model_copy(update={"model": OFFLINE}) if t.model in unavailable else t
        for t in spec.agent_templates
    )
    return spec.model_copy(update={"agent_templates": swapped}), override, notes


def decision_maker_for(
    spec: ScenarioSpec, model_override: str | None
) -> tuple[DecisionMaker, bool]:
    """(decision maker, whether runs may go to worker processes).

    All-offline runs use the offline policy directly (CPU-bound: worker processes help);
    anything else goes through the LLM layer's router.
    """
    models = (
        {model_override}
        if model_override
        else {agent.model for agent in spec.agents() if agent.kind != "environment"}
    )
    if all(model.startswith("offline/") for model in models):
        return OfflineDecisionMaker(), True
    try:
        from simengine.llm import build_decision_maker
    except ImportError:
        listed = ", ".join(sorted(models))
        raise CommandError(
            f"models {listed} need the LLM layer (simengine.llm), which is not available;"
            " try --model-override offline/heuristic"
        ) from None
    return build_decision_maker(), False


def _embeddings_for(maker: DecisionMaker) -> Any:
    """Ollama embeddings beside an LLM decision maker; offline runs embed locally only."""
    if isinstance(maker, OfflineDecisionMaker):
        return None
    from simengine.llm import EmbeddingRouter

    return EmbeddingRouter()


class Command(BaseCommand):
    """Run a scenario headless (in process or on the workers) and print metrics or aggregates."""

    help = "Run a scenario headless and print its metrics (or aggregates over many seeds)."
    requires_system_checks: list[str] = []  # runs on the core alone: no database, no URLs

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "scenario",
            nargs="?",
            help="a scenario file (YAML or JSON) or a stored scenario's name (not with --fork)",
        )
        parser.add_argument("--seed", type=int, default=None, help="seed (default: the spec's)")
        parser.add_argument("--max-ticks", type=int, default=None, help="stop after N ticks")
        parser.add_argument("--model-override", default=None, metavar="PROVIDER/MODEL")
        parser.add_argument("--runs", type=int, default=1, help="run seeds seed..seed+N-1")
        parser.add_argument("--concurrency", type=int, default=1, help="runs at a time")
        parser.add_argument("--jsonl", default=None, metavar="FILE", help="write every event")
        parser.add_argument(
            "--fork",
            default=None,
            metavar="RUN_ID:STEP",
            help="continue a stored run from its tick STEP as a new run (needs the database)",
        )
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="with --fork: set a parameter (VALUE as JSON, else text); repeatable",
        )
        parser.add_argument(
            "--message",
            action="append",
            default=[],
            metavar="TEXT",
            help="with --fork: an operator message to all agents at the fork's first tick",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["fork"] is not None:
            self._fork(options)
            return
        if options["param"] or options["message"]:
            raise CommandError("--param and --message go with --fork")
        if not options["scenario"]:
            raise CommandError("give a scenario (file or stored name), or --fork RUN_ID:STEP")
        try:
            spec = resolve_scenario(options["scenario"])
        except SpecError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            count = len(exc.errors)
            raise CommandError(
                f"{options['scenario']}: invalid scenario ({count} error(s))"
            ) from None
        override = self._override(options["model_override"])
        runs, concurrency, max_ticks = options["runs"], options["concurrency"], options["max_ticks"]
        if runs < 1 or concurrency < 1 or (max_ticks is not None and max_ticks < 1):
            raise CommandError("--runs, --concurrency and --max-ticks must be at least 1")
        seed = spec.seed if options["seed"] is None else options["seed"]
        spec, override, notes = with_available_models(spec, override)
        for note in notes:
            self.stderr.write(note)
        maker, parallel = decision_maker_for(spec, override)
        with ExitStack() as stack:
            trace = None
            if options["jsonl"]:
                trace = stack.enter_context(
                    open(options["jsonl"], "w", encoding="utf-8", newline="\n")
                )
            if runs == 1:
                summary = self._one(spec, seed, max_ticks, override, maker, trace)
                self._print_run(spec, summary)
            elif settings.SIMENGINE_EXECUTOR == "celery":
                batch = self._on_workers(spec, seed, runs, concurrency, max_ticks, override, trace)
                self._print_batch(spec, seed, batch)
            else:
                batch = self._many(
                    spec,
                    seed,
                    runs,
                    concurrency,
                    max_ticks,
                    override,
                    maker,
                    parallel,
                    keep_trace=trace is not None,
                )
                if trace is not None:
                    for run in batch.runs:
                        trace.writelines(trace_line(e, seed=run.seed) + "\n" for e in run.trace)
                self._print_batch(spec, seed, batch)

    def _fork(self, options: dict[str, Any]) -> None:
        """`--fork RUN_ID:STEP`: a new run from a stored tick, run to its end, summarised."""
        from runs_app.services.errors import InvalidRunConfig
        from runs_app.services.headless import fork_and_wait
        from runs_app.services.traces import run_trace
        from simengine.errors import ConflictError, InvalidInputError

        if options["scenario"] or options["runs"] != 1:
            raise CommandError("--fork continues one stored run: no SCENARIO, no --runs")
        run_id, step = _fork_point(options["fork"])
        overrides = _fork_overrides(options, self._override(options["model_override"]))
        try:
            with tqdm(desc=f"fork of run {run_id}", unit="tick", file=self._progress()) as bar:
                fork, summary = fork_and_wait(
                    run_id=run_id,
                    step=step,
                    seed=options["seed"],
                    overrides=overrides,
                    on_progress=bar.update,
                )
        except (InvalidRunConfig, InvalidInputError, ConflictError) as exc:
            lines = getattr(exc, "errors", None) or [str(exc)]
            for line in lines:
                self.stderr.write(line)
            raise CommandError(f"--fork {options['fork']}: {lines[0]}") from None
        for note in fork.notes:
            self.stderr.write(note)
        self.stdout.write(f"run {fork.pk}: forked from run {run_id} at tick {step}")
        if options["jsonl"]:
            with open(options["jsonl"], "w", encoding="utf-8", newline="\n") as trace:
                trace.writelines(run_trace(fork))
        self._print_run(fork.scenario_version.scenario, summary)

    def _override(self, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check_model_id(value)
        except ValueError as exc:
            raise CommandError(f"--model-override: {exc}") from None

    def _one(
        self,
        spec: ScenarioSpec,
        seed: int,
        max_ticks: int | None,
        override: str | None,
        maker: DecisionMaker,
        trace: IO[str] | None,
    ) -> RunSummary:
        total = max_ticks or spec.termination.max_ticks
        with tqdm(total=total, desc=f"seed {seed}", unit="tick", file=self._progress()) as bar:

            def on_tick(result: TickResult) -> None:
                bar.update(1)
                if trace is not None:
                    trace.writelines(trace_line(event) + "\n" for event in result.events)

            return run_headless(
                spec,
                seed=seed,
                decision_maker=maker,
                max_ticks=max_ticks,
                model_override=override,
                on_tick=on_tick,
                embeddings=_embeddings_for(maker),
            )

    def _many(
        self,
        spec: ScenarioSpec,
        seed: int,
        runs: int,
        concurrency: int,
        max_ticks: int | None,
        override: str | None,
        maker: DecisionMaker,
        parallel: bool,
        *,
        keep_trace: bool,
    ) -> BatchSummary:
        with tqdm(total=runs, desc="runs", unit="run", file=self._progress()) as bar:

            def count_run(_summary: RunSummary) -> None:
                bar.update(1)

            return run_many(
                spec,
                seed=seed,
                runs=runs,
                decision_maker=maker,
                concurrency=concurrency,
                max_ticks=max_ticks,
                model_override=override,
                processes=parallel,
                on_run=count_run,
                keep_trace=keep_trace,
                embeddings=_embeddings_for(maker),
            )

    def _on_workers(
        self,
        spec: ScenarioSpec,
        seed: int,
        runs: int,
        concurrency: int,
        max_ticks: int | None,
        override: str | None,
        trace: IO[str] | None,
    ) -> BatchSummary:
        """A broker is configured: the runs go to the Celery workers as one batch."""
        from runs_app.services.headless import batch_on_workers
        from runs_app.services.traces import batch_trace

        with tqdm(total=runs, desc="runs (workers)", unit="run", file=self._progress()) as bar:
            batch, summary = batch_on_workers(
                spec,
                seed=seed,
                runs=runs,
                concurrency=concurrency,
                max_ticks=max_ticks,
                model_override=override,
                on_progress=bar.update,
            )
        self.stderr.write(f"batch {batch.pk}: {runs} runs on the worker pool")
        if trace is not None:
            trace.writelines(batch_trace(batch))
        return summary

    def _progress(self) -> IO[str]:
        return getattr(self.stderr, "_out", sys.stderr)

    def _print_run(self, spec: Any, summary: RunSummary) -> None:
        """The summary table; `spec` is anything with a `name` (a spec or a stored scenario)."""
        out = self.stdout
        out.write(f"{spec.name}, seed {summary.seed}")
        out.write(f"status: completed ({summary.end_reason}: {summary.end_detail})")
        out.write(f"ticks: {summary.ticks}")
        if summary.llm_calls:
            out.write(
                f"model calls: {summary.llm_calls}, tokens in/out:"
                f" {summary.tokens_in}/{summary.tokens_out}"
            )
        width = max(len(name) for name in summary.metrics)
        out.write(f"{'metric':<{width}}  {'value':>10}")
        for name, value in summary.metrics.items():
            out.write(f"{name:<{width}}  {_number(value):>10}")

    def _print_batch(self, spec: ScenarioSpec, seed: int, batch: BatchSummary) -> None:
        out = self.stdout
        runs = len(batch.runs)
        out.write(f"{spec.name}, {runs} runs (seeds {seed}..{seed + runs - 1})")
        reasons = ", ".join(f"{reason} {count}" for reason, count in batch.end_reasons.items())
        out.write(f"end reasons: {reasons}")
        names = list(batch.runs[0].metrics)
        width = max(len(name) for name in names)
        out.write(f"{'metric':<{width}}  {'n':>5}  {'mean':>10}  {'std':>10}  95% CI")
        for name in names:
            agg = batch.aggregates.get(name)
            if agg is None:
                out.write(f"{name:<{width}}  {0:>5}  {'-':>10}  {'-':>10}  -")
                continue
            ci = f"[{agg['ci_low']:.3f}, {agg['ci_high']:.3f}]"
            out.write(
                f"{name:<{width}}  {agg['n']:>5}  {agg['mean']:>10.3f}  {agg['std']:>10.3f}  {ci}"
            )


def _fork_point(text: str) -> tuple[int, int]:
    """RUN_ID:STEP as two numbers, or a CommandError naming the expected form."""
    run, _, step = text.partition(":")
    if not (run.isdigit() and step.isdigit()):
        raise CommandError(f"--fork: expected RUN_ID:STEP (e.g. 12:30), got {text!r}")
    return int(run), int(step)


def _fork_overrides(options: dict[str, Any], model_override: str | None) -> dict[str, Any]:
    """The fork's overrides from --param, --message, --max-ticks and --model-override."""
    overrides: dict[str, Any] = {}
    params = {}
    for item in options["param"]:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"--param: expected NAME=VALUE, got {item!r}")
        try:
            params[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[name.strip()] = value
    if params:
        overrides["params"] = params
    if options["message"]:
        overrides["messages"] = [{"to": "all", "text": text} for text in options["message"]]
    if options["max_ticks"] is not None:
        overrides["max_ticks"] = options["max_ticks"]
    if model_override:
        overrides["model_override"] = model_override
    return overrides


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.4g}"
