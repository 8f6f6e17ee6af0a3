"""Stateless app servers: two gunicorn instances (gunicorn.conf.py, whitenoise) on different
ports, sharing PostgreSQL and Redis, see and end each other's sessions."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from django.db import connection

from tests import agents
from tests.cache_support import REDIS_TEST_URL, free_port, redis_answers
from tests.conftest import PASSWORD, make_account

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
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
        assert status == 302 and "sessionid" in self.cookies, (status, headers)


def wait_healthy(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode()[-2000:]
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn on port {port} never became healthy")


@pytest.fixture
def app_servers(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("two app servers share a network database: run with DATABASE_URL=postgres://…")
    if not redis_answers():
        pytest.skip(f"Redis not answering at {REDIS_TEST_URL}")
    db = connection.settings_dict
    prefix = f"t6-serve-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pixelunion.settings",
        "DJANGO_SECRET_KEY": "two-app-servers-share-this-secret-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": REDIS_TEST_URL,
        "CACHE_KEY_PREFIX": f"{prefix}-d",
        "SESSION_CACHE_KEY_PREFIX": f"{prefix}-s",
        "WEB_CONCURRENCY": "1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    servers = []
    try:
        for _ in range(2):
            port = free_port()
            process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "pixelunion.wsgi"],
                cwd=ROOT,
                env={**env, "PORT": str(port)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            servers.append((port, process))
            wait_healthy(port, process)
        yield [port for port, _ in servers]
    finally:
        for _, process in servers:
            process.terminate()
        for _, process in servers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
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
