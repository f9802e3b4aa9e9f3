"""The diff of two prompts: the stable prefix they share, then what changed (difflib).

A model server reuses its cache only for an identical leading prefix, so the first thing
to see when comparing one agent's prompts at two ticks is how much of the start stayed
byte-identical; the rest is shown as a line diff.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


def prompt_text(system: str, messages: Sequence[Mapping[str, str]]) -> str:
    """A call's whole prompt as one text: the system prompt, then each message by role."""
    parts = [f"[system]\n{system}"] if system else []
    parts += [f"[{m.get('role', '?')}]\n{m.get('content', '')}" for m in messages]
    return "\n\n".join(parts)


@dataclass(frozen=True)
class DiffLine:
    """One line of the changed part: `op` is " " (same), "-" (only in A), "+" (only in B)."""

    op: str
    text: str


@dataclass(frozen=True)
class PromptDiff:
    """How prompt B differs from prompt A."""

    prefix_chars: int  # leading characters identical in both
    a_chars: int
    b_chars: int
    prefix: str
    lines: list[DiffLine] = field(default_factory=list)
    added: int = 0
    removed: int = 0

    @property
    def identical(self) -> bool:
        """Both prompts are the same text."""
        return self.prefix_chars == self.a_chars == self.b_chars

    @property
    def stable_share(self) -> float:
        """The stable prefix as a share of the longer prompt (1.0 when identical)."""
        longest = max(self.a_chars, self.b_chars)
        return 1.0 if longest == 0 else self.prefix_chars / longest

    @property
    def stable_percent(self) -> int:
        """`stable_share` in whole percent."""
        return round(100 * self.stable_share)

    def to_json(self) -> dict[str, object]:
        """JSON for the API."""
        return {
            "identical": self.identical,
            "prefix_chars": self.prefix_chars,
            "a_chars": self.a_chars,
            "b_chars": self.b_chars,
            "stable_share": round(self.stable_share, 4),
            "prefix": self.prefix,
            "added_lines": self.added,
            "removed_lines": self.removed,
            "lines": [{"op": line.op, "text": line.text} for line in self.lines],
        }


def diff_prompts(a: str, b: str, *, context: int = 2) -> PromptDiff:
    """The stable prefix of `a` and `b`, and a line diff of what follows it.

    The diff starts at the beginning of the line where the texts part, so the first
    changed line is shown whole; unchanged runs longer than `2 * context` lines are cut to
    `context` lines either side, with a `...` marker.
    """
    prefix_chars = len(os.path.commonprefix([a, b]))
    cut = a.rfind("\n", 0, prefix_chars) + 1  # start of the line where they part
    rest_a, rest_b = a[cut:].splitlines(), b[cut:].splitlines()
    lines: list[DiffLine] = []
    added = removed = 0
    matcher = difflib.SequenceMatcher(a=rest_a, b=rest_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            same = rest_a[i1:i2]
            if len(same) > 2 * context + 1:
                lines += [DiffLine(" ", t) for t in same[:context]]
                lines.append(DiffLine("...", f"{len(same) - 2 * context} unchanged lines"))
                lines += [DiffLine(" ", t) for t in same[-context:]]
            else:
                lines += [DiffLine(" ", t) for t in same]
            continue
        lines += [DiffLine("-", t) for t in rest_a[i1:i2]]
        lines += [DiffLine("+", t) for t in rest_b[j1:j2]]
        removed += i2 - i1
        added += j2 - j1
    return PromptDiff(prefix_chars, len(a), len(b), a[:prefix_chars], lines, added, removed)
