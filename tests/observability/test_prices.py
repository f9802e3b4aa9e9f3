"""The price table: Claude defaults, operator overrides, and a bad line refused by number."""

from __future__ import annotations

import pytest

from simengine.llm.prices import (
    PriceTableError,
    default_prices,
    load_price_table,
    parse_price_lines,
)
from tests.foundation.test_settings import run_manage


def test_claude_defaults_price_dated_ids_and_leave_unknown_models_unpriced():
    table = load_price_table(None)
    haiku = table.lookup("anthropic/claude-haiku-4-5")
    assert haiku is not None and (haiku.input_per_mtok, haiku.output_per_mtok) == (1.0, 5.0)
    assert table.lookup("anthropic/claude-haiku-4-5-20251001") == haiku
    assert haiku.cost(1_000_000, 200_000) == pytest.approx(2.0)
    assert table.lookup("anthropic/claude-unknown-9") is None
    assert table.lookup("ollama/llama3.2") is None
    assert all(
        price.source.startswith("Anthropic published API prices")
        for price in default_prices().values()
    )


def test_an_operator_file_overrides_and_extends_the_defaults(tmp_path):
    path = tmp_path / "prices.txt"
    path.write_text(
        "# local overrides\n"
        "anthropic/claude-haiku-4-5   0.5  2.5   # negotiated\n"
        "\n"
        "openai/*                     0.2  0.8\n"
        "openai/gpt-6-mini            0.1  0.4\n",
        encoding="utf-8",
    )
    table = load_price_table(str(path))
    haiku = table.lookup("anthropic/claude-haiku-4-5")
    assert haiku is not None and haiku.input_per_mtok == 0.5
    assert haiku.source == f"{path} line 2"
    mini, other = table.lookup("openai/gpt-6-mini"), table.lookup("openai/gpt-6")
    assert mini is not None and mini.output_per_mtok == 0.4
    assert other is not None and other.source == f"{path} line 4"
    sonnet = table.lookup("anthropic/claude-sonnet-4-5")
    assert sonnet is not None and sonnet.input_per_mtok == 3.0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "anthropic/claude-haiku-4-5 one 5",
            "prices.txt line 3: input price 'one' is not a non-negative number",
        ),
        (
            "anthropic/claude-haiku-4-5 1 -5",
            "prices.txt line 3: output price '-5' is not a non-negative number",
        ),
        ("anthropic/claude-haiku-4-5 1", "prices.txt line 3: 'anthropic/claude-haiku-4-5 1': "),
        ("claude-haiku-4-5 1 5", "prices.txt line 3: 'claude-haiku-4-5' is not a model id"),
        ("open*ai/x 1 5", "prices.txt line 3: 'open*ai/x': '*' is allowed only at the end"),
        ("ollama/a 1 1", "prices.txt line 3: ollama/a is priced twice in this file"),
    ],
)
def test_a_bad_line_is_refused_naming_the_file_and_line(line, message):
    lines = ["# prices", "ollama/a 0 0", line]
    with pytest.raises(PriceTableError) as caught:
        parse_price_lines(lines, "prices.txt")
    assert str(caught.value).startswith(message)


def test_start_up_is_refused_with_the_bad_line(tmp_path):
    path = tmp_path / "prices.txt"
    path.write_text("anthropic/claude-haiku-4-5 1 5\nanthropic/claude-sonnet-4-5 3 lots\n")
    result = run_manage("check", env={"SIMENGINE_PRICES": str(path)})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"simengine configuration error: SIMENGINE_PRICES: {path} line 2: output price 'lots' "
        "is not a non-negative number (US dollars per million tokens)"
    )
    missing = run_manage("check", env={"SIMENGINE_PRICES": str(tmp_path / "none.txt")})
    assert missing.returncode == 2
    assert (
        "SIMENGINE_PRICES: " in missing.stderr and "cannot read the price table" in missing.stderr
    )
