"""The Immich gate (immich/gate.py): credentials read as Immich reads them, the shared secret,
tokens tied to their session rows, activity recorded with the browser sessions' rules, ended
sessions refused at once; and all of it behind Debian's nginx with the shipped configuration."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from immich.credentials import Kind, original_query, read_credential
from immich.gate import GATE_PATH, map_token, token_hash
from immich.models import Authorization, EndedImmichSession
from sessions_ui.models import ClientKind, Session
from tests import agents
from tests.cache_support import CountingConnection, session_writes
from tests.conftest import sign_in
from tests.immich_support import ANDROID_APP, immich_sign_in, run_worker

SECRET = "gate-secret-for-the-tests-0123456789"
TOKEN = "q2W8rT5yU1iO9pA3sD6fG4hJ7kL0zX2cV5bN8mQ1wE3"  # Immich's shape: 43 base64 characters


def meta(**headers: str) -> dict[str, str]:
    return {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}


class TestReadCredential:
    @pytest.mark.parametrize(
        ("headers", "query", "kind"),
        [
            ({"x-immich-user-token": TOKEN}, "", Kind.SESSION),
            ({"x-immich-session-token": TOKEN}, "", Kind.SESSION),
            ({"authorization": f"Bearer {TOKEN}"}, "", Kind.SESSION),
            ({"authorization": f"bearer {TOKEN} extra"}, "", Kind.SESSION),
            ({"cookie": f"a=b; immich_access_token={TOKEN}; c=d"}, "", Kind.SESSION),
            ({}, f"sessionKey={TOKEN}", Kind.SESSION),
            ({"x-api-key": "some-api-key"}, "", Kind.API_KEY),
            ({}, "apiKey=some-api-key", Kind.API_KEY),
            ({"x-immich-share-key": "k"}, "", Kind.SHARED_LINK),
            ({}, "key=abc&size=thumbnail", Kind.SHARED_LINK),
            ({}, "slug=holiday", Kind.SHARED_LINK),
            # Immich's order: a shared-link key wins over a session token, a token over an API key.
            ({"x-immich-share-key": "k", "x-immich-user-token": TOKEN}, "", Kind.SHARED_LINK),
            ({"x-api-key": "k", "authorization": f"Bearer {TOKEN}"}, "", Kind.SESSION),
        ],
    )
    def test_as_immich_reads_it(self, headers, query, kind):
        credential = read_credential(meta(**headers), query)
        assert credential is not None and credential.kind == kind
        if kind == Kind.SESSION:
            assert credential.value == TOKEN

    @pytest.mark.parametrize(
        "headers",
        [{}, {"authorization": "Basic dXNlcjpwYXNz"}, {"authorization": "Bearer"}, {"cookie": "immich_access_token="}],
    )
    def test_none(self, headers):
        assert read_credential(meta(**headers), "size=preview") is None

    def test_the_first_of_repeated_cookies(self):
        credential = read_credential(meta(cookie=f"immich_access_token={TOKEN}; immich_access_token=other"))
        assert credential.value == TOKEN

    def test_the_value_is_never_in_its_repr(self):
        assert TOKEN not in repr(read_credential(meta(x_immich_user_token=TOKEN)))


class TestOriginalQuery:
    def test_nginx_sends_x_original_uri(self):
        assert original_query(meta(x_original_uri="/api/x?key=a&b=c")) == "key=a&b=c"

    def test_traefik_and_caddy_send_x_forwarded_uri(self):
        assert original_query(meta(x_forwarded_uri="/api/x?sessionKey=t")) == "sessionKey=t"

    def test_ours_wins_when_both_arrive(self):
        both = meta(x_original_uri="/api/x?a=1", x_forwarded_uri="/api/x?key=forged")
        assert original_query(both) == "a=1"

    def test_none(self):
        assert original_query({}) == "" and original_query(meta(x_original_uri="/api/x")) == ""


def ask(headers: dict | None = None, *, uri: str = "/api/users/me", secret: str | None = SECRET, ip: str = "127.0.0.1"):
    """The proxy's subrequest, as nginx sends it (tests/test_immich_gate.py's nginx test checks
    that nginx really does)."""
    extra = {"HTTP_X_ORIGINAL_URI": uri, "REMOTE_ADDR": ip}
    if secret is not None:
        extra["HTTP_X_PIXELUNION_GATE"] = secret
    return Client().get(GATE_PATH, **extra, **meta(**(headers or {})))


@pytest.mark.django_db
class TestTheEndpoint:
    @pytest.fixture(autouse=True)
    def _secret(self, settings):
        settings.IMMICH_GATE_SECRET = SECRET

    def test_off_without_a_secret(self, settings):
        settings.IMMICH_GATE_SECRET = ""
        assert ask(secret=SECRET).status_code == 404

    @pytest.mark.parametrize("secret", [None, "", "wrong", SECRET[:-1], SECRET + "x", "ä" * 10])
    def test_only_our_proxy_may_ask(self, secret):
        assert ask({"x-immich-user-token": TOKEN}, secret=secret).status_code == 403

    @pytest.mark.parametrize(
        "headers", [{}, {"x-api-key": "an-api-key"}, {"x-immich-share-key": "a-share-key"}]
    )
    def test_passes_what_immich_decides_about(self, headers):
        assert ask(headers).status_code == 204

    def test_a_shared_link_in_the_query_passes(self):
        assert ask(uri="/api/assets/1/thumbnail?key=abc&sessionKey=" + TOKEN).status_code == 204

    def test_a_token_in_the_query_behind_traefik_is_checked(self):
        # Traefik's forwardAuth and Caddy's forward_auth send X-Forwarded-Uri, not X-Original-URI:
        # a session key that only the query carries must still be checked, not waved through.
        traefik = {"HTTP_X_FORWARDED_URI": "/api/assets/1/original?sessionKey=garbage", "HTTP_X_PIXELUNION_GATE": SECRET}
        assert Client().get(GATE_PATH, **traefik).status_code == 401

    @pytest.mark.parametrize(
        "token",
        ["x", "not a token", "a" * 129, "ä" * 43, "A" * 100_000, "<script>", "../../etc", "%00" * 20],
    )
    def test_garbage_is_refused_and_writes_nothing(self, token):
        with CaptureQueriesContext(connection) as queries:
            response = ask({"authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert queries.captured_queries == []
        assert not Session.objects.exists()

    def test_answers_before_any_other_middleware(self):
        # No session cookie, no CSRF, no locale, no HTTPS redirect: only the status.
        response = ask()
        assert response.status_code == 204
        assert "Set-Cookie" not in response and response.content == b""
        assert response["Cache-Control"] == "no-store"


@pytest.fixture
def gate_on(settings):
    settings.IMMICH_GATE_SECRET = SECRET
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    settings.SESSION_ACTIVITY_INTERVAL = 60


def immich_app_token(immich, user) -> str:
    phone_browser = sign_in(user.email, user_agent=agents.SAFARI_IPHONE.replace("iPhone", "Linux; Android 14; Pixel 8"))
    return immich_sign_in(immich, phone_browser, mobile=True, headers=ANDROID_APP)["accessToken"]


def app_headers(token: str, ip: str = agents.IP_STOCKHOLM) -> dict[str, str]:
    return {"x-immich-user-token": token, "x-forwarded-for": ip, **ANDROID_APP}


@pytest.mark.django_db(transaction=True)
class TestTokens:
    def test_an_unseen_token_is_mapped_to_its_row_by_hash(self, immich, user, gate_on):
        token = immich_app_token(immich, user)
        row = Session.objects.get(user=user, client=ClientKind.IMMICH)
        assert map_token(token) == "bound"
        bound = Session.objects.get(pk=row.pk)
        assert bound.key_hash == token_hash(token) and bound.public_id == row.public_id
        assert Authorization.objects.get(session_public_id=row.public_id).token_hash == token_hash(token)
        assert token not in str(list(Session.objects.values())) + str(list(Authorization.objects.values()))

    def test_a_token_immich_does_not_know_is_refused_without_a_row(self, immich, user, gate_on):
        assert map_token(TOKEN) == "refused"
        assert ask(app_headers(TOKEN)).status_code == 401
        assert not Session.objects.exists()

    def test_its_ip_and_place_are_recorded(self, immich, user, gate_on):
        token = immich_app_token(immich, user)
        map_token(token)
        assert ask(app_headers(token, agents.IP_GERMANY), ip="127.0.0.9").status_code == 204
        row = Session.objects.get(user=user, client=ClientKind.IMMICH)
        assert (row.ip, row.country_code) == (agents.IP_GERMANY, "DE")
        assert (row.device_kind, row.device_model, row.app_version) == ("app", "Pixel 8", "3.2.2")

    def test_ended_here_refused_at_once(self, immich, user, gate_on):
        token = immich_app_token(immich, user)
        map_token(token)
        assert ask(app_headers(token)).status_code == 204
        browser = sign_in(user.email)
        row = Session.objects.get(user=user, client=ClientKind.IMMICH)
        browser.post(f"/account/security/devices/{row.public_id}/sign-out/")
        assert immich.accepts(token), "the back-channel logout has not been delivered"
        assert ask(app_headers(token)).status_code == 401
        assert EndedImmichSession.objects.filter(token_hash=token_hash(token)).exists()

    def test_run_out_of_time_refused_then_ended_in_immich(self, immich, user, gate_on):
        token = immich_app_token(immich, user)
        assert map_token(token) == "bound"
        row = Session.objects.get(user=user, client=ClientKind.IMMICH)
        Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
        assert map_token(token) == "refused"
        assert ask(app_headers(token)).status_code == 401
        call_command("clearsessions")
        run_worker()
        assert not immich.accepts(token), "clearsessions did not end the Immich session"
        assert EndedImmichSession.objects.filter(token_hash=token_hash(token)).exists()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
class TestQueryBudget:
    def test_a_warm_token_costs_no_sql_and_one_round_trip(self, immich, user, gate_on, counted_redis_sessions):
        token = immich_app_token(immich, user)
        map_token(token)
        assert ask(app_headers(token)).status_code == 204  # records the client, fills the cache
        assert ask(app_headers(token)).status_code == 204
        CountingConnection.round_trips = 0
        with CaptureQueriesContext(connection) as queries:
            for _ in range(5):
                assert ask(app_headers(token)).status_code == 204
        assert queries.captured_queries == []
        assert CountingConnection.round_trips == 5

    def test_no_write_inside_the_window_one_after_it(self, immich, user, gate_on, counted_redis_sessions, settings):
        token = immich_app_token(immich, user)
        map_token(token)
        ask(app_headers(token))
        with CaptureQueriesContext(connection) as queries:
            for _ in range(5):
                ask(app_headers(token))
        assert session_writes(queries) == []
        settings.SESSION_ACTIVITY_INTERVAL = 0
        with CaptureQueriesContext(connection) as queries:
            ask(app_headers(token))
        assert len(session_writes(queries)) == 1

    def test_ended_costs_no_round_trip(self, immich, user, gate_on, counted_redis_sessions):
        token = immich_app_token(immich, user)
        map_token(token)
        ask(app_headers(token))
        row = Session.objects.get(user=user, client=ClientKind.IMMICH)
        sign_in(user.email).post(f"/account/security/devices/{row.public_id}/sign-out/")
        CountingConnection.round_trips = 0
        with CaptureQueriesContext(connection) as queries:
            assert ask(app_headers(token)).status_code == 401
        # The process that ended it remembers the revoked key: not even the tombstone is read.
        assert queries.captured_queries == [] and CountingConnection.round_trips == 0


# --- behind real nginx ----------------------------------------------------------------------------
def until(predicate, seconds: float = 10.0):
    """Wait for background work (the mapping thread): a bound on waiting, never a timing test."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_behind_nginx(immich, user, gate_on, live_server):
    from tests.nginx_support import nginx_gate

    token = immich_app_token(immich, user)
    port = int(live_server.url.rsplit(":", 1)[1])
    with nginx_gate(immich_port=immich.port, gate_port=port, secret=SECRET) as nginx:
        phone = {"x-immich-user-token": token, "X-Forwarded-For": agents.IP_STOCKHOLM, **ANDROID_APP}
        # The first request with the token passes (Immich checks it) and has it mapped.
        first = requests.get(f"{nginx.url}/api/users/me", headers=phone, timeout=10)
        assert first.status_code == 200, nginx.error_log()
        row = until(lambda: Session.objects.filter(user=user, key_hash=token_hash(token)).first())
        assert row is not None, "the token was never tied to its row"
        assert requests.get(f"{nginx.url}/api/users/me", headers=phone, timeout=10).status_code == 200
        row.refresh_from_db()
        assert (row.ip, row.city) == (agents.IP_STOCKHOLM, "Stockholm")
        # … and it is what Enhetsaktivitet shows.
        browser = sign_in(user.email)
        html = browser.get("/account/security/devices/").content.decode()
        assert agents.IP_STOCKHOLM in html and "Stockholm" in html

        # The gate cannot be asked from outside, and nothing a client sends reaches it as ours.
        assert requests.get(f"{nginx.url}/_pixelunion_gate", timeout=10).status_code == 404

        # Garbage, huge and missing tokens: never a 500, never a row.
        rows = Session.objects.count()
        for headers in ({"x-immich-user-token": "garbage"}, {"Authorization": "Bearer " + "A" * 6000}, {}):
            status = requests.get(f"{nginx.url}/api/server/ping", headers=headers, timeout=10).status_code
            assert status in (200, 401), (headers.keys(), status)
        assert requests.get(f"{nginx.url}/api/server/ping", headers={"Cookie": "immich_access_token=" + "x" * 20000}, timeout=10).status_code in (400, 401)
        assert Session.objects.count() == rows

        # Logga ut: the very next request is refused by nginx, and Immich never sees it.
        browser.post(f"/account/security/devices/{row.public_id}/sign-out/")
        seen = len(immich.received)
        refused = requests.get(f"{nginx.url}/api/users/me", headers=phone, timeout=10)
        assert refused.status_code == 401 and refused.json()["message"] == "Invalid user token"
        assert "immich_access_token=;" in refused.headers.get("Set-Cookie", "")
        assert len(immich.received) == seen, immich.received[seen:]
        assert immich.accepts(token), "Immich itself was not told yet (no worker ran)"


@pytest.mark.parametrize("fail_open", [False, True], ids=["fail-closed (shipped)", "fail-open (documented change)"])
def test_pixelunion_down_behind_nginx(fail_open):
    """Nothing listens where the gate should answer: the shipped file answers 503 with
    Retry-After and Immich sees nothing; the one-line change docs/immich.md offers lets Immich
    serve the request unchecked instead."""
    from tests.cache_support import free_port
    from tests.immich_standin import ImmichStandin
    from tests.nginx_support import nginx_gate

    standin = ImmichStandin(issuer="http://127.0.0.1:9").start()
    try:
        with nginx_gate(immich_port=standin.port, gate_port=free_port(), secret=SECRET, fail_open=fail_open) as nginx:
            response = requests.get(f"{nginx.url}/api/server/ping", headers={"x-immich-user-token": TOKEN}, timeout=10)
            if fail_open:
                assert response.status_code == 200, nginx.error_log()
                assert standin.received == [("GET", "/api/server/ping")]
            else:
                assert response.status_code == 503, nginx.error_log()
                assert response.headers["Retry-After"] == "30"
                assert response.json()["statusCode"] == 503
                assert standin.received == []
    finally:
        standin.stop()
