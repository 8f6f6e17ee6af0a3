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
def test_production_session_cookie_is_host_prefixed_end_to_end(settings, user, password):
    """The name pixelunion.settings gives it with debug off: Secure, Path=/, no Domain."""
    import pixelunion.settings as production

    assert production.SESSION_COOKIE_NAME == "__Host-sessionid"
    settings.SESSION_COOKIE_NAME = production.SESSION_COOKIE_NAME
    visitor = Client(HTTP_USER_AGENT=agents.CHROME_WINDOWS)
    response = visitor.post("/accounts/login/", {"login": user.email, "password": password})
    header = response.cookies["__Host-sessionid"].output()
    assert "; Secure" in header and "; Path=/;" in header + ";" and "Domain" not in header
    assert "sessionid=" not in header.replace("__Host-sessionid=", "")
    # The browser sends it back under that name, and that is a signed-in session.
    assert visitor.get("/account/security/").status_code == 200


def test_a_host_cookie_with_a_domain_fails_the_deploy_check(settings):
    from pixelunion.checks import host_prefixed_session_cookie

    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    assert host_prefixed_session_cookie() == []
    settings.SESSION_COOKIE_DOMAIN = ".pixelunion.example"
    assert [error.id for error in host_prefixed_session_cookie()] == ["pixelunion.E005"]


CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/account/security/", "/account/security/devices/", "/account/security/log/"]
)
def test_pages_send_a_strict_content_security_policy(browser, path):
    response = browser.get(path)
    assert response.status_code == 200
    assert policy(response) == CSP
    assert "unsafe-inline" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_login_page_sends_it_too(client):
    assert policy(client.get("/accounts/login/")) == CSP


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


# Everything the deployment checks look at, so the runner's own environment cannot leak in.
DEPLOYMENT_VARIABLES = ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "GEOIP_DB", "ALLOW_")


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and not k.startswith(DEPLOYMENT_VARIABLES)
    }
    clean.update(DJANGO_SETTINGS_MODULE="pixelunion.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True
    )


PRODUCTION = {"DJANGO_SECRET_KEY": "x7#kq" * 12, "DJANGO_ALLOWED_HOSTS": "photos.pixelunion.example"}
DEPLOY_CHECK = ("check", "--deploy", "--fail-level", "WARNING")


def test_check_deploy_is_silent_with_production_services(tmp_path):
    geoip = tmp_path / "GeoLite2-City.mmdb"
    geoip.write_bytes(b"")  # only its existence is checked
    result = _manage(
        *DEPLOY_CHECK,
        **PRODUCTION,
        DATABASE_URL="postgres://pixelunion@db.internal:5432/pixelunion",
        REDIS_URL="redis://cache.internal:6379/0",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.internal:587",
        GEOIP_DB=str(geoip),
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_refuses_the_development_defaults():
    """Only the secret key and the hosts set: four errors, each naming its way out."""
    result = _manage("check", "--deploy", **PRODUCTION)
    assert result.returncode != 0
    for code, allow in [
        ("pixelunion.E001", "ALLOW_SQLITE=1"),
        ("pixelunion.E002", "ALLOW_CONSOLE_EMAIL=1"),
        ("pixelunion.E003", "ALLOW_NO_REDIS=1"),
        ("pixelunion.E004", "ALLOW_EMBEDDED_GEOIP=1"),
    ]:
        assert f"({code})" in result.stderr, result.stderr
        assert allow in result.stderr


@pytest.mark.parametrize(
    ("allowed", "still_refused"),
    [
        ("ALLOW_SQLITE", "pixelunion.E002"),
        ("ALLOW_CONSOLE_EMAIL", "pixelunion.E003"),
        ("ALLOW_NO_REDIS", "pixelunion.E004"),
        ("ALLOW_EMBEDDED_GEOIP", "pixelunion.E001"),
    ],
)
def test_each_allow_variable_lifts_only_its_own_error(allowed, still_refused):
    result = _manage("check", "--deploy", **PRODUCTION, **{allowed: "1"})
    code = {"ALLOW_SQLITE": "E001", "ALLOW_CONSOLE_EMAIL": "E002", "ALLOW_NO_REDIS": "E003",
            "ALLOW_EMBEDDED_GEOIP": "E004"}[allowed]
    assert f"(pixelunion.{code})" not in result.stderr
    assert f"({still_refused})" in result.stderr


def test_small_single_server_install_can_allow_all_four():
    result = _manage(
        *DEPLOY_CHECK,
        **PRODUCTION,
        ALLOW_SQLITE="1",
        ALLOW_CONSOLE_EMAIL="1",
        ALLOW_NO_REDIS="1",
        ALLOW_EMBEDDED_GEOIP="1",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_a_geoip_file_that_is_not_there_is_a_warning(tmp_path):
    result = _manage(*DEPLOY_CHECK, **PRODUCTION, ALLOW_SQLITE="1", ALLOW_CONSOLE_EMAIL="1",
                     ALLOW_NO_REDIS="1", GEOIP_DB=str(tmp_path / "missing.mmdb"))
    assert result.returncode != 0
    assert "(pixelunion.W001)" in result.stderr


def test_debug_skips_the_deployment_errors():
    result = _manage("check", "--deploy", DJANGO_DEBUG="1")
    assert "pixelunion.E00" not in result.stderr + result.stdout


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


def test_a_django_log_line_is_printed_once_in_debug():
    """runserver's "Watching for file changes" came out twice: Django's console handler and
    the root's. The same INFO line through the "django" logger, in a debug process."""
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.utils.autoreload').info('Watching for file changes')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "pixelunion.settings", "DJANGO_DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Watching for file changes") == 1
