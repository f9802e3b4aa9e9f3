import pytest
from django.contrib import admin
from django.urls import reverse

from scenarios_app.models import Scenario, ScenarioVersion

pytestmark = pytest.mark.django_db


def make_scenario(name: str, owner=None) -> Scenario:
    scenario = Scenario.objects.create(name=name, description=f"{name} description", owner=owner)
    ScenarioVersion.objects.create(scenario=scenario, number=1, spec={"name": name})
    return scenario


def test_home_redirects_anonymous_visitor_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


@pytest.mark.parametrize("url", ["/scenarios/", "/runs/", "/batches/"])
def test_every_console_page_requires_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_renders_a_form_with_csrf(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


def test_logging_in_leads_to_home_listing_scenarios(client, django_user_model):
    ana = django_user_model.objects.create_user("ana", password="s3cret-pass-word")
    make_scenario("Riverside flood", owner=ana)
    response = client.post(
        reverse("login"), {"username": "ana", "password": "s3cret-pass-word"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"Riverside flood" in response.content


def test_navigation_links_every_section(admin_client):
    content = admin_client.get("/").content.decode()
    for label, url in [
        ("Home", "/"),
        ("Scenarios", "/scenarios/"),
        ("Runs", "/runs/"),
        ("Batches", "/batches/"),
        ("Admin", "/admin/"),
    ]:
        assert f'href="{url}">{label}</a>' in content


def test_pages_load_htmx_and_css_from_our_own_static_files(admin_client):
    content = admin_client.get("/").content.decode()
    assert 'src="/static/django_htmx/htmx-2.min.js"' in content
    assert 'href="/static/vendor/bootstrap-5.3.8/bootstrap.min.css"' in content
    assert "https://" not in content.split("<body")[0]


@pytest.mark.parametrize(
    "path",
    [
        "/static/django_htmx/htmx-2.min.js",
        "/static/vendor/bootstrap-5.3.8/bootstrap.min.css",
        "/static/vendor/chartjs-4.5.1/chart.umd.min.js",
    ],
)
def test_vendored_assets_are_served(client, path):
    response = client.get(path)
    assert response.status_code == 200


def test_admin_lists_every_model_with_its_changelist(admin_client):
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url


def test_admin_registers_every_project_model():
    from django.apps import apps

    project_models = [
        model
        for app in ("scenarios_app", "agents_app", "runs_app")
        for model in apps.get_app_config(app).get_models()
    ]
    missing = [m.__name__ for m in project_models if m not in admin.site._registry]
    assert missing == []
