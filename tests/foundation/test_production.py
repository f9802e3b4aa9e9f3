"""The production configuration starts: collectstatic with the manifest, Daphne, TLS via a proxy.

Run as the README's production recipe says: `DJANGO_DEBUG=0`, a secret key, the allowed
hosts, `collectstatic` into its own folder, a real Daphne process, and requests shaped as
the TLS-terminating proxy sends them (`X-Forwarded-Proto: https`).
"""

from __future__ import annotations

import json
import re
import secrets

import httpx
import pytest

from tests.foundation.test_settings import run_manage
from tests.processes import daphne_server

pytestmark = pytest.mark.timeout(180)


def production_env(static_root, **extra: str) -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,example.org",
        "DJANGO_STATIC_ROOT": str(static_root),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        **extra,
    }


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """`collectstatic` once, as in production, into a folder of this test module."""
    static_root = tmp_path_factory.mktemp("static")
    result = run_manage("collectstatic", "--noinput", env=production_env(static_root))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    return static_root, manifest


def test_collectstatic_hashes_every_vendored_asset_and_its_source_map(collected):
    static_root, manifest = collected
    for name in (
        "vendor/bootstrap-5.3.8/bootstrap.min.css",
        "vendor/bootstrap-5.3.8/bootstrap.bundle.min.js",
        "vendor/chartjs-4.5.1/chart.umd.min.js",
        "vendor/chartjs-chart-boxplot-4.4.5/index.umd.min.js",
    ):
        hashed = manifest[name]
        assert re.search(r"\.[0-9a-f]{12}\.", hashed), hashed
        # the rewritten sourceMappingURL names the hashed map, which exists
        content = (static_root / hashed).read_text(encoding="utf-8")
        found = re.search(r"sourceMappingURL=(\S+?)(?:\s|\*/|$)", content)
        assert found, hashed
        map_name = found.group(1)
        assert (static_root / hashed).parent.joinpath(map_name).is_file(), map_name


def test_daphne_serves_the_login_page_and_hashed_static_files(collected, transactional_db):
    static_root, manifest = collected
    env = production_env(static_root, DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    with daphne_server(env=env) as base:
        proxy = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
        with httpx.Client(base_url=base, follow_redirects=False, timeout=15) as client:
            page = client.get("/login/", headers=proxy)
            assert page.status_code == 200, page.text[:2000]
            css = manifest["vendor/bootstrap-5.3.8/bootstrap.min.css"]
            assert f"/static/{css}" in page.text
            assert "Strict-Transport-Security" in page.headers
            assert "secure" in page.headers["set-cookie"].lower()

            asset = client.get(f"/static/{css}", headers=proxy)
            assert asset.status_code == 200
            assert asset.headers["content-type"].startswith("text/css")
            assert "immutable" in asset.headers["cache-control"]

            # plain http that did not come through the proxy is sent to https
            plain = client.get("/login/")
            assert plain.status_code == 301
            assert plain.headers["location"].startswith("https://")


def test_the_proxy_header_is_trusted_only_when_set_explicitly(tmp_path):
    show = "from django.conf import settings; print(repr(settings.SECURE_PROXY_SSL_HEADER))"
    default = run_manage("shell", "-c", show, env=production_env(tmp_path))
    assert default.returncode == 0, default.stderr
    assert default.stdout.strip().splitlines()[-1] == "None"
    opted_in = run_manage(
        "shell",
        "-c",
        show,
        env=production_env(tmp_path, DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"),
    )
    assert opted_in.stdout.strip().splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_a_malformed_proxy_header_name_stops_start_up(tmp_path):
    result = run_manage(
        "check",
        env=production_env(tmp_path, DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https"),
    )
    assert result.returncode == 2
    assert "DJANGO_SECURE_PROXY_SSL_HEADER='X-Forwarded-Proto: https' is not a header name" in (
        result.stderr
    )


def test_the_deploy_check_is_clean_with_the_proxy_header_set(tmp_path):
    env = production_env(tmp_path, DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
