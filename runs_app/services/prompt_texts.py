"""Stores the prompts of calls made together: each distinct text once (`runs_app.prompts`).

A call's system prompt is looked up (or inserted) by digest. Its messages are packed
against a base: the messages of the same agent's call for the same purpose at most
`KEYFRAME_TICKS` ticks earlier in this process (else its own, which becomes the next
calls' base). Bases are only a preset dictionary, so whichever one a process picks, each
call reads back exactly as it was sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from runs_app.models import PromptText
from runs_app.prompts import messages_text, pack_messages, text_digest
from simengine.core.decision import LLMCallRecord

KEYFRAME_TICKS = 10
# Past this many entries a cache starts afresh (a worker serves runs one after another).
_CACHE_LIMIT = 4096


class _Base(NamedTuple):
    step: int
    text: str
    digest: bytes


_bases: dict[tuple[int, str, str], _Base] = {}
_digests: dict[str, bytes] = {}


def stored_prompts(
    run_id: int, step: int, calls: Sequence[LLMCallRecord], agents: Sequence[str]
) -> list[dict[str, Any]]:
    """Each call's prompt fields (`system_text_id`, `messages_base_id`, `messages_packed`).

    `agents` are the calls' agent names. Texts not stored yet are inserted.
    """
    texts: dict[bytes, str] = {}
    planned: list[tuple[bytes | None, bytes, bytes]] = []
    for call, agent in zip(calls, agents, strict=True):
        system = call.system or ""
        system_digest = _digest(system) if system else None
        if system_digest is not None:
            texts[system_digest] = system
        text = messages_text(call.messages)
        base = _base(run_id, agent, call.purpose, step, text)
        texts[base.digest] = base.text
        planned.append((system_digest, base.digest, pack_messages(text, base.text)))
    ids = stored_text_ids(texts)
    return [
        {
            "system_text_id": ids[system] if system is not None else None,
            "messages_base_id": ids[base],
            "messages_packed": packed,
        }
        for system, base, packed in planned
    ]


def stored_text_ids(texts: dict[bytes, str]) -> dict[bytes, int]:
    """The PromptText ids of `texts` (digest -> text), inserting the ones not stored yet."""
    if not texts:
        return {}
    ids = _ids_of(list(texts))
    missing = sorted(d for d in texts if d not in ids)
    if missing:
        # Sorted, so two ticks inserting the same new texts lock them in the same order.
        rows = [PromptText(digest=d, text=texts[d]) for d in missing]
        PromptText.objects.bulk_create(rows, ignore_conflicts=True)
        ids.update(_ids_of(missing))
    return ids


def _ids_of(digests: list[bytes]) -> dict[bytes, int]:
    rows = PromptText.objects.filter(digest__in=digests).values_list("digest", "id")
    return {bytes(digest): pk for digest, pk in rows}


def _digest(text: str) -> bytes:
    # The engine hands the same system prompt string every tick: a dict hit, no hashing.
    digest = _digests.get(text)
    if digest is None:
        if len(_digests) >= _CACHE_LIMIT:
            _digests.clear()
        digest = _digests[text] = text_digest(text)
    return digest


def _base(run_id: int, agent: str, purpose: str, step: int, text: str) -> _Base:
    key = (run_id, agent, purpose)
    base = _bases.get(key)
    if base is None or not 0 <= step - base.step < KEYFRAME_TICKS:
        if len(_bases) >= _CACHE_LIMIT:
            _bases.clear()
        base = _bases[key] = _Base(step, text, text_digest(text))
    return base
