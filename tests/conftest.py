"""Shared fixtures: real users, real sign-ins through allauth's login page."""

from __future__ import annotations

import hashlib

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client

from tests import agents

# Redis / cache fixtures (redis_sessions, counted_redis_sessions, locmem_sessions,
# dead_redis_sessions, fresh_rate_limits) live in their own module; so do the live-server
# fixtures (live_template, live_database: a PostgreSQL database of a test's own).
pytest_plugins = ["tests.cache_support", "tests.live", "tests.immich_support"]

PASSWORD = "Rätt häst batteri häftklammer 42"


def make_account(email: str, password: str = PASSWORD):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username=email.split("@")[0], email=email, password=password
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def sign_in(
    email: str,
    password: str = PASSWORD,
    *,
    user_agent: str = agents.CHROME_WINDOWS,
    ip: str = agents.IP_STOCKHOLM,
    same_browser_as: Client | None = None,
) -> Client:
    """A browser (test client) that signed in through the real login form: a new browser, or
    ``same_browser_as`` another (its browser id, sessions_ui.browsers) in a second session."""
    browser = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    if same_browser_as is not None:
        name = settings.BROWSER_COOKIE_NAME
        browser.cookies[name] = same_browser_as.cookies[name].value
    response = browser.post("/accounts/login/", {"login": email, "password": password})
    assert response.status_code == 302, response.content[:500]
    return browser


def browser_fingerprint_of(client: Client) -> str:
    """What the security log keeps of the browser id ``client`` carries."""
    return hashlib.sha256(client.cookies[settings.BROWSER_COOKIE_NAME].value.encode()).hexdigest()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(db):
    return make_account("anna@example.com")


@pytest.fixture
def other_user(db):
    return make_account("bertil@example.com")


@pytest.fixture
def browser(user) -> Client:
    """Anna, signed in with Chrome on Windows from Stockholm."""
    return sign_in(user.email)


@pytest.fixture
def phone(user) -> Client:
    """Anna again, signed in with Safari on an iPhone from Germany."""
    return sign_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)


@pytest.fixture
def app(user):
    """Anna's Immich app on a Pixel 8, signed in through the API: (client, token)."""
    from tests.api_support import app_client, token_for

    client = app_client()
    return client, token_for(client, user.email)


@pytest.fixture(autouse=True)
def _revocation_checks_once_per_test(settings):
    """Each process reads newly revoked keys every SESSION_REVOCATION_CHECK_INTERVAL (0.5 s):
    in a test that would make query counts depend on how long the test took. Here the first
    cached load reads them and the next read is an hour away; tests of the check set it."""
    settings.SESSION_REVOCATION_CHECK_INTERVAL = 3600


@pytest.fixture(autouse=True)
def _local_default_cache_in_process(settings):
    """Without Redis the default cache is the database's (shared by every worker: allauth's
    rate limits, tests/test_rate_limits.py runs it across two gunicorn workers). In this
    process a test's counters must end with the test, transactional ones included, and the
    query counts of pages stay those of the page: a local cache here."""
    if settings.CACHES["default"]["BACKEND"].endswith("db.DatabaseCache"):
        settings.CACHES = {
            **settings.CACHES,
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        }


@pytest.fixture(autouse=True)
def _fresh_cache(_local_default_cache_in_process):
    """Rate-limit counters and cached rows live in the cache: every test starts with none, and
    with no revoked keys read from an earlier test's (rolled back) database."""
    from django.core.cache import caches

    from sessions_ui import revoked_keys

    for cache in caches.all():
        cache.clear()
    revoked_keys.reset()
    yield
    revoked_keys.reset()
