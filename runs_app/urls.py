from django.urls import path

from runs_app import views

app_name = "runs"

urlpatterns = [
    path("runs/", views.run_list_page, name="list"),
    path("batches/", views.batch_list_page, name="batches"),
]
