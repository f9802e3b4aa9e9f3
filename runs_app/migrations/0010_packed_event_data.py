"""Recalled-memory lists of events stored packed (`runs_app.event_data`), existing ones too.

The index on `run` alone goes: (run, step) serves it.
"""

import django.db.models.deletion
from django.db import migrations, models

import runs_app.event_data
from runs_app.event_data import PACKED_LISTS, pack_event_data

CHUNK = 1000
PACKED_KEYS = [f"~{key}" for key in PACKED_LISTS.values()]


def _rewrite(events, change) -> None:
    Event = events.model
    batch = []
    for event in events.only("id", "type", "data").order_by("id").iterator(chunk_size=CHUNK):
        event.data = change(event)
        batch.append(event)
        if len(batch) >= CHUNK:
            Event.objects.bulk_update(batch, ["data"])
            batch.clear()
    if batch:
        Event.objects.bulk_update(batch, ["data"])


def pack(apps, schema_editor):
    Event = apps.get_model("runs_app", "Event")
    events = Event.objects.filter(type__in=list(PACKED_LISTS))
    _rewrite(events, lambda e: pack_event_data(e.type, e.data))


def unpack(apps, schema_editor):
    Event = apps.get_model("runs_app", "Event")
    events = Event.objects.filter(type__in=list(PACKED_LISTS), data__has_any_keys=PACKED_KEYS)
    # Reading unpacks (EventDataField); writing a plain dict stores it as it is.
    _rewrite(events, lambda e: e.data)


class Migration(migrations.Migration):
    dependencies = [
        ("runs_app", "0009_prompt_texts_once"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="data",
            field=runs_app.event_data.EventDataField(default=dict),
        ),
        migrations.RunPython(pack, unpack),
        migrations.AlterField(
            model_name="event",
            name="run",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="runs_app.run",
            ),
        ),
    ]
