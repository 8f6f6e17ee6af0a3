"""allauth's rate limits stay on, in a shared cache (Redis), and the admin login uses them too."""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from asgiref.local import Local
from django.core.cache import caches
from django.test import Client, override_settings

from accounts.checks import two_factor_is_enforced
from tests.conftest import make_account

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("HELPER3_REDIS_URL", "redis://127.0.0.1:6379/3")


def failed_logins(user, count: int, ip: str = "198.51.100.7") -> list[int]:
    browser = Client(REMOTE_ADDR=ip)
    return [
        browser.post("/accounts/login/", {"login": user.email, "password": "fel"}).status_code
        for _ in range(count)
    ]


def locked_out(user, ip: str) -> bool:
    """The right password from a fresh browser is refused while the account is rate limited."""
    response = Client(REMOTE_ADDR=ip).post(
        "/accounts/login/", {"login": user.email, "password": "Rätt häst batteri häftklammer 42"}
    )
    return response.status_code != 302


def test_five_wrong_passwords_lock_the_account_for_a_while(user):
    failed_logins(user, 5)
    assert locked_out(user, "203.0.113.9")  # another address: the limit is per account too


def test_the_admin_login_form_is_allauths_sign_in(user):
    browser = Client()
    response = browser.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # Posting credentials to the admin's own form signs nobody in: no way round rate limits.
    browser.post(
        "/admin/login/", {"username": user.username, "password": "Rätt häst batteri häftklammer 42"}
    )
    assert browser.get("/account/security/").status_code == 302


def test_the_admin_is_behind_the_same_rate_limit(db):
    boss = make_account("boss@pixelunion.example")
    boss.is_staff = boss.is_superuser = True
    boss.save()
    failed_logins(boss, 5)
    assert locked_out(boss, "203.0.113.10")


@pytest.mark.redis
def test_counters_live_in_redis_shared_by_every_worker(user):
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"h3-{uuid.uuid4().hex[:8]}"
    shared = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    try:
        with override_settings(CACHES=shared):  # Django's test signal rebuilds the handles
            failed_logins(user, 5)
            assert client.keys(f"{prefix}:*"), "rate-limit counters were not written to Redis"
            caches._connections = Local()  # fresh cache handles, as in another worker
            assert locked_out(user, "203.0.113.11")
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def test_checks_refuse_a_missing_2fa_middleware_or_throttle_off(settings):
    assert two_factor_is_enforced() == []
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "TwoFactor" not in m]
    assert [e.id for e in two_factor_is_enforced()] == ["accounts.E001"]
    settings.MIDDLEWARE = settings.MIDDLEWARE + ["accounts.middleware.TwoFactorMiddleware"]
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    assert [e.id for e in two_factor_is_enforced()] == ["accounts.E002"]
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    settings.ACCOUNT_RATE_LIMITS = False
    assert [e.id for e in two_factor_is_enforced()] == ["accounts.E003"]


def test_without_redis_the_counters_are_in_the_database_cache(user, settings):
    """The default cache without REDIS_URL (pixelunion/settings.py): the counters are rows of
    the migration-made table, which every worker and app server reads."""
    from django.db import connection

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "pixelunion_cache",
        }
    }
    failed_logins(user, 5)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pixelunion_cache")
        assert cursor.fetchone()[0] > 0
    assert locked_out(user, "203.0.113.11")


@pytest.mark.postgres
def test_without_redis_two_workers_share_one_budget(request, live_database, tmp_path):
    """Two gunicorn workers, no Redis: before, each worker counted on its own (the right
    password signed in after 14 failures); now five failures lock the account for both."""
    import re

    from tests.live import ACCOUNT, LOGIN, HttpClient, gunicorn, report, server_env

    wrong = re.compile(r"not correct|inte korrekt", re.IGNORECASE)
    outcome = {"checked": 0, "limited": 0}
    with gunicorn(server_env(live_database, WEB_CONCURRENCY="2"), tmp_path) as server:
        for attempt in range(20):
            attacker = HttpClient(server.port, source_ip=f"127.0.7.{attempt + 1}",
                                  headers={"Accept-Language": "en"})
            attacker.request("GET", LOGIN)
            reply = attacker.request("POST", LOGIN, form={"login": ACCOUNT, "password": "fel"})
            outcome["checked" if reply.status == 200 and wrong.search(reply.body) else "limited"] += 1
        right = HttpClient(server.port, source_ip="127.0.7.99")
        _page, signed_in = right.sign_in(ACCOUNT)
    report(request, "Rate limits without Redis, two workers", {**outcome,
           "right_password_after_20_failures": signed_in.status})
    assert outcome == {"checked": 5, "limited": 15}, outcome
    assert signed_in.status != 302 or signed_in.to_login()
