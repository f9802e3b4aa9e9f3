"""How event data is stored: a list of same-shaped records as one JSON text of values.

A `MemoriesRecalled` event lists the records an agent recalled for its decision, five
records of seven fields at every decision: about 870 bytes as a jsonb array of objects,
about 300 as the keys once and the values row by row in one JSON string. Reading expands
it back, each record's keys in the order jsonb returns them, so every reader (API, MCP,
console, trace export) sees the same data as before.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from runs_app.jsonb import jsonb_key

# Event type -> the one key of its data holding a list of same-shaped records.
PACKED_LISTS = {"MemoriesRecalled": "memories"}
_MARK = "~"
_SCALARS = (str, int, float, bool, type(None))


def pack_event_data(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` as stored: packed when `kind` lists records that all share one flat shape."""
    key = PACKED_LISTS.get(kind)
    if key is None or list(data) != [key]:
        return data
    records = data[key]
    if not isinstance(records, list) or not records or not isinstance(records[0], dict):
        return data
    keys = list(records[0])
    rows: list[list[Any]] = [keys]
    for record in records:
        if not isinstance(record, dict) or list(record) != keys:
            return data
        values = list(record.values())
        if not all(isinstance(v, _SCALARS) for v in values):
            return data
        rows.append(values)
    return {_MARK + key: json.dumps(rows, ensure_ascii=False, separators=(",", ":"))}


def unpack_event_data(data: Any) -> Any:
    """Stored event data as it was given to `pack_event_data` (other data unchanged)."""
    if not isinstance(data, dict) or len(data) != 1:
        return data
    ((name, packed),) = data.items()
    if not (name.startswith(_MARK) and isinstance(packed, str)):
        return data
    keys, *rows = json.loads(packed)
    # In jsonb's order: what readers got before.
    order = sorted(range(len(keys)), key=lambda i: jsonb_key(keys[i]))
    return {name[len(_MARK) :]: [{keys[i]: row[i] for i in order} for row in rows]}


class EventDataField(models.JSONField):
    """A JSONField whose packed lists (`pack_event_data`) read back expanded."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        """The stored JSON, packed lists expanded."""
        return unpack_event_data(super().from_db_value(value, expression, connection))
