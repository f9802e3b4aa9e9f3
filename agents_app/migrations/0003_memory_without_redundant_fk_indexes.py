"""Memory records lose the indexes on agent alone and run alone: (agent, seq) and (run, tick) serve them."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agents_app", "0002_agent_memory"),
        ("runs_app", "0008_run_evaluation_due_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="agentmemory",
            name="agent",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="memories",
                to="agents_app.agent",
            ),
        ),
        migrations.AlterField(
            model_name="agentmemory",
            name="run",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="memories",
                to="runs_app.run",
            ),
        ),
    ]
