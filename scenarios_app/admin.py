"""Admin pages for scenarios and their read-only versions."""

from django.contrib import admin

from scenarios_app.models import Scenario, ScenarioShare, ScenarioVersion


class ScenarioVersionInline(admin.TabularInline):
    """A scenario's versions, read-only, inside its admin page."""

    model = ScenarioVersion
    fields = ("number", "note", "created_by", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    """Scenarios with their versions inline."""

    list_display = ("name", "is_draft", "owner", "created_by", "created_at", "updated_at")
    list_filter = ("is_draft", "created_at")
    search_fields = ("name", "description")
    inlines = [ScenarioVersionInline]


@admin.register(ScenarioShare)
class ScenarioShareAdmin(admin.ModelAdmin):
    """Which group may read or edit which scenario (`simengine.web.access`)."""

    list_display = ("scenario", "group", "level")
    list_filter = ("level", "group")


@admin.register(ScenarioVersion)
class ScenarioVersionAdmin(admin.ModelAdmin):
    """Scenario versions, which the admin may view but never change (they are immutable)."""

    list_display = ("scenario", "number", "source_format", "note", "created_by", "created_at")
    list_filter = ("source_format", "created_at", "scenario")
    search_fields = ("scenario__name", "note")

    def has_change_permission(self, request, obj=None) -> bool:
        return False
