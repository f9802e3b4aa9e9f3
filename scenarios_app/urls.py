from django.urls import path

from scenarios_app import views

app_name = "scenarios"

urlpatterns = [
    path("", views.scenario_list_page, name="list"),
]
