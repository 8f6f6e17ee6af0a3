"""A real server for the load, fault and transport tests: gunicorn on a loopback port, a
PostgreSQL database made for the run, and a small HTTP client that behaves like a browser or
like the Immich app.

Everything here talks to loopback addresses only (127.0.0.0/8): clients may bind a source
address of their own (``127.0.3.17``), so that each simulated device has an address of its own,
as real devices do (allauth's rate limits count sign-ins per address).

The server runs ``tests.settings``: the production settings (debug off, secure cookies) with the
fast password hasher, so twenty sign-ins cost milliseconds instead of seconds of PBKDF2.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
import pytest

from tests import agents
from tests.cache_support import free_port
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOGIN = "/accounts/login/"
HUB = "/account/security/"
DEVICES = "/account/security/devices/"
API_LOGIN = "/api/auth/login"
API_SESSIONS = "/api/sessions"
SESSION_TABLE = "sessions_ui_session"
# Django's SessionInterrupted text: a user must never be told "your session was deleted"
# because the database was away.
SESSION_DELETED = "session was deleted"
# Verified accounts (password ``tests.conftest.PASSWORD``) in every database made here.
ACCOUNT = "last@example.com"
OTHER_ACCOUNT = "other@example.com"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(message: str) -> None:
    """A missing tool: skip, except in CI, where nothing may be skipped."""
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


# --- HTTP -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: str
    started: float
    finished: float

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    @property
    def seconds(self) -> float:
        return self.finished - self.started

    def to_login(self) -> bool:
        return self.status == 302 and urlsplit(self.location).path == LOGIN


class HttpClient:
    """A browser (cookies, CSRF tokens) or the app (a bearer token) over plain HTTP/1.1.

    gunicorn's sync workers close every connection after one response, so each request opens
    a connection of its own, from ``source_ip``.
    """

    def __init__(
        self,
        port: int,
        user_agent: str = agents.CHROME_WINDOWS,
        source_ip: str = "127.0.0.1",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.port = port
        self.user_agent = user_agent
        self.source_ip = source_ip
        self.headers = dict(headers or {})
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    @property
    def session_key(self) -> str | None:
        return self.token or self.cookies.get("sessionid")

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Reply:
        all_headers = {"Host": "127.0.0.1", "User-Agent": self.user_agent, **self.headers}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        body: bytes | None = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urlencode(form, doseq=True).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        started = time.monotonic()
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=timeout, source_address=(self.source_ip, 0)
        )
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            content = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        reply = Reply(response.status, response.headers, content, started, time.monotonic())
        self._remember_cookies(response.headers)
        return reply

    def _remember_cookies(self, headers: http.client.HTTPMessage) -> None:
        for header in headers.get_all("Set-Cookie") or []:
            try:
                parsed = SimpleCookie(header)
            except CookieError:
                continue
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    # --- sign-in ------------------------------------------------------------------------------
    def sign_in(self, email: str, password: str = PASSWORD) -> list[Reply]:
        """The login form, as a browser fills it in; returns both replies."""
        page = self.request("GET", LOGIN)
        posted = self.request("POST", LOGIN, form={"login": email, "password": password})
        return [page, posted]

    def app_sign_in(self, email: str, password: str = PASSWORD) -> Reply:
        reply = self.request("POST", API_LOGIN, json_body={"email": email, "password": password})
        if reply.status == 201:
            self.token = json.loads(reply.body)["accessToken"]
        return reply


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, process: subprocess.Popen, what: str, seconds: float = 10) -> None:
    """Until ``process`` (a server we started) listens on ``port``; fails if it exits first."""
    deadline = time.monotonic() + seconds
    while not listening(port):
        if process.poll() is not None:
            said = process.stderr.read().decode(errors="replace")[-2000:] if process.stderr else ""
            raise AssertionError(f"{what} exited: {said}")
        assert time.monotonic() < deadline, f"{what} did not start"
        time.sleep(0.05)


def stop_process(process: subprocess.Popen, sig: int = signal.SIGTERM, grace: float = 10) -> None:
    """Ask ``process`` to stop with ``sig``; kill it if it has not within ``grace`` seconds."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def wait_until_healthy(port: int, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"gunicorn on port {port} never became healthy: {log.read_text()[-3000:]}")


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path

    def client(self, **kwargs: Any) -> HttpClient:
        return HttpClient(self.port, **kwargs)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production-like server (``tests.settings``, two sync workers)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "GEOIP_", "SESSION_", "TRUSTED_"))
        and key not in {"PORT", "HOST", "GUNICORN_BIND", "WEB_CONCURRENCY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DJANGO_SECRET_KEY="live-server-tests-only-0123456789abcdefghijklmnopqrstuvwxyz",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        WEB_CONCURRENCY="2",
        GUNICORN_LOG_LEVEL="warning",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@contextmanager
def gunicorn(env: dict[str, str], log_dir: Path) -> Iterator[Server]:
    """The project's ``gunicorn.conf.py`` on a free loopback port; stopped (only it) afterwards."""
    port = free_port()
    log = log_dir / f"gunicorn-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "pixelunion.wsgi"],
            cwd=ROOT,
            env={**env, "PORT": str(port), "HOST": "127.0.0.1"},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_healthy(port, process, log)
        yield Server(port, process, log)
    finally:
        # SIGINT: gunicorn's quick shutdown (SIGTERM waits for idle workers to notice).
        stop_process(process, signal.SIGINT, grace=20)


# --- databases ------------------------------------------------------------------------------------
def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def url_from_settings(settings_dict: dict[str, Any]) -> str:
    """A postgres:// URL of the server Django's connection uses."""
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/postgres"


def admin(url: str) -> psycopg.Connection:
    return psycopg.connect(with_database(url, "postgres"), autocommit=True, connect_timeout=5)


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    with admin(server_url) as conn:
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        conn.execute(sql)
    return with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    with admin(server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


DJANGO_SNIPPET = """
import sys, django
django.setup()
from django.core.management import call_command
if sys.argv[1] == "migrate":
    call_command("migrate", verbosity=0, interactive=False)
from tests.conftest import make_account
for email in sys.argv[2:]:
    make_account(email)
"""


def prepare_database(database_url: str, *emails: str, migrate: bool = True) -> None:
    """Migrate ``database_url`` and create verified accounts (``tests.conftest.make_account``),
    in a process of its own, so this test process keeps its own database connection."""
    result = subprocess.run(
        [sys.executable, "-c", DJANGO_SNIPPET, "migrate" if migrate else "-", *emails],
        cwd=ROOT, env=server_env(database_url), capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def which(tool: str) -> str | None:
    return shutil.which(tool)
# --- fixtures: a database of the run's own, on the PostgreSQL server the suite uses -------------
def shared_postgres_url() -> str:
    """The server of this run's PostgreSQL database; skip in the SQLite pass."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            "a live gunicorn needs a network database: runs in the PostgreSQL pass of "
            "`make test` (DATABASE_URL=postgres://…)"
        )
    return url_from_settings(connection.settings_dict)


@pytest.fixture(scope="session")
def live_template(django_db_setup, django_db_blocker) -> Iterator[tuple[str, str]]:
    """A migrated database to copy (``CREATE DATABASE … TEMPLATE``), made once per run."""
    from django.db import connection

    server = shared_postgres_url()
    name = unique_name(f"{connection.settings_dict['NAME']}_tpl")[:63]
    create_database(server, name)
    try:
        prepare_database(with_database(server, name), ACCOUNT, OTHER_ACCOUNT)
        yield server, name
    finally:
        drop_database(server, name)


@pytest.fixture
def live_database(live_template) -> Iterator[str]:
    """A fresh database for one test on the suite's PostgreSQL server (migrated, with
    ``ACCOUNT`` and ``OTHER_ACCOUNT``); its URL."""
    server, template = live_template
    name = template.replace("_tpl_", "_run_")[:50] + "_" + uuid.uuid4().hex[:6]
    url = create_database(server, name, template=template)
    try:
        yield url
    finally:
        drop_database(server, name)


# --- figures --------------------------------------------------------------------------------------
FIGURES = ROOT / "test-results" / "live-figures.jsonl"


def report(request: pytest.FixtureRequest, title: str, figures: dict[str, Any]) -> None:
    """Print a run's figures in the test output (even under ``-q``) and keep them in
    ``test-results/live-figures.jsonl`` (not committed)."""
    line = f"[{title}] " + ", ".join(f"{key}={value}" for key, value in figures.items())
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(line)
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    with FIGURES.open("a") as sink:
        record = {"test": request.node.nodeid, "title": title, "at": time.time(), **figures}
        sink.write(json.dumps(record, default=str) + "\n")
