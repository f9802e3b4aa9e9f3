"""The call explorer's figures: totals, estimated cost and histograms per model, prompt diffs.

Everything is aggregated in the database (one grouped query for the totals, one per
histogram), so the figures for 100,000 calls cost a few grouped scans, never a Python loop
over rows. Costs come from the price table in settings (`SIMENGINE_PRICES` over the
built-in Claude prices); models served locally cost 0 and show model-seconds instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Max, QuerySet, Sum, Value, When

from runs_app.models import CallOutcome, LLMCall
from simengine.llm.health import runs_locally
from simengine.llm.prices import Price, PriceTable
from simengine.llm.prompt_diff import PromptDiff, diff_prompts, prompt_text

# Histogram bucket edges (fixed, so models and runs can be compared bucket by bucket).
LATENCY_EDGES_MS = (50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000)
TOKEN_EDGES = (100, 250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000)


@dataclass(frozen=True)
class ModelFigures:
    """One model's totals over a set of calls, with its estimated cost."""

    model: str
    calls: int
    tokens_in: int
    tokens_out: int
    latency_ms_total: float
    latency_ms_max: float
    local: bool
    price: Price | None

    @property
    def provider(self) -> str:
        """The model id's provider prefix."""
        return self.model.partition("/")[0]

    @property
    def model_seconds(self) -> float:
        """Seconds the model spent answering (the sum of call latencies)."""
        return self.latency_ms_total / 1000

    @property
    def latency_ms_mean(self) -> float:
        """Mean latency per call."""
        return self.latency_ms_total / self.calls if self.calls else 0.0

    @property
    def cost(self) -> float | None:
        """Estimated US dollars: 0 for local models, None when the model has no price."""
        if self.local:
            return 0.0
        if self.price is None:
            return None
        return self.price.cost(self.tokens_in, self.tokens_out)

    def to_json(self) -> dict[str, Any]:
        """JSON for the API."""
        price = self.price
        return {
            "model": self.model,
            "provider": self.provider,
            "calls": self.calls,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "latency_ms_mean": round(self.latency_ms_mean, 3),
            "latency_ms_max": round(self.latency_ms_max, 3),
            "model_seconds": round(self.model_seconds, 3),
            "local": self.local,
            "cost_usd": None if self.cost is None else round(self.cost, 6),
            "price": None
            if price is None or self.local
            else {
                "input_per_mtok": price.input_per_mtok,
                "output_per_mtok": price.output_per_mtok,
                "source": price.source,
            },
        }


def price_table() -> PriceTable:
    """The operator's price table (validated at start-up)."""
    table: PriceTable = settings.SIMENGINE_PRICE_TABLE
    return table


def model_figures(calls: QuerySet[LLMCall]) -> list[ModelFigures]:
    """Per model: calls, tokens, latency and estimated cost, most calls first."""
    table = price_table()
    rows = (
        calls.order_by()
        .values("model")
        .annotate(
            n=Count("id"),
            tin=Sum("tokens_in"),
            tout=Sum("tokens_out"),
            lat=Sum("latency_ms"),
            latmax=Max("latency_ms"),
        )
    )
    figures = [
        ModelFigures(
            model=row["model"],
            calls=row["n"],
            tokens_in=row["tin"] or 0,
            tokens_out=row["tout"] or 0,
            latency_ms_total=float(row["lat"] or 0.0),
            latency_ms_max=float(row["latmax"] or 0.0),
            local=runs_locally(row["model"]),
            price=table.lookup(row["model"]),
        )
        for row in rows
    ]
    return sorted(figures, key=lambda f: (-f.calls, f.model))


def outcome_counts(calls: QuerySet[LLMCall]) -> dict[str, int]:
    """Calls per outcome, every outcome listed (0 when none)."""
    counts = dict(calls.order_by().values_list("outcome").annotate(n=Count("id")))
    return {value: counts.get(value, 0) for value in CallOutcome.values}


def bucket_labels(edges: tuple[int, ...], unit: str) -> list[str]:
    """`<50 ms`, `50-100 ms`, ..., `>=60000 ms` for the buckets `edges` make."""
    labels = [f"<{edges[0]:,} {unit}"]
    labels += [f"{low:,}-{high:,} {unit}" for low, high in zip(edges, edges[1:], strict=False)]
    labels.append(f">={edges[-1]:,} {unit}")
    return labels


def histogram(calls: QuerySet[LLMCall], field: str, edges: tuple[int, ...]) -> dict[str, list]:
    """Per model, how many calls fall in each bucket of `field` (len(edges) + 1 buckets)."""
    bucket = Case(
        *(When(**{f"{field}__lt": edge}, then=Value(i)) for i, edge in enumerate(edges)),
        default=Value(len(edges)),
        output_field=IntegerField(),
    )
    rows = (
        calls.order_by()
        .annotate(bucket=bucket)
        .values("model", "bucket")
        .annotate(n=Count("id"))
        .values_list("model", "bucket", "n")
    )
    result: dict[str, list[int]] = {}
    for model, index, n in rows:
        result.setdefault(model, [0] * (len(edges) + 1))[index] = n
    return dict(sorted(result.items()))


def call_stats(calls: QuerySet[LLMCall]) -> dict[str, Any]:
    """Everything the explorer shows above its table, for the calls `calls` selects."""
    figures = model_figures(calls)
    priced = [f.cost for f in figures if f.cost is not None]
    return {
        "totals": {
            "calls": sum(f.calls for f in figures),
            "tokens_in": sum(f.tokens_in for f in figures),
            "tokens_out": sum(f.tokens_out for f in figures),
            "model_seconds": round(sum(f.model_seconds for f in figures), 3),
            "cost_usd": round(sum(priced), 6),
            "unpriced_models": [f.model for f in figures if f.cost is None],
        },
        "models": [f.to_json() for f in figures],
        "outcomes": outcome_counts(calls),
        "histograms": {
            "latency_ms": {
                "edges": list(LATENCY_EDGES_MS),
                "labels": bucket_labels(LATENCY_EDGES_MS, "ms"),
                "models": histogram(calls, "latency_ms", LATENCY_EDGES_MS),
            },
            "tokens": {
                "edges": list(TOKEN_EDGES),
                "labels": bucket_labels(TOKEN_EDGES, "tokens"),
                "models": histogram(calls, "tokens_total", TOKEN_EDGES),
            },
        },
    }


def call_prompt_diff(a: LLMCall, b: LLMCall) -> PromptDiff:
    """How call `b`'s prompt differs from call `a`'s."""
    return diff_prompts(prompt_text(a.system, a.messages), prompt_text(b.system, b.messages))
