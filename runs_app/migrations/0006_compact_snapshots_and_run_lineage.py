"""Steps store their snapshot compactly (keyframes and deltas); runs record their lineage.

Existing steps become keyframes: the stored JSON, compressed (`simengine.core.snapshots`'s
keyframe format, copied here so this migration does not change when that module does).
"""

import json
import zlib

import django.db.models.deletion
from django.db import migrations, models

KEYFRAME = b"k"
CHUNK = 500


def _keyframe(snapshot):
    text = json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False).encode()
    return KEYFRAME + zlib.compress(text, 6)


def _flush_constraint_checks(schema_editor):
    """Run PostgreSQL's deferred FK checks now, so the ALTER TABLE that follows may run."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def compress(apps, schema_editor):
    Step = apps.get_model("runs_app", "Step")
    pending = []
    for step in Step.objects.only("id", "snapshot").iterator(chunk_size=CHUNK):
        step.snapshot_data = _keyframe(step.snapshot)
        pending.append(step)
        if len(pending) >= CHUNK:
            Step.objects.bulk_update(pending, ["snapshot_data"])
            pending = []
    if pending:
        Step.objects.bulk_update(pending, ["snapshot_data"])
    _flush_constraint_checks(schema_editor)


def expand(apps, schema_editor):
    from simengine.core.snapshots import decode_snapshot

    Step = apps.get_model("runs_app", "Step")
    runs = Step.objects.values_list("run_id", flat=True).distinct()
    for run_id in list(runs):
        previous = None
        rows = Step.objects.filter(run_id=run_id).order_by("index")
        for step in rows.only("id", "index", "snapshot_data").iterator(chunk_size=CHUNK):
            previous = decode_snapshot(step.snapshot_data, previous)
            Step.objects.filter(pk=step.pk).update(snapshot=previous)
    _flush_constraint_checks(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("runs_app", "0005_slice_lease")]

    operations = [
        migrations.AddField(
            model_name="step",
            name="snapshot_data",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="step",
            name="keyframe",
            field=models.BooleanField(default=True),
        ),
        migrations.AlterField(
            model_name="step",
            name="snapshot",
            field=models.JSONField(null=True),
        ),
        migrations.RunPython(compress, expand),
        migrations.RemoveField(model_name="step", name="snapshot"),
        migrations.AddField(
            model_name="run",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="forks",
                to="runs_app.run",
            ),
        ),
        migrations.AddField(
            model_name="run",
            name="fork_step",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
    ]
