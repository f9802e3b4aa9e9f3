"""Agent prompts rendered from the template files beside this module.

Order matters for Ollama's KV cache: the system prompt and the scenario prefix never change
across an agent's ticks, and everything that does change (memory, perception, inbox) comes
last. Other agents' messages enter as a JSON list inside a delimited block: quoted data.
So do the agent's memories (the recent window, the long-term memories retrieved for this
decision and the summary of older ones), which repeat other agents' words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template
from typing import Any

from simengine.core.decision import DecisionRequest, InboxMessage

from ..types import Message

NONE = "(none)"


@cache
def template(name: str) -> Template:
    """The template file `<name>.txt` of this package."""
    return Template(resources.files(__package__).joinpath(f"{name}.txt").read_text("utf-8"))


@dataclass(frozen=True)
class Prompt:
    """A rendered prompt: `system` and `prefix` are stable across ticks, `turn` is not."""

    system: str
    prefix: str
    turn: str

    @property
    def messages(self) -> tuple[Message, ...]:
        """One user message, the stable prefix first."""
        return ({"role": "user", "content": self.prefix + self.turn},)


def _json(value: Any, *, sort_keys: bool = False) -> str:
    """Compact one-line JSON: indentation would cost tokens on every call."""
    return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, separators=(", ", ": "))


def _bullets(items: tuple[str, ...] | list[str]) -> str:
    return "\n".join(f"- {item}" for item in items) if items else NONE


def quote_inbox(inbox: tuple[InboxMessage, ...]) -> str:
    """Messages as a JSON list, one per line: the text can never leave its string literal."""
    rows = [
        json.dumps(
            {"from": m.sender, "channel": m.channel, "tick": m.tick, "text": m.text},
            ensure_ascii=False,
        )
        for m in inbox
    ]
    body = "[\n" + ",\n".join(rows) + "\n]" if rows else "[]"
    return body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def quote_lines(lines: tuple[str, ...]) -> str:
    """Memory lines as a JSON list of strings, one per line, that no text can break out of.

    Besides JSON's own escaping, `<<<` and `>>>` inside a line are escaped, so a quoted
    line can never close (or open) a delimited block.
    """
    rows = [json.dumps(line, ensure_ascii=False) for line in lines]
    body = "[\n" + ",\n".join(rows) + "\n]" if rows else "[]"
    body = body.replace("<<<", "\\u003c\\u003c\\u003c").replace(">>>", "\\u003e\\u003e\\u003e")
    return body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def quote_text(text: str) -> str:
    """One text as a JSON string literal ("" stays ""), escaped like `quote_lines`.

    The memory summary's highlights repeat what agents did and were told: quoted data too.
    """
    if not text:
        return ""
    body = json.dumps(text, ensure_ascii=False)
    body = body.replace("<<<", "\\u003c\\u003c\\u003c").replace(">>>", "\\u003e\\u003e\\u003e")
    return body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def system_prompt(request: DecisionRequest) -> str:
    """Role, persona, scenario, world rules, action schema, output format and trust rules."""
    agent = request.agent
    return template("system").substitute(
        name=agent.name,
        role=agent.role,
        persona=agent.persona,
        scenario_name=request.scenario_name,
        scenario_description=request.scenario_description.strip() or NONE,
        world_kind=request.world_kind,
        rules=request.rules.strip() or NONE,
        schema=_json(request.action_schema, sort_keys=True),
    )


def scenario_prefix(request: DecisionRequest) -> str:
    """Goals and knowledge: the part of the user message fixed for the whole run."""
    return template("prefix").substitute(
        goals=_bullets(request.agent.goals), knowledge=_bullets(request.agent.knowledge)
    )


def turn_text(request: DecisionRequest) -> str:
    """Emotion, memory (recent and recalled), operator instructions, perception and inbox."""
    commands = request.operator_commands
    operator = template("operator").substitute(commands=_bullets(commands)) if commands else ""
    recalled = ""
    if request.recalled:
        recalled = template("recalled").substitute(
            recalled_count=len(request.recalled), recalled=quote_lines(request.recalled)
        )
    return template("turn").substitute(
        tick=request.tick,
        emotion=_json({k: round(v, 2) for k, v in request.emotion.items()}),
        memory_summary=quote_text(request.memory_summary.strip()) or NONE,
        recent_count=len(request.recent_memory),
        recent_memory=quote_lines(request.recent_memory),
        recalled_block=recalled,
        operator_block=operator,
        observation=_json(request.observation),
        inbox_count=len(request.inbox),
        inbox=quote_inbox(request.inbox),
    )


def build_prompt(request: DecisionRequest) -> Prompt:
    """The full prompt for one agent's decision at one tick."""
    return Prompt(system_prompt(request), scenario_prefix(request), turn_text(request))


def repair_prompt(error: str) -> str:
    """The follow-up that shows the model why its answer was rejected."""
    return template("repair").substitute(error=error)
