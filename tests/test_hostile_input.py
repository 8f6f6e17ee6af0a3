"""Hostile input, table-driven: every case is one request with the status it must get and a
check that the database holds what it should — for most cases, exactly what it held before.

The world of every case: Anna signed in on a laptop (Chrome, Stockholm) and a phone (Safari,
Germany) and in the Immich app; Bertil signed in on his own laptop. Then come ten thousand
random session cookies (no row may appear) and session fixation (a key set before sign-in never
survives the password step or the two-factor step).
"""

from __future__ import annotations

import http.client
import json
import random
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory

from accounts.models import SecurityEvent
from sessions_ui.keys import hash_key, is_valid_key
from sessions_ui.middleware import TrackedSessionMiddleware
from sessions_ui.models import Session
from tests import agents
from tests.api_support import app_client, token_for
from tests.conftest import PASSWORD, make_account, sign_in
from tests.live import ACCOUNT, gunicorn, server_env
from tests.two_factor_support import CODE_STEP, add_authenticator, code_for

pytestmark = pytest.mark.django_db

HUB = "/account/security/"
DEVICES = "/account/security/devices/"
LOGIN = "/accounts/login/"
API_LOGIN = "/api/auth/login"
API_SESSIONS = "/api/sessions"
XSS = '<script>alert("pwn")</script><img src=x onerror=alert(1)>'


@dataclass
class World:
    user: Any
    other: Any
    laptop: Client
    phone: Client
    stranger: Client
    token: str

    def row(self, client: Client) -> Session:
        return Session.objects.get(key_hash=hash_key(client.cookies["sessionid"].value))

    @property
    def laptop_key(self) -> str:
        return self.laptop.cookies["sessionid"].value

    @property
    def phone_id(self) -> uuid.UUID:
        return self.row(self.phone).public_id

    @property
    def stranger_id(self) -> uuid.UUID:
        return self.row(self.stranger).public_id

    def app(self, **extra: str) -> Client:
        return Client(HTTP_USER_AGENT=agents.IMMICH_ANDROID, REMOTE_ADDR=agents.IP_STOCKHOLM, **extra)

    def bearer(self, value: str) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


@pytest.fixture
def world(db) -> World:
    user = make_account("anna@example.com")
    other = make_account("bertil@example.com")
    return World(
        user=user,
        other=other,
        laptop=sign_in(user.email),
        phone=sign_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY),
        stranger=sign_in(other.email, ip=agents.IP_BRITAIN),
        token=token_for(app_client(), user.email),
    )


def snapshot() -> dict[str, Any]:
    rows = {str(r["public_id"]): r for r in Session.objects.order_by("id").values()}
    return {"sessions": rows, "events": SecurityEvent.objects.count()}


# --- what a case may change ---------------------------------------------------------------------
def unchanged(world: World, before: dict, after: dict, response) -> None:
    assert after == before


def laptop_now(**expected: Any) -> Callable:
    """Only Anna's laptop row changed, and (at least) to these values."""

    def check(world: World, before: dict, after: dict, response) -> None:
        laptop = str(world.row(world.laptop).public_id)
        assert set(after["sessions"]) == set(before["sessions"])
        for public_id, row in after["sessions"].items():
            if public_id != laptop:
                assert row == before["sessions"][public_id]
        row = after["sessions"][laptop]
        for name, value in expected.items():
            assert row[name] == value, (name, row[name])
        assert after["events"] == before["events"]

    return check


def one_more_event(world: World, before: dict, after: dict, response) -> None:
    assert after["sessions"] == before["sessions"]
    assert after["events"] == before["events"] + 1


def no_markup(response) -> None:
    """Client text never reaches a page unescaped."""
    body = response.content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "Traceback" not in body


def json_error(response) -> None:
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"message", "statusCode", "error"}
    assert body["statusCode"] == response.status_code


@dataclass(frozen=True)
class Case:
    name: str
    send: Callable[[World], Any]
    status: int
    expect: Callable = unchanged
    check: Callable | None = None
    settings: dict[str, Any] = field(default_factory=dict)


def wire(text: str) -> str:
    """A header value as a WSGI server hands it over: the bytes (UTF-8 from a client that
    sends non-ASCII) read as Latin-1."""
    return text.encode("utf-8").decode("latin-1")


def anonymous(path: str, method: str = "get", **extra: Any) -> Callable[[World], Any]:
    return lambda w: getattr(Client(REMOTE_ADDR=agents.IP_STOCKHOLM), method)(path, **extra)


def with_cookie(value: str) -> Callable[[World], Any]:
    return lambda w: Client(REMOTE_ADDR=agents.IP_STOCKHOLM).get(
        HUB, HTTP_COOKIE=wire(f"sessionid={value}")
    )


def api_with(headers: Callable[[World], dict]) -> Callable[[World], Any]:
    return lambda w: w.app().get(API_SESSIONS, **headers(w))


def api_login_body(body: bytes | str, content_type: str = "application/json") -> Callable:
    return lambda w: w.app().post(API_LOGIN, body, content_type=content_type)


def strict_laptop(w: World) -> Client:
    """Anna's laptop cookies in a client that enforces CSRF like a real browser session."""
    client = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=agents.CHROME_WINDOWS,
                    REMOTE_ADDR=agents.IP_STOCKHOLM)
    client.cookies = w.laptop.cookies
    return client


HUGE_UA = "Mozilla/5.0 " + "A" * 100_000
ANDROID_DIGITS_UA = "Mozilla/5.0 (Linux; Android " + "9" * 5000
LONG_XFF = ",".join(["not-an-ip"] * 1500)
TRUSTED = {"TRUSTED_PROXIES": [agents.IP_STOCKHOLM]}

CASES = [
    # User agents: anonymous visitors write nothing; a signed-in one records the cut, clean text.
    Case("ua 100 KB, anonymous", anonymous(LOGIN, HTTP_USER_AGENT=HUGE_UA), 200),
    Case("ua 100 KB, signed in", lambda w: w.laptop.get(DEVICES, HTTP_USER_AGENT=HUGE_UA), 200,
         laptop_now(user_agent=HUGE_UA[:512]), no_markup),
    Case("ua Android + 5000 digits", lambda w: w.laptop.get(DEVICES, HTTP_USER_AGENT=ANDROID_DIGITS_UA),
         200, laptop_now(user_agent=ANDROID_DIGITS_UA[:512]), no_markup),
    Case("ua XSS", lambda w: w.laptop.get(DEVICES, HTTP_USER_AGENT=XSS), 200,
         laptop_now(user_agent=XSS), no_markup),
    Case("ua XSS on the confirmation page", lambda w: (
        w.phone.get(HUB, HTTP_USER_AGENT=XSS), w.laptop.get(f"{DEVICES}{w.phone_id}/sign-out/"))[1],
         200, lambda w, b, a, r: None, no_markup),
    Case("ua control characters", lambda w: w.laptop.get(HUB, HTTP_USER_AGENT="Mozilla\x00/5.0\x1b[31m\x7f"),
         200, laptop_now(user_agent="Mozilla/5.0[31m")),
    # X-Forwarded-For: believed only from a trusted proxy, read right to left, never raw.
    Case("xff XSS, untrusted peer", lambda w: w.laptop.get(DEVICES, HTTP_X_FORWARDED_FOR=XSS), 200,
         check=no_markup),
    Case("xff spoofed, untrusted peer", lambda w: w.laptop.get(HUB, HTTP_X_FORWARDED_FOR=agents.IP_GERMANY),
         200),
    Case("xff XSS left of the real client, trusted proxy",
         lambda w: w.laptop.get(DEVICES, HTTP_X_FORWARDED_FOR=f"{XSS}, {agents.IP_GERMANY}"), 200,
         laptop_now(ip=agents.IP_GERMANY, country_code="DE"), no_markup, TRUSTED),
    Case("xff only XSS, trusted proxy", lambda w: w.laptop.get(DEVICES, HTTP_X_FORWARDED_FOR=XSS), 200,
         laptop_now(ip=None, country_code="", city=""), no_markup, TRUSTED),
    Case("xff duplicate headers (joined by the server), trusted proxy",
         lambda w: w.laptop.get(HUB, HTTP_X_FORWARDED_FOR="1.1.1.1,5.9.0.1"), 200,
         laptop_now(ip=agents.IP_GERMANY), settings=TRUSTED),
    Case("xff IPv6 with port, trusted proxy",
         lambda w: w.laptop.get(HUB, HTTP_X_FORWARDED_FOR="[2001:db8::7]:443"), 200,
         laptop_now(ip="2001:db8::7"), settings=TRUSTED),
    Case("xff IPv4 with port, trusted proxy",
         lambda w: w.laptop.get(HUB, HTTP_X_FORWARDED_FOR="5.9.0.1:8443"), 200,
         laptop_now(ip=agents.IP_GERMANY), settings=TRUSTED),
    Case("xff 15 KB of garbage, trusted proxy", lambda w: w.laptop.get(HUB, HTTP_X_FORWARDED_FOR=LONG_XFF),
         200, laptop_now(ip=None), settings=TRUSTED),
    Case("peer IPv6 with port", lambda w: Client(REMOTE_ADDR="[2001:db8::5]:51000").get(LOGIN), 200),
    # Session cookies: never a query for a malformed one, never a row for an unknown one.
    Case("cookie empty", with_cookie(""), 302),
    Case("cookie short", with_cookie("abc"), 302),
    Case("cookie non-ASCII", with_cookie("åäöÅÄÖ😀" * 4), 302),
    Case("cookie 10 KB", with_cookie("a" * 10_240), 302),
    Case("cookie unknown but well-formed", with_cookie("k" * 32), 302),
    Case("cookie upper case of a real key", lambda w: Client().get(
        HUB, HTTP_COOKIE=f"sessionid={w.laptop_key.upper()}"), 302),
    Case("cookie a real key with a suffix", lambda w: Client().get(
        HUB, HTTP_COOKIE=f"sessionid={w.laptop_key}x"), 302),
    Case("cookie the app's token, API", lambda w: Client().get(
        API_SESSIONS, HTTP_COOKIE=f"sessionid={w.token}"), 401, check=json_error),
    Case("cookie the app's token, web page", lambda w: Client().get(
        HUB, HTTP_COOKIE=f"sessionid={w.token}"), 302),
    # Bearer tokens: 401 in the API's JSON shape, no row touched.
    Case("token missing", api_with(lambda w: {}), 401, check=json_error),
    Case("token empty", api_with(lambda w: {"HTTP_AUTHORIZATION": "Bearer "}), 401, check=json_error),
    Case("token short", api_with(lambda w: w.bearer("abc")), 401, check=json_error),
    Case("token non-ASCII", api_with(lambda w: w.bearer(wire("åäö😀" * 8))), 401, check=json_error),
    Case("token 10 KB", api_with(lambda w: w.bearer("a" * 10_240)), 401, check=json_error),
    Case("token a browser's cookie", api_with(lambda w: w.bearer(w.laptop_key)), 401, check=json_error),
    Case("token basic auth", api_with(lambda w: {"HTTP_AUTHORIZATION": "Basic YW5uYTpwYXNz"}), 401,
         check=json_error),
    Case("token Immich header garbage", api_with(lambda w: {"HTTP_X_IMMICH_USER_TOKEN": XSS}), 401,
         check=json_error),
    # Other people's sessions and unknown ids: 404, and nothing ends.
    Case("sign out another user's session", lambda w: w.laptop.post(f"{DEVICES}{w.stranger_id}/sign-out/"),
         404, check=no_markup),
    Case("confirm page of another user's session",
         lambda w: w.laptop.get(f"{DEVICES}{w.stranger_id}/sign-out/"), 404),
    Case("'not me' on another user's session",
         lambda w: w.laptop.post(f"{DEVICES}{w.stranger_id}/not-me/"), 404),
    Case("'it was me' on another user's session",
         lambda w: w.laptop.post(f"{DEVICES}{w.stranger_id}/it-was-me/"), 404),
    Case("API: end another user's session",
         lambda w: w.app().delete(f"{API_SESSIONS}/{w.stranger_id}", **w.bearer(w.token)), 404,
         check=json_error),
    Case("sign out an unknown UUID", lambda w: w.laptop.post(f"{DEVICES}{uuid.uuid4()}/sign-out/"), 404),
    Case("sign out a non-UUID", lambda w: w.laptop.post(f"{DEVICES}1%20OR%201=1/sign-out/"), 404),
    Case("API: end an unknown UUID",
         lambda w: w.app().delete(f"{API_SESSIONS}/{uuid.uuid4()}", **w.bearer(w.token)), 404,
         check=json_error),
    Case("API: end a non-UUID",
         lambda w: w.app().delete(f"{API_SESSIONS}/' OR 1=1 --", **w.bearer(w.token)), 404,
         check=json_error),
    # Wrong methods.
    Case("PUT on sign-out", lambda w: w.laptop.put(f"{DEVICES}{w.phone_id}/sign-out/"), 405),
    Case("DELETE on sign-out", lambda w: w.laptop.delete(f"{DEVICES}{w.phone_id}/sign-out/"), 405),
    Case("DELETE on sign out others", lambda w: w.laptop.delete(f"{DEVICES}sign-out-others/"), 405),
    Case("POST on the device list", lambda w: w.laptop.post(DEVICES), 405),
    Case("API: GET on login", lambda w: w.app().get(API_LOGIN), 405, check=json_error),
    Case("API: POST on sessions", lambda w: w.app().post(API_SESSIONS, **w.bearer(w.token)), 405,
         check=json_error),
    Case("API: PATCH a session",
         lambda w: w.app().patch(f"{API_SESSIONS}/{w.phone_id}", **w.bearer(w.token)), 405,
         check=json_error),
    # CSRF: a POST without the token (or from another origin) is refused and ends nothing.
    Case("sign out without CSRF", lambda w: strict_laptop(w).post(f"{DEVICES}{w.phone_id}/sign-out/"), 403),
    Case("sign out others without CSRF", lambda w: strict_laptop(w).post(f"{DEVICES}sign-out-others/"), 403),
    Case("sign out with a wrong CSRF token", lambda w: strict_laptop(w).post(
        f"{DEVICES}{w.phone_id}/sign-out/", {"csrfmiddlewaretoken": "x" * 64}), 403),
    Case("sign out from another origin", lambda w: strict_laptop(w).post(
        f"{DEVICES}sign-out-others/", {"csrfmiddlewaretoken": w.laptop.cookies.get("csrftoken", "")},
        HTTP_ORIGIN="https://evil.example"), 403),
    Case("sign in without CSRF", lambda w: Client(enforce_csrf_checks=True).post(
        LOGIN, {"login": w.user.email, "password": PASSWORD}), 403),
    # JSON bodies of the API: 400 in the API's shape, no session, no log entry.
    Case("JSON malformed", api_login_body("{"), 400, check=json_error),
    Case("JSON array", api_login_body("[]"), 400, check=json_error),
    Case("JSON wrong types", api_login_body('{"email": 5, "password": []}'), 400, check=json_error),
    Case("JSON oversized (3 MB)", api_login_body(json.dumps(
        {"email": "anna@example.com", "password": "x" * 3_000_000})), 400, check=json_error),
    Case("JSON deeply nested", api_login_body("[" * 50_000 + "]" * 50_000), 400, check=json_error),
    Case("JSON not UTF-8", api_login_body(b'{"email": "\xff\xfe", "password": "x"}'), 400,
         check=json_error),
    Case("JSON NUL in the email", api_login_body('{"email": "anna@example.com\\u0000", "password": "x"}'),
         400, check=json_error),
    Case("JSON 100 KB email", api_login_body(json.dumps({"email": "a" * 100_000 + "@example.com",
                                                         "password": "x"})), 400, check=json_error),
    # Read like any JSON body: a wrong password (logged on the account), no session.
    Case("JSON as text/plain", api_login_body('{"email": "anna@example.com", "password": "x"}',
                                              "text/plain"), 401, one_more_event, json_error),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input(world, settings, case):
    for name, value in case.settings.items():
        setattr(settings, name, value)
    before = snapshot()
    response = case.send(world)
    assert response.status_code == case.status, response.content[:300]
    if response.status_code == 302:
        assert response["Location"].startswith(LOGIN)
    new_cookie = response.cookies.get("sessionid")
    assert new_cookie is None or new_cookie["max-age"] == 0 or case.expect is not unchanged
    if case.check is not None:
        case.check(response)
    case.expect(world, before, snapshot(), response)


def test_the_table_is_big(world):
    """For the closing note: how many hostile cases, and every one is distinct."""
    assert len(CASES) >= 50
    assert len({case.name for case in CASES}) == len(CASES)


# --- 10,000 random cookies --------------------------------------------------------------------
def random_cookie(rng: random.Random) -> str:
    """Valid-shaped keys (which cost a lookup) and junk of every shape (which must not)."""
    kind = rng.random()
    if kind < 0.2:
        return "".join(rng.choices(string.ascii_lowercase + string.digits, k=32))
    alphabet = string.printable + "åäöÅÄÖ€😀\u200b"
    return "".join(rng.choices(alphabet, k=rng.randint(0, 80)))


def test_ten_thousand_random_cookies_create_nothing(world, django_assert_num_queries):
    """Through the real session and authentication middleware (the part of the stack a cookie
    reaches): one lookup for each well-formed key, none for the rest, no row, no cookie, nobody
    signed in. A sample also goes through every middleware to a signed-in page."""
    seen: list[bool] = []

    def view(request):
        seen.append(request.user.is_authenticated)
        return HttpResponse("ok")

    chain = TrackedSessionMiddleware(AuthenticationMiddleware(view))
    factory = RequestFactory()
    rng = random.Random(20240607)
    cookies = [random_cookie(rng) for _ in range(10_000)]
    rows = Session.objects.count()
    set_cookies = 0
    with django_assert_num_queries(sum(map(is_valid_key, cookies))):
        for cookie in cookies:
            request = factory.get(HUB)
            request.COOKIES["sessionid"] = cookie
            response = chain(request)
            cookie = response.cookies.get("sessionid")
            set_cookies += cookie is not None and cookie["max-age"] != 0
    assert len(seen) == 10_000 and not any(seen)
    assert set_cookies == 0
    assert Session.objects.count() == rows

    for _ in range(200):  # the whole stack, to a page that needs a session
        response = Client().get(HUB, HTTP_COOKIE=wire(f"sessionid={random_cookie(rng)}"))
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert Session.objects.count() == rows


# --- session fixation ---------------------------------------------------------------------------
def signed_in_as(client: Client) -> bool:
    return client.get(HUB).status_code == 200


def planted(key: str, **extra: str) -> Client:
    client = Client(HTTP_USER_AGENT=agents.CHROME_WINDOWS, REMOTE_ADDR=agents.IP_STOCKHOLM, **extra)
    client.cookies["sessionid"] = key
    return client


def attacker_key(email: str) -> str:
    """A real, live key the attacker holds: their own session on the site."""
    return sign_in(email).cookies["sessionid"].value


@pytest.mark.parametrize("plant", ["unknown key", "attacker's own live session"])
def test_a_key_set_before_sign_in_never_survives_it(world, plant):
    key = "f" * 32 if plant == "unknown key" else attacker_key(world.other.email)
    victim = planted(key)
    victim.get(LOGIN)
    response = victim.post(LOGIN, {"login": world.user.email, "password": PASSWORD})
    assert response.status_code == 302
    # Whatever the key was, it never becomes a session of the victim's account.
    assert not Session.objects.filter(key_hash=hash_key(key), user=world.user).exists()
    page = planted(key).get(DEVICES)
    assert world.user.email not in page.content.decode()
    if plant == "unknown key":
        assert victim.cookies["sessionid"].value != key and signed_in_as(victim)
        assert page.status_code == 302
    else:
        # allauth sends a signed-in browser away from the login form: the browser stays in the
        # attacker's account (visible at once), and the attacker's key stays the attacker's.
        assert Session.objects.get(key_hash=hash_key(key)).user_id == world.other.pk


def test_neither_the_planted_key_nor_the_password_step_key_survive_the_code_step(world):
    device = add_authenticator(world.user)
    planted_key = "e" * 32
    victim = planted(planted_key)
    victim.get(LOGIN)
    response = victim.post(LOGIN, {"login": world.user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert victim.get(HUB)["Location"].startswith(CODE_STEP)  # signed in for the code step only
    half_key = victim.cookies["sessionid"].value
    assert half_key != planted_key
    # An attacker holding the half-signed-in key before the code step…
    response = victim.post(CODE_STEP, {"code": code_for(device)})
    assert response.status_code == 302
    full_key = victim.cookies["sessionid"].value
    assert full_key not in {planted_key, half_key}
    assert signed_in_as(victim)
    # …holds nothing afterwards: both old keys are dead, no row carries their hashes.
    for old in (planted_key, half_key):
        assert not Session.objects.filter(key_hash=hash_key(old)).exists()
        assert planted(old).get(HUB).status_code == 302


# --- on the wire: what only a real server sees ----------------------------------------------------
def raw_request(port: int, path: str, headers: list[tuple[str, str | bytes]]) -> tuple[int, str]:
    """One request with exactly these header lines (repeats and raw bytes allowed)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", "127.0.0.1")
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


@pytest.mark.postgres
def test_hostile_headers_on_gunicorn(live_database, tmp_path):
    """Through gunicorn (``gunicorn.conf.py``), behind a trusted proxy on 127.0.0.1: repeated
    X-Forwarded-For and Cookie lines, a 100 KB header, raw non-UTF-8 bytes."""
    def rows() -> list[tuple]:
        with psycopg.connect(live_database, autocommit=True) as db:
            return db.execute(
                "SELECT public_id, host(ip), user_agent FROM sessions_ui_session ORDER BY id"
            ).fetchall()

    env = server_env(live_database, TRUSTED_PROXIES="127.0.0.1")
    with gunicorn(env, tmp_path) as server:
        laptop = server.client()
        laptop.sign_in(ACCOUNT)
        cookie = ("Cookie", f"sessionid={laptop.session_key}")
        agent = ("User-Agent", agents.CHROME_WINDOWS)
        before = rows()
        assert [ip for _id, ip, _ua in before] == ["127.0.0.1"]

        # A header line over gunicorn's limit: refused before the app, nothing changed.
        status, _ = raw_request(server.port, HUB, [cookie, ("User-Agent", "A" * 100_000)])
        assert status == 431 and rows() == before  # Request Header Fields Too Large
        # Raw bytes that are not UTF-8, in the user agent: the row keeps clean text.
        status, body = raw_request(server.port, HUB, [cookie, ("User-Agent", b"Mozilla/5.0 \xff\xfe\x00")])
        assert status in {200, 400} and "Traceback" not in body
        # A second Cookie line with junk: no 500, no new row, the session not ended.
        status, body = raw_request(server.port, HUB, [cookie, agent, ("Cookie", "sessionid=" + "z" * 40)])
        assert status in {200, 302} and "Traceback" not in body
        assert len(rows()) == 1
        # Two X-Forwarded-For lines: gunicorn joins them; the right-most untrusted one counts.
        status, body = raw_request(server.port, HUB, [
            cookie, agent, ("X-Forwarded-For", XSS), ("X-Forwarded-For", agents.IP_GERMANY),
        ])
        assert status == 200 and "<script>alert" not in body
        assert [ip for _id, ip, _ua in rows()] == [agents.IP_GERMANY]
        # Only junk forwarded: no address believed (and none invented).
        status, _ = raw_request(server.port, HUB, [cookie, agent, ("X-Forwarded-For", XSS)])
        assert status == 200 and [ip for _id, ip, _ua in rows()] == [None]
        # IPv6 with a port, as some proxies write it.
        status, _ = raw_request(server.port, HUB, [cookie, agent, ("X-Forwarded-For", "[2001:db8::7]:443")])
        assert status == 200 and [ip for _id, ip, _ua in rows()] == ["2001:db8::7"]
        assert "Traceback" not in server.log_text()
