"""What model calls cost: per-token prices by model id, with defaults for Claude models.

Prices are US dollars per million tokens, input and output. The defaults are Anthropic's
published first-party API prices, as listed on https://platform.claude.com/docs (the
models overview and pricing pages), checked on 2026-12-01; Claude Haiku 5.5 is listed at its
lower band (prompts up to 100,000 tokens). Prices change: operators override or extend them
with a price table file named by `SIMENGINE_PRICES`, one model per line:

    # model id                     input $/Mtok   output $/Mtok
    anthropic/claude-sonnet-5-5    2.00           10.00
    anthropic/claude-*             3              15        # a trailing * matches a prefix
    openai/gpt-6-mini              0.25           2.00

Blank lines and `#` comments are ignored. A line that is not `MODEL INPUT OUTPUT` with two
non-negative numbers is refused with its file and line number. Models served locally
(Ollama, the offline policy, replay) cost nothing; the call explorer shows their
model-seconds instead. A model with no price is shown as unpriced, never as free.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

PRICES_CHECKED = "2026-12-01"
PRICES_SOURCE = "Anthropic published API prices (platform.claude.com/docs), checked 2026-12-01"

# (input, output) US dollars per million tokens.
DEFAULT_CLAUDE_PRICES: dict[str, tuple[float, float]] = {
    "claude-fable-5-1": (10.0, 50.0),
    "claude-fable-5": (10.0, 50.0),
    "claude-opus-5-5": (4.0, 20.0),
    "claude-opus-5": (5.0, 25.0),
    "claude-opus-4-8": (5.0, 25.0),
    "claude-opus-4-7": (5.0, 25.0),
    "claude-opus-4-6": (5.0, 25.0),
    "claude-opus-4-5": (5.0, 25.0),
    "claude-opus-4-1": (15.0, 75.0),
    "claude-opus-4": (15.0, 75.0),
    "claude-sonnet-5-5": (2.0, 10.0),
    "claude-sonnet-5": (2.0, 10.0),
    "claude-sonnet-4-6": (3.0, 15.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-sonnet-4": (3.0, 15.0),
    "claude-3-7-sonnet": (3.0, 15.0),
    "claude-haiku-5-5": (0.10, 0.50),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-3-5-haiku": (0.80, 4.0),
    "claude-3-haiku": (0.25, 1.25),
}

_DATED = re.compile(r"^(?P<base>.+)-\d{8}$")  # claude-haiku-4-5-20251001 -> claude-haiku-4-5
_NUMBER = re.compile(r"^\d+(\.\d+)?$")


class PriceTableError(ValueError):
    """A price table line that cannot be read; the message names the file and the line."""


@dataclass(frozen=True)
class Price:
    """Dollars per million input and output tokens, and where the figure comes from."""

    input_per_mtok: float
    output_per_mtok: float
    source: str

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        """The dollars `tokens_in` prompt and `tokens_out` completion tokens cost."""
        return (tokens_in * self.input_per_mtok + tokens_out * self.output_per_mtok) / 1e6


class PriceTable:
    """Prices by model id (`provider/model`), exact ids first, then `prefix*` patterns."""

    def __init__(self, entries: Mapping[str, Price]) -> None:
        self.exact = {k: v for k, v in entries.items() if not k.endswith("*")}
        patterns = [(k[:-1], v) for k, v in entries.items() if k.endswith("*")]
        self.patterns = sorted(patterns, key=lambda item: -len(item[0]))  # longest first

    def lookup(self, model_id: str) -> Price | None:
        """The price of `model_id`; a dated id (`...-20251001`) falls back to its base id."""
        candidates = [model_id]
        dated = _DATED.match(model_id)
        if dated:
            candidates.append(dated.group("base"))
        for candidate in candidates:
            if candidate in self.exact:
                return self.exact[candidate]
        for prefix, price in self.patterns:
            if model_id.startswith(prefix):
                return price
        return None

    def rows(self) -> list[tuple[str, Price]]:
        """Every entry, exact ids then patterns, for showing the table."""
        exact = sorted(self.exact.items())
        return [*exact, *((f"{prefix}*", price) for prefix, price in self.patterns)]


def default_prices() -> dict[str, Price]:
    """The built-in Claude prices, keyed by full model id."""
    return {
        f"anthropic/{model}": Price(cost_in, cost_out, PRICES_SOURCE)
        for model, (cost_in, cost_out) in DEFAULT_CLAUDE_PRICES.items()
    }


def parse_price_lines(lines: Iterable[str], origin: str) -> dict[str, Price]:
    """Entries of a price table file; `PriceTableError` names `origin`, the line and the fault."""
    entries: dict[str, Price] = {}
    for number, raw in enumerate(lines, start=1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        where = f"{origin} line {number}"
        parts = text.split()
        if len(parts) != 3:
            raise PriceTableError(
                f"{where}: {raw.strip()!r}: expected 'MODEL INPUT_PER_MTOK OUTPUT_PER_MTOK'"
                f" (3 fields), got {len(parts)}"
            )
        model, cost_in, cost_out = parts
        if "/" not in model.rstrip("*"):
            raise PriceTableError(
                f"{where}: {model!r} is not a model id: expected provider/model,"
                " e.g. anthropic/claude-sonnet-5-5"
            )
        if "*" in model[:-1]:
            raise PriceTableError(f"{where}: {model!r}: '*' is allowed only at the end")
        prices = []
        for label, value in (("input", cost_in), ("output", cost_out)):
            if not _NUMBER.match(value) or not math.isfinite(float(value)):
                raise PriceTableError(
                    f"{where}: {label} price {value!r} is not a non-negative number"
                    " (US dollars per million tokens)"
                )
            prices.append(float(value))
        if model in entries:
            raise PriceTableError(f"{where}: {model} is priced twice in this file")
        entries[model] = Price(prices[0], prices[1], f"{origin} line {number}")
    return entries


def load_price_table(path: str | None) -> PriceTable:
    """The defaults, overridden and extended by the file at `path` (when given)."""
    entries = default_prices()
    if path:
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PriceTableError(f"{path}: cannot read the price table: {exc}") from None
        entries.update(parse_price_lines(text.splitlines(), str(path)))
    return PriceTable(entries)
