from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from agents_app.models import Agent, AgentTemplate


@admin.register(AgentTemplate)
class AgentTemplateAdmin(admin.ModelAdmin):
    list_display = ("template_id", "scenario_version", "kind", "role", "count", "model")
    list_filter = ("kind", "model")
    search_fields = ("template_id", "role", "persona")


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    """A run's agents as the engine last committed them: viewable, never edited here."""

    list_display = ("name", "run", "kind", "role", "status", "model", "location", "tokens_in")
    list_filter = ("status", "kind", "model")
    search_fields = ("name", "role")
    raw_id_fields = ("run",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
