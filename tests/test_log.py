"""pixelunion.log: one line per event, request ids, JSON, no keys or tokens, Sentry."""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from pixelunion.log import JsonFormatter, RequestIdFilter, TextFormatter, redact
from tests import agents
from tests.api_support import app_client, token_for
from tests.live import ROOT, server_env

KEY = "k3y0fas3ss10nwh1chmustn0tleak0ut"  # Django's format: 32 of [a-z0-9]
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzaWQiOiJ4In0.c2lnbmF0dXJl"
IMMICH_TOKEN = "Vq3kZ8xN2bR7mT5wY1cF9hJ4gL6pD0sA3eU8iO2uK"  # 43 base64url characters
HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def formatted(formatter: logging.Formatter, message: str, *args, exc: bool = False) -> str:
    record = logging.LogRecord("sessions_ui.test", logging.WARNING, __file__, 1, message, args, None)
    if exc:
        try:
            raise ValueError(f"bad key {KEY}")
        except ValueError:
            record.exc_info = sys.exc_info()
    RequestIdFilter().filter(record)
    return formatter.format(record)


class TestRedact:
    @pytest.mark.parametrize("secret", [KEY, JWT, IMMICH_TOKEN])
    def test_keys_and_tokens_are_removed(self, secret):
        assert redact(f"session {secret} ended") == "session [redacted] ended"

    def test_a_bearer_credential_of_any_shape_is_removed(self):
        assert redact("Authorization: Bearer abc.def") == "Authorization: Bearer [redacted]"

    def test_hashes_public_ids_and_words_stay(self):
        text = f"hash {HASH[:12]} {HASH} id 3f2c1a9e-7b4d-4c1e-9a2b-1c3d5e7f9a0b anonymous"
        assert redact(text) == text


class TestFormatters:
    def test_text_is_one_line_with_time_level_logger_and_request_id(self):
        line = formatted(TextFormatter(), "user agent %s", "evil\nFAKE ERROR line", exc=True)
        assert "\n" not in line
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARNING sessions_ui.test \[-\] ", line)
        assert "evil\\nFAKE ERROR line" in line
        assert KEY not in line and "bad key [redacted]" in line

    def test_json_has_the_fields_and_no_key(self):
        line = formatted(JsonFormatter(), "session %s", KEY, exc=True)
        entry = json.loads(line)
        assert set(entry) == {"time", "level", "logger", "request_id", "message", "exception"}
        assert entry["level"] == "WARNING" and entry["logger"] == "sessions_ui.test"
        assert entry["message"] == "session [redacted]"
        assert KEY not in line


@pytest.fixture
def log_lines():
    """What the configured console handler would print, for everything at DEBUG and above."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield lambda: stream.getvalue().splitlines()
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.mark.django_db
class TestRequests:
    def test_lines_of_a_request_carry_its_id(self, client, log_lines):
        response = client.get("/no-such-page/")  # Django logs "Not Found" at WARNING
        request_id = response["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)
        assert any(f"[{request_id}]" in line and "Not Found" in line for line in log_lines())

    def test_the_proxys_request_id_is_kept_when_plain(self, client):
        assert client.get("/accounts/login/", HTTP_X_REQUEST_ID="lb-1234.abc")["X-Request-ID"] == "lb-1234.abc"

    def test_a_hostile_request_id_is_replaced(self, client):
        response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="x\n2026 ERROR forged")
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])

    def test_sign_in_pages_and_api_never_log_a_key_or_token(self, user, password, log_lines):
        browser = Client(HTTP_USER_AGENT=agents.CHROME_WINDOWS)
        browser.post("/accounts/login/", {"login": user.email, "password": password})
        browser.get("/account/security/devices/")
        key = browser.cookies["sessionid"].value
        client = app_client()
        token = token_for(client, user.email)
        client.get("/api/sessions", HTTP_AUTHORIZATION=f"Bearer {token}")
        client.get("/api/sessions", HTTP_AUTHORIZATION=f"Bearer {KEY}")  # unknown: 401
        browser.post("/accounts/logout/")
        text = "\n".join(log_lines())
        assert text  # DEBUG records were written (queries, at least)
        for secret in (key, token, KEY):
            assert len(secret) == 32
        for secret in (key, token, KEY):
            assert secret not in text


class _Collector(BaseHTTPRequestHandler):
    bodies: list[bytes] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        type(self).bodies.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_sentry_gets_errors_without_keys_when_sentry_dsn_is_set():
    """A stand-in for Sentry's ingest endpoint on loopback; the real SDK sends to it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dsn = f"http://publickey@127.0.0.1:{server.server_port}/42"
        env = server_env("sqlite:///:memory:", SENTRY_DSN=dsn)
        code = (
            "import django; django.setup(); import logging, sentry_sdk;"
            f"logging.getLogger('sessions_ui.test').error('session %s failed', {KEY!r});"
            "sentry_sdk.flush(5)"
        )
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)
    finally:
        server.shutdown()
    sent = b"".join(_Collector.bodies).decode()
    assert "session [redacted] failed" in sent or "session %s failed" in sent
    assert KEY not in sent


def test_gunicorn_logs_json_too_with_log_format_json():
    code = (
        "import logging, logging.config, runpy;"
        "config = runpy.run_path('gunicorn.conf.py');"
        "logging.config.dictConfig(config['logconfig_dict']);"
        f"logging.getLogger('gunicorn.error').warning('worker got %s', {KEY!r})"
    )
    env = server_env("sqlite:///:memory:", LOG_FORMAT="json")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    [line] = result.stderr.splitlines()
    entry = json.loads(line)
    assert (entry["logger"], entry["level"], entry["message"]) == ("gunicorn.error", "WARNING", "worker got [redacted]")
