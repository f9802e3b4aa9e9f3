"""The scenario pages: list, designer, design from a brief, import, versions, diff, export."""

from django.urls import path

from scenarios_app import design_views, views

app_name = "scenarios"

urlpatterns = [
    path("", views.scenario_list_page, name="list"),
    path("new/", views.scenario_designer, name="new"),
    path("design/", design_views.scenario_design_brief, name="design"),
    path("import/", views.scenario_import_view, name="import"),
    path("<int:pk>/", views.scenario_detail, name="detail"),
    path("<int:pk>/edit/", views.scenario_designer, name="edit"),
    path("<int:pk>/diff/", views.scenario_diff, name="diff"),
    path("<int:pk>/clone/", views.scenario_clone_view, name="clone"),
    path("<int:pk>/delete/", views.scenario_delete, name="delete"),
    path("<int:pk>/shares/", views.scenario_shares, name="shares"),
    path("<int:pk>/versions/<int:number>/", views.scenario_version_page, name="version"),
    path("<int:pk>/versions/<int:number>/export/", views.scenario_export_view, name="export"),
]
