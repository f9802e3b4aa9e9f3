"""The console's URLs: home, login, admin, the apps' pages, and the API under /api/."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from simengine import views
from simengine.web.login import ThrottledAdminAuthenticationForm, ThrottledLoginView

admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("scenarios/", include("scenarios_app.urls")),
    path("", include("runs_app.urls")),
    path("api/", include("simengine.api_urls")),
]
