"""Stateless app servers: two gunicorn instances (gunicorn.conf.py, whitenoise) on different
ports, sharing PostgreSQL and Redis, see and end each other's sessions."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import uuid
from contextlib import ExitStack
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from django.db import connection

from tests import agents
from tests.cache_support import REDIS_TEST_URL, redis_answers
from tests.conftest import PASSWORD, make_account
from tests.live import gunicorn, server_env, url_from_settings, with_database

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


class Browser:
    """Just enough of a browser over plain HTTP: cookies (Secure ones too), CSRF tokens."""

    def __init__(self, user_agent: str) -> None:
        self.user_agent = user_agent
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        headers = {"User-Agent": self.user_agent, "Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        content = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        conn.close()
        return response.status, response.headers, content

    def sign_in(self, port: int, email: str) -> None:
        self.request(port, "GET", "/accounts/login/")
        status, headers, _ = self.request(
            port, "POST", "/accounts/login/", {"login": email, "password": PASSWORD}
        )
        # The production settings: the session cookie has the __Host- prefix.
        assert status == 302 and "__Host-sessionid" in self.cookies, (status, headers)


@pytest.fixture
def app_servers(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("two app servers share a network database: run with DATABASE_URL=postgres://…")
    if not redis_answers():
        pytest.skip(f"Redis not answering at {REDIS_TEST_URL}")
    prefix = f"t6-serve-{uuid.uuid4().hex[:8]}"
    # Production settings (whitenoise's manifest storage), not the tests' own.
    env = server_env(
        with_database(
            url_from_settings(connection.settings_dict), connection.settings_dict["NAME"]
        ),
        DJANGO_SETTINGS_MODULE="pixelunion.settings",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        REDIS_URL=REDIS_TEST_URL,
        CACHE_KEY_PREFIX=f"{prefix}-d",
        SESSION_CACHE_KEY_PREFIX=f"{prefix}-s",
        WEB_CONCURRENCY="1",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    try:
        with ExitStack() as stack:
            yield [stack.enter_context(gunicorn(env, tmp_path)).port for _ in range(2)]
    finally:
        client = redis.Redis.from_url(REDIS_TEST_URL)
        for key in client.scan_iter(match=f"{prefix}-*"):
            client.delete(key)
        client.close()


def session_ids(html: str) -> tuple[list[str], str | None]:
    ids = re.findall(r'data-session="([0-9a-f-]{36})"', html)
    current = re.search(
        r'class="session session--current[^"]*" data-session="([0-9a-f-]{36})"', html
    )
    return ids, current.group(1) if current else None


def test_two_app_servers_see_and_end_each_others_sessions(app_servers, settings):
    port_a, port_b = app_servers
    # The servers run the production settings: store a hash their hashers know.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    user = make_account("anna@example.com")
    laptop, phone = Browser(agents.CHROME_WINDOWS), Browser(agents.SAFARI_IPHONE)
    laptop.sign_in(port_a, user.email)
    phone.sign_in(port_b, user.email)

    # Each server knows both sessions (and serves the other's cookie from the shared store).
    status, _, html = laptop.request(port_b, "GET", "/account/security/devices/")
    assert status == 200
    ids, laptop_id = session_ids(html)
    assert len(ids) == 2 and laptop_id in ids
    status, _, html = phone.request(port_a, "GET", "/account/security/devices/")
    assert status == 200
    phone_ids, phone_id = session_ids(html)
    assert set(phone_ids) == set(ids) and phone_id != laptop_id

    # The laptop's session is warm in Redis on server A; the phone ends it on server B.
    assert laptop.request(port_a, "GET", "/account/security/")[0] == 200
    status, headers, _ = phone.request(
        port_b, "POST", f"/account/security/devices/{laptop_id}/sign-out/", {}
    )
    assert status == 302, headers

    for port in (port_a, port_b):
        status, headers, _ = laptop.request(port, "GET", "/account/security/")
        assert status == 302 and headers["Location"].startswith("/accounts/login/")
    status, _, html = phone.request(port_a, "GET", "/account/security/devices/")
    assert status == 200 and session_ids(html)[0] == [phone_id]
    # whitenoise serves the collected, hashed stylesheet from either server.
    css = re.search(r'href="(/static/[^"]+\.css)"', html).group(1)
    assert laptop.request(port_b, "GET", css)[0] == 200
