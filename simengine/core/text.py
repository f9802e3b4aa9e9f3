"""Small text helpers shared by validation messages and rules text."""

from __future__ import annotations

from typing import Any


def describe_value(value: Any) -> str:
    """A short description of a wrong value for an error message (`got ...`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def format_number(value: float) -> str:
    """`3` for 3.0, `0.25` for 0.25: numbers as a person would write them."""
    return str(int(value)) if float(value).is_integer() else str(value)


_ATTEMPT_PREFIXES = ("answer: ", "repair: ", "invalid answer after one repair: ", "- ")


def problem_lines(*texts: str | None) -> list[str]:
    """Problems joined with "; " or newlines, one per line, each once.

    Attempts and errors carry them joined; the "answer:" / "repair:" prefixes are dropped.
    """
    lines: list[str] = []
    for text in texts:
        for part in (text or "").replace("\n", "; ").split("; "):
            line = part.strip()
            changed = True
            while changed:
                changed = False
                for prefix in _ATTEMPT_PREFIXES:
                    if line.startswith(prefix):
                        line, changed = line[len(prefix) :].strip(), True
            if line.endswith(":"):  # a heading such as "the scenario is invalid:"
                continue
            if line and line != "valid" and line not in lines:
                lines.append(line)
    return lines


def yaml_problem(exc: Exception) -> str:
    """A YAML syntax error as `line L, column C: problem`, without the parser's internals."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or "not valid YAML"
    if mark is None:
        return str(problem)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
