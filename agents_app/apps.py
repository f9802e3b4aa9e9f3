"""The agents app's configuration."""

from django.apps import AppConfig


class AgentsAppConfig(AppConfig):
    """Agent templates and run agents."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "agents_app"
