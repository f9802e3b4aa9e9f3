"""Admin pages for agent templates (editable with their scenario) and run agents (read-only)."""

from django.contrib import admin

from agents_app.models import Agent, AgentMemory, AgentTemplate
from simengine.web.admin import ReadOnlyAdmin


@admin.register(AgentTemplate)
class AgentTemplateAdmin(admin.ModelAdmin):
    """Agent templates by scenario version, kind and model, searchable by role and persona."""

    list_display = ("template_id", "scenario_version", "kind", "role", "count", "model")
    list_filter = ("kind", "model")
    search_fields = ("template_id", "role", "persona")


@admin.register(Agent)
class AgentAdmin(ReadOnlyAdmin):
    """A run's agents as the engine last committed them: viewable, never edited here."""

    list_display = ("name", "run", "kind", "role", "status", "model", "location", "tokens_in")
    list_filter = ("status", "kind", "model")
    search_fields = ("name", "role")
    raw_id_fields = ("run",)


@admin.register(AgentMemory)
class AgentMemoryAdmin(ReadOnlyAdmin):
    """Memory records are written by runs: the admin reads them."""

    list_display = ("agent", "run", "seq", "tick", "kind", "importance", "embedding_model")
    list_filter = ("kind", "embedding_model")
    search_fields = ("text", "agent__name")
    raw_id_fields = ("run", "agent")
    exclude = ("embedding",)
