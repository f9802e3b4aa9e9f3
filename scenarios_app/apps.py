"""The scenarios app's configuration; importing it registers the model providers."""

from django.apps import AppConfig

import simengine.llm  # noqa: F401  # registers the model providers that scenario validation accepts


class ScenariosAppConfig(AppConfig):
    """Scenarios and their versions."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "scenarios_app"

    def ready(self) -> None:
        """Install the scenario limits from the settings (README "Limits")."""
        from django.conf import settings

        from simengine.core.spec.limits import SpecLimits, set_spec_limits

        set_spec_limits(
            SpecLimits(
                max_bytes=settings.SIMENGINE_MAX_SCENARIO_BYTES,
                max_agents=settings.SIMENGINE_MAX_AGENTS,
            )
        )
