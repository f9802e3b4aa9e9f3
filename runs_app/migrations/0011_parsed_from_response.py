"""A call's parsed answer is not stored again when its response text parses to it.

The column keeps its name (`parsed`); existing calls whose response parses exactly to
their parsed answer get it set to NULL and `parsed_is_response` (and back).
"""

from django.db import migrations, models

from runs_app.prompts import answer_fields, parsed_response

CHUNK = 1000


def _rewrite(calls, change) -> None:
    LLMCall = calls.model
    batch = []
    fields = ["parsed_stored", "parsed_is_response"]
    for call in (
        calls.only("id", "response_text", *fields).order_by("id").iterator(chunk_size=CHUNK)
    ):
        change(call)
        batch.append(call)
        if len(batch) >= CHUNK:
            LLMCall.objects.bulk_update(batch, fields)
            batch.clear()
    if batch:
        LLMCall.objects.bulk_update(batch, fields)


def leave_out(apps, schema_editor):
    LLMCall = apps.get_model("runs_app", "LLMCall")

    def change(call):
        for name, value in answer_fields(call.response_text, call.parsed_stored).items():
            setattr(call, name, value)

    _rewrite(LLMCall.objects.filter(parsed_stored__isnull=False), change)


def put_back(apps, schema_editor):
    LLMCall = apps.get_model("runs_app", "LLMCall")

    def change(call):
        call.parsed_stored = parsed_response(call.response_text)
        call.parsed_is_response = False

    _rewrite(LLMCall.objects.filter(parsed_is_response=True), change)


class Migration(migrations.Migration):
    dependencies = [
        ("runs_app", "0010_packed_event_data"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(
                    model_name="llmcall", old_name="parsed", new_name="parsed_stored"
                ),
                migrations.AlterField(
                    model_name="llmcall",
                    name="parsed_stored",
                    field=models.JSONField(blank=True, db_column="parsed", null=True),
                ),
            ]
        ),
        migrations.AddField(
            model_name="llmcall",
            name="parsed_is_response",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunPython(leave_out, put_back),
    ]
