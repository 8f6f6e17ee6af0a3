"""Production settings: cookies, caching headers, Django's deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests import agents

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_session_cookie_is_secure_httponly_and_lax(user, password):
    visitor = Client(HTTP_USER_AGENT=agents.CHROME_WINDOWS)
    response = visitor.post("/accounts/login/", {"login": user.email, "password": password})
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    header = cookie.output()
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/account/security/", "/account/security/devices/", "/accounts/login/"]
)
def test_account_pages_are_never_cached(browser, path):
    response = browser.get(path)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_hsts_is_sent(browser):
    response = browser.get("/account/security/", secure=True)
    assert "max-age=31536000" in response["Strict-Transport-Security"]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(DJANGO_SETTINGS_MODULE="pixelunion.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_check_deploy_is_silent_in_production():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="x7#kq" * 12,
        DJANGO_ALLOWED_HOSTS="photos.pixelunion.example",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def _settings_json(**env: str) -> dict:
    snippet = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'caches': settings.CACHES, 'engine': settings.SESSION_ENGINE}))"
    )
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_", "DATABASE_"))
    }
    clean.update(DJANGO_SETTINGS_MODULE="pixelunion.settings", DJANGO_DEBUG="1", **env)
    result = subprocess.run(
        [sys.executable, "-c", snippet], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    import json

    return json.loads(result.stdout)


def test_without_redis_the_default_cache_is_the_shared_database_cache():
    found = _settings_json()
    assert found["caches"]["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert found["engine"] == "sessions_ui.backends.db"


def test_redis_sentinel_comes_from_the_environment():
    found = _settings_json(
        REDIS_URL="redis://mymaster/0", REDIS_SENTINELS="10.0.0.1:26379, [::1]:26380"
    )
    for alias in ("default", "sessions"):
        cache = found["caches"][alias]
        assert cache["LOCATION"] == ["redis://mymaster/0"]  # the primary only
        options = cache["OPTIONS"]
        assert options["CLIENT_CLASS"] == "django_redis.client.SentinelClient"
        assert options["CONNECTION_FACTORY"] == "django_redis.pool.SentinelConnectionFactory"
        assert options["SENTINELS"] == [["10.0.0.1", 26379], ["::1", 26380]]
    plain = _settings_json(REDIS_URL="redis://127.0.0.1:6379/0")["caches"]["sessions"]
    assert plain["LOCATION"] == "redis://127.0.0.1:6379/0"
    assert plain["OPTIONS"]["CLIENT_CLASS"] == "django_redis.client.DefaultClient"
