"""A run's outcome (success, failure, max_ticks, stopped, error) and end detail, backfilled."""

from django.db import migrations, models

# A copy of runs_app.services.lifecycle's mapping as it was when this migration was written
# (migrations must not depend on code that may change later).
_BY_REASON = {
    "success": "success",
    "failure": "failure",
    "max_ticks": "max_ticks",
    "idle": "max_ticks",
    "no_active_agents": "stopped",
    "stopped": "stopped",
    "stopped by operator": "stopped",
}


def backfill(apps, schema_editor):
    Run = apps.get_model("runs_app", "Run")
    Step = apps.get_model("runs_app", "Step")
    Run.objects.filter(status="failed").update(outcome="error")
    Run.objects.filter(status="stopped").update(outcome="stopped")
    completed = Run.objects.filter(status="completed")
    for reason, outcome in _BY_REASON.items():
        completed.filter(end_reason=reason).update(outcome=outcome)
    completed.filter(outcome="").update(outcome="max_ticks")
    for run_id in completed.values_list("id", flat=True).iterator():
        last = Step.objects.filter(run_id=run_id).order_by("-index").first()
        detail = last.snapshot.get("end_detail") if last and isinstance(last.snapshot, dict) else ""
        if detail:
            Run.objects.filter(pk=run_id).update(end_detail=str(detail)[:300])


class Migration(migrations.Migration):
    dependencies = [("runs_app", "0003_llmcall_outcome_and_explorer_indexes")]

    operations = [
        migrations.AddField(
            model_name="run",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "—"),
                    ("success", "success"),
                    ("failure", "failure"),
                    ("max_ticks", "max ticks"),
                    ("stopped", "stopped by operator"),
                    ("error", "error"),
                ],
                db_index=True,
                default="",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="run",
            name="end_detail",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name="pendingcontrol",
            name="kind",
            field=models.CharField(
                choices=[
                    ("pause_agent", "Pause Agent"),
                    ("resume_agent", "Resume Agent"),
                    ("mute_agent", "Mute Agent"),
                    ("terminate_agent", "Terminate Agent"),
                    ("inject_message", "Inject Message"),
                    ("inject_command", "Inject Command"),
                    ("set_world_value", "Set World Value"),
                    ("trigger_event", "Trigger Event"),
                    ("set_emotion", "Set Emotion"),
                ],
                max_length=30,
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
