"""Each distinct prompt text once: calls refer to their system prompt and pack their messages.

Existing calls are carried forward (and back): the system prompt becomes a `PromptText`
row, the messages are packed against the same agent's messages at most 10 ticks before
(`runs_app.prompts`). The index on `run` alone goes: (run, step) serves it.
"""

import django.db.models.deletion
from django.db import migrations, models

from runs_app.prompts import messages_text, pack_messages, text_digest, unpack_messages

CHUNK = 500
KEYFRAME_TICKS = 10


def _text_ids(PromptText, texts: dict[bytes, str]) -> dict[bytes, int]:
    def ids_of(digests):
        rows = PromptText.objects.filter(digest__in=digests).values_list("digest", "id")
        return {bytes(d): pk for d, pk in rows}

    ids = ids_of(list(texts))
    missing = sorted(d for d in texts if d not in ids)
    if missing:
        PromptText.objects.bulk_create(
            [PromptText(digest=d, text=texts[d]) for d in missing], ignore_conflicts=True
        )
        ids.update(ids_of(missing))
    return ids


def pack(apps, schema_editor):
    LLMCall = apps.get_model("runs_app", "LLMCall")
    PromptText = apps.get_model("runs_app", "PromptText")
    calls = LLMCall.objects.order_by("run_id", "agent", "purpose", "step", "id")
    bases: dict[tuple, tuple[int, str, bytes]] = {}
    batch: list = []

    def flush():
        texts = {}
        for _call, system, base in batch:
            if system:
                texts[text_digest(system)] = system
            texts[base[2]] = base[1]
        ids = _text_ids(PromptText, texts)
        for call, system, base in batch:
            call.system_text_id = ids[text_digest(system)] if system else None
            call.messages_base_id = ids[base[2]]
        LLMCall.objects.bulk_update(
            [c for c, _, _ in batch], ["system_text", "messages_base", "messages_packed"]
        )
        batch.clear()

    for call in calls.only(
        "id", "run_id", "agent", "purpose", "step", "system", "messages"
    ).iterator(chunk_size=CHUNK):
        text = messages_text(call.messages)
        key = (call.run_id, call.agent, call.purpose)
        base = bases.get(key)
        if base is None or not 0 <= call.step - base[0] < KEYFRAME_TICKS:
            base = bases[key] = (call.step, text, text_digest(text))
        call.messages_packed = pack_messages(text, base[1])
        batch.append((call, call.system, base))
        if len(batch) >= CHUNK:
            flush()
    if batch:
        flush()


def unpack(apps, schema_editor):
    LLMCall = apps.get_model("runs_app", "LLMCall")
    calls = LLMCall.objects.select_related("system_text", "messages_base").order_by("id")
    batch: list = []
    for call in calls.iterator(chunk_size=CHUNK):
        call.system = call.system_text.text if call.system_text_id else ""
        base = call.messages_base.text if call.messages_base_id else ""
        call.messages = unpack_messages(call.messages_packed, base)
        batch.append(call)
        if len(batch) >= CHUNK:
            LLMCall.objects.bulk_update(batch, ["system", "messages"])
            batch.clear()
    if batch:
        LLMCall.objects.bulk_update(batch, ["system", "messages"])


class Migration(migrations.Migration):
    dependencies = [
        ("runs_app", "0008_run_evaluation_due_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="PromptText",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.BinaryField(max_length=32, unique=True)),
                ("text", models.TextField()),
            ],
        ),
        migrations.AddField(
            model_name="llmcall",
            name="messages_packed",
            field=models.BinaryField(blank=True, default=b""),
        ),
        migrations.AddField(
            model_name="llmcall",
            name="messages_base",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="runs_app.prompttext",
            ),
        ),
        migrations.AddField(
            model_name="llmcall",
            name="system_text",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="runs_app.prompttext",
            ),
        ),
        migrations.RunPython(pack, unpack),
        migrations.RemoveField(model_name="llmcall", name="messages"),
        migrations.RemoveField(model_name="llmcall", name="system"),
        migrations.AlterField(
            model_name="llmcall",
            name="run",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="llm_calls",
                to="runs_app.run",
            ),
        ),
    ]
