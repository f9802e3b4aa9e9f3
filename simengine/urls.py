"""The project's URLs: the console's pages, the admin, the API, and the favicon."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from simengine import views
from simengine.web.login import ThrottledAdminAuthenticationForm, ThrottledLoginView

admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", views.home, name="home"),
    # Pages without our <link rel="icon"> (admin, API browser) make browsers ask for this.
    path("favicon.ico", views.favicon, name="favicon"),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("scenarios/", include("scenarios_app.urls")),
    path("", include("runs_app.urls")),
    path("api/", include("simengine.api_urls")),
]
