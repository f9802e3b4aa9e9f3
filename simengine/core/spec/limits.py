"""Size limits on scenario documents, checked before any validation work is spent on them.

A scenario is read from untrusted text (uploads, the API, the designer), so its size, its
nesting, the number of values in it, the magnitude of its numbers and the number of agents
it expands into are all bounded. Every breach is a `path: message` line like the other
validation errors. The limits are process-wide: the Django settings install the values
taken from the environment (`set_spec_limits`), the core alone uses the defaults.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SpecLimits:
    """The bounds a scenario document must keep (defaults suit an interactive console)."""

    max_bytes: int = 1024 * 1024
    """Largest scenario file or text, in UTF-8 bytes (env SIMENGINE_MAX_SCENARIO_BYTES)."""
    max_agents: int = 1000
    """Most agents all templates together may expand into (env SIMENGINE_MAX_AGENTS)."""
    max_depth: int = 32
    """Deepest nesting of mappings and lists."""
    max_values: int = 200_000
    """Most values (mapping keys, items and scalars) in one document."""
    max_number: int = 10**15
    """Largest magnitude of any number."""


_limits = SpecLimits()


def spec_limits() -> SpecLimits:
    """The limits in force in this process."""
    return _limits


def set_spec_limits(limits: SpecLimits) -> None:
    """Install the limits for this process (called once at start-up from the settings)."""
    global _limits
    _limits = limits


class OversizedNumber:
    """A number written with too many digits to convert: kept as text so it can be reported."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"OversizedNumber({len(self.text)} characters)"


def too_many_digits(text: str, limits: SpecLimits) -> bool:
    """Whether the written integer `text` has more digits than any number within the limit."""
    digits = sum(ch.isdigit() for ch in text)
    return digits > len(str(limits.max_number)) + 1


def check_text_size(text: str, limits: SpecLimits) -> list[str]:
    """An error line when `text` is larger than `limits.max_bytes` in UTF-8."""
    if len(text) <= limits.max_bytes // 4:  # at most 4 bytes per character: no need to encode
        return []
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size <= limits.max_bytes:
        return []
    return [too_large_line(limits)]


def too_large_line(limits: SpecLimits) -> str:
    """The error line of a scenario over the size limit."""
    return (
        f"(document): the scenario is larger than the limit of {_size(limits.max_bytes)}"
        " (SIMENGINE_MAX_SCENARIO_BYTES)"
    )


@dataclass(frozen=True)
class DocumentProblems:
    """What `check_document` found: the error lines, and the paths of bad numbers."""

    errors: list[str]
    number_paths: list[str]
    fatal: bool
    """True when the document is too deep or too large to validate any further."""


def check_document(data: Any, limits: SpecLimits) -> DocumentProblems:
    """Depth, value count and number sizes of a parsed document, without recursion."""
    errors: list[str] = []
    number_paths: list[str] = []
    count = 0
    too_deep: str | None = None
    for path, value, depth in _walk(data, limits.max_depth):
        count += 1
        if count > limits.max_values:
            errors.append(f"(document): more than {limits.max_values:,} values in one scenario")
            return DocumentProblems(errors, number_paths, fatal=True)
        if depth > limits.max_depth:
            too_deep = too_deep or path
            continue
        problem = _number_problem(value, limits)
        if problem:
            errors.append(f"{path or '(root)'}: {problem}")
            number_paths.append(path)
    if too_deep is not None:
        errors.insert(0, f"{too_deep}: nested deeper than {limits.max_depth} levels")
        return DocumentProblems(errors, number_paths, fatal=True)
    return DocumentProblems(errors, number_paths, fatal=False)


def _walk(data: Any, max_depth: int) -> Iterator[tuple[str, Any, int]]:
    """(path, value, depth) of every value in document order, not below `max_depth` + 1."""
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        yield path, value, depth
        if depth > max_depth:
            continue
        if isinstance(value, dict):
            children = [
                (f"{path}.{key}" if path else str(key), item, depth + 1)
                for key, item in value.items()
            ]
            stack.extend(reversed(children))
        elif isinstance(value, list | tuple):
            stack.extend(
                (f"{path}[{i}]", item, depth + 1) for i, item in reversed(list(enumerate(value)))
            )


def _number_problem(value: Any, limits: SpecLimits) -> str:
    bound = f"numbers must lie between -{_power(limits.max_number)} and {_power(limits.max_number)}"
    if isinstance(value, OversizedNumber):
        shown = value.text if len(value.text) <= 40 else f"a number of {len(value.text):,} digits"
        return f"{shown} is out of range: {bound}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a finite number"
    if abs(value) > limits.max_number:
        if isinstance(value, float):
            shown = f"{value:g}"
        elif value.bit_length() <= 128:
            shown = str(value)
        else:  # str() of a huge int is slow, and refused beyond 4,300 digits
            shown = f"a number of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
        return f"{shown} is out of range: {bound}"
    return ""


def _power(bound: int) -> str:
    exponent = round(math.log10(bound)) if bound > 0 else 0
    return f"10^{exponent}" if 10**exponent == bound else f"{bound:,}"


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB ({size:,} bytes)"
    if size >= 1024:
        return f"{size / 1024:.1f} KiB ({size:,} bytes)"
    return f"{size:,} bytes"


def drop_lines_under(errors: list[str], paths: list[str]) -> list[str]:
    """`errors` without the lines about `paths` or anything inside them (already reported)."""
    if not paths:
        return errors
    prefixes = tuple(paths)
    kept = []
    for line in errors:
        where = line.partition(": ")[0]
        if where in prefixes or where.startswith(
            tuple(p + sep for p in prefixes for sep in (".", "["))
        ):
            continue
        kept.append(line)
    return kept


def blank_paths(data: Any, paths: list[str]) -> Any:
    """A copy of `data` with the values at `paths` replaced by None (bad numbers)."""
    if not paths:
        return data
    wanted = set(paths)

    def copy(value: Any, path: str) -> Any:
        if path in wanted:
            return None
        if isinstance(value, dict):
            return {k: copy(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [copy(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return value

    return copy(data, "")
