"""The scenarios app's configuration; importing it registers the model providers."""

from django.apps import AppConfig

import simengine.llm  # noqa: F401  # registers the model providers that scenario validation accepts


class ScenariosAppConfig(AppConfig):
    """Scenarios and their versions."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "scenarios_app"
