"""How a call's prompt is stored: each distinct text once, the messages as a small delta.

A system prompt is the same at every tick of an agent, and an agent's user prompt shares
most of its text with the one a few ticks before. `PromptText` rows hold each distinct
text once (keyed by its SHA-256); a call refers to its system prompt's row and stores its
messages (as JSON text) deflated with a base text as the preset dictionary: an earlier
prompt of the same agent, or itself (then the packed bytes are empty). Reading a call needs
its row and at most two `PromptText` rows, never a chain of other calls.

The parsed answer is not stored again when it is exactly the response text parsed (as for
every offline decision): it is parsed from the response on reading (`answer_fields`).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from runs_app.jsonb import jsonb_ordered

# deflate with a 16 KiB window and a smaller hash table: a prompt fits the window with its
# base, and the compressor is set up in about half the time of zlib's defaults. Level 3
# packs an offline decision's messages in 285 bytes (level 6: 254) in two thirds the time.
_LEVEL = 3
_WBITS = 14
_MEM_LEVEL = 6


def text_digest(text: str) -> bytes:
    """The key of a stored prompt text: SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode()).digest()


def messages_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The JSON text a call's messages are stored as."""
    return json.dumps(list(messages), ensure_ascii=False)


def pack_messages(text: str, base: str) -> bytes:
    """`text` deflated with `base` as the dictionary; empty when they are equal."""
    if text == base:
        return b""
    if base:
        compressor = zlib.compressobj(
            _LEVEL, zlib.DEFLATED, _WBITS, _MEM_LEVEL, zdict=base.encode()
        )
    else:
        compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, _WBITS, _MEM_LEVEL)
    return compressor.compress(text.encode()) + compressor.flush()


def unpack_messages(packed: bytes | memoryview, base: str) -> list[dict[str, Any]]:
    """The messages `pack_messages` stored against `base`."""
    if not packed:
        return json.loads(base) if base else []
    decompressor = zlib.decompressobj(zdict=base.encode()) if base else zlib.decompressobj()
    return json.loads(decompressor.decompress(bytes(packed)) + decompressor.flush())


def answer_fields(response_text: str, parsed: Any) -> dict[str, Any]:
    """How a call's parsed answer is stored: NULL and a flag when the response parses to it."""
    if isinstance(parsed, dict) and (
        # The offline policy's (and many providers') response is json.dumps of the answer.
        json.dumps(parsed) == response_text or _same_json(_loads(response_text), parsed)
    ):
        return {"parsed_stored": None, "parsed_is_response": True}
    return {"parsed_stored": parsed, "parsed_is_response": False}


def parsed_response(response_text: str) -> Any:
    """The parsed answer `answer_fields` left out, keys in the order jsonb gave them."""
    return jsonb_ordered(json.loads(response_text))


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _same_json(a: Any, b: Any) -> bool:
    # Compared as JSON text: in Python True == 1 == 1.0, but they are different JSON.
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
