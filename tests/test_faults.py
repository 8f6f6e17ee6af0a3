"""Faults on a real server: PostgreSQL and Redis instances of the test's own are stopped under
the running app (gunicorn, two workers), and the GeoIP file goes missing, corrupt or is replaced.

What the person at the browser must see:

* PostgreSQL away: every signed-in page answers 503 with the Swedish error page ("Tillfälligt
  otillgänglig"), never a traceback, never "session deleted", never a page served without its
  session check; a sign-out posted meanwhile changes nothing; when PostgreSQL is back the same
  gunicorn serves again by itself (connection health checks), with every session intact.
* Redis away: pages and sign-ins go on from the database; revocation still works; sign-in rate
  limits are counted in the database cache meanwhile, shared by every worker.
* A signed-out session stays signed out whatever Redis does: restarted from its dump with the
  old entries (and every worker replaced meanwhile), one app server cut off from Redis, Redis
  paused at the moment of the sign-out. No request that starts more than 1 s after the sign-out
  returned is served as the session (the figures list those that were, and when).
* GeoIP file missing, corrupt, or replaced while the app runs: sign-in works, the place shows
  as "Okänd plats" (or the new data), one log line per broken file, never a 500.

``make test`` runs the short versions (PostgreSQL pass only: the instances are private, but one
run is enough); ``make soak`` repeats outages under load for a minute.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator

import psycopg
import pytest

from sessions_ui.geo import reset_reader
from tests import agents
from tests.conftest import sign_in
from tests.geoip_fixtures import BERLIN, STOCKHOLM, replace_file, write_city_db
from tests.live import (
    ACCOUNT,
    API_SESSIONS,
    DEVICES,
    HUB,
    LOGIN,
    OTHER_ACCOUNT,
    SESSION_DELETED,
    HttpClient,
    Reply,
    create_database,
    gunicorn,
    prepare_database,
    report,
    server_env,
    shared_postgres_url,
    unique_name,
)
from tests.private_services import PrivatePostgres, PrivateRedis

SWEDISH_503 = "Tillfälligt otillgänglig"
WRONG_PASSWORD = re.compile(r"not correct|inte korrekt", re.IGNORECASE)
RATE_LIMITED = re.compile(r"Too many failed login attempts|För många misslyckade", re.IGNORECASE)


@pytest.fixture(scope="module")
def private_pg() -> Iterator[PrivatePostgres]:
    """A cluster of this module's own, with a migrated template database to copy."""
    shared_postgres_url()  # once per `make test`: in the PostgreSQL pass
    cluster = PrivatePostgres()
    try:
        cluster.start()
        create_database(cluster.url(), "template_app")
        prepare_database(cluster.url("template_app"), ACCOUNT, OTHER_ACCOUNT)
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def private_database(private_pg: PrivatePostgres) -> str:
    name = unique_name("faults")
    return create_database(private_pg.url(), name, template="template_app")


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    instance = PrivateRedis()
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


def public_id_of(dsn: str, client: HttpClient) -> str:
    from sessions_ui.keys import hash_key

    with psycopg.connect(dsn, autocommit=True) as db:
        row = db.execute(
            "SELECT public_id FROM sessions_ui_session WHERE key_hash = %s",
            [hash_key(client.session_key)],
        ).fetchone()
    assert row is not None
    return str(row[0])


def heading(reply: Reply) -> str:
    match = re.search(r"<h1>(.*?)</h1>", reply.body, re.S)
    return match.group(1).strip() if match else ""


def assert_outage_page(reply: Reply) -> None:
    """The Swedish 503 page: no traceback, no "session deleted", nothing else of the app."""
    assert reply.status == 503, (reply.status, reply.location, reply.body[:300])
    assert heading(reply) == SWEDISH_503
    assert "Traceback" not in reply.body and SESSION_DELETED not in reply.body
    assert reply.headers.get("Retry-After") == "30"
    assert "no-store" in reply.headers.get("Cache-Control", "")
    assert 'data-session="' not in reply.body and ACCOUNT not in reply.body


class Traffic:
    """Background clients, each request recorded with its start and end."""

    def __init__(self, clients: list[tuple[HttpClient, str]]) -> None:
        self.clients = clients
        self.records: list[tuple[float, float, int, str]] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._loop, args=(c, p), daemon=True) for c, p in clients
        ]

    def _loop(self, client: HttpClient, path: str) -> None:
        while not self.stop.is_set():
            try:
                reply = client.request("GET", path, timeout=15)
            except OSError:
                with self.lock:
                    self.records.append((time.monotonic(), time.monotonic(), 0, path))
                continue
            with self.lock:
                self.records.append((reply.started, reply.finished, reply.status, path))
            time.sleep(0.02)

    def __enter__(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


def probe_outage(laptop: HttpClient, app: HttpClient, phone_id: str, port: int) -> dict[str, str]:
    """Everything a user can try while PostgreSQL is away; returns what they saw."""
    seen: dict[str, str] = {}
    for path in (HUB, DEVICES, f"{DEVICES}{phone_id}/sign-out/"):
        reply = laptop.request("GET", path)
        assert_outage_page(reply)
        seen[f"GET {path.split(phone_id)[0]}…"] = f"{reply.status} {heading(reply)}"
    reply = laptop.request("POST", f"{DEVICES}{phone_id}/sign-out/", form={})
    assert_outage_page(reply)
    seen["POST sign-out"] = f"{reply.status} {heading(reply)}"
    reply = laptop.request("POST", f"{DEVICES}sign-out-others/", form={})
    assert_outage_page(reply)
    # A cookie the server has never seen cannot be checked either: 503, not the login page.
    stranger = HttpClient(port, source_ip="127.0.1.9")
    stranger.cookies["sessionid"] = "a" * 32
    assert_outage_page(stranger.request("GET", HUB))
    reply = app.request("GET", API_SESSIONS)
    assert reply.status == 503, reply.body[:300]
    body = json.loads(reply.body)
    assert body["statusCode"] == 503 and reply.headers["Content-Type"] == "application/json"
    seen["API GET /api/sessions"] = f"{reply.status} {body['message']}"
    health = HttpClient(port).request("GET", "/healthz")
    assert health.status == 503 and json.loads(health.body)["database"] == "down"
    seen["/healthz"] = f"{health.status} {health.body}"
    return seen


def wait_for_service(laptop: HttpClient, seconds: float = 30) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        reply = laptop.request("GET", HUB)
        if reply.status == 200:
            return time.monotonic() - started
        assert reply.status == 503, (reply.status, reply.body[:300])
        time.sleep(0.1)
    raise AssertionError("the service did not come back after PostgreSQL did")


OUTAGES = [
    pytest.param(1, 1.0, id="one-outage"),
    pytest.param(4, 8.0, id="60s-four-outages", marks=pytest.mark.soak),
]


@pytest.mark.postgres
@pytest.mark.parametrize("outages,outage_seconds", OUTAGES)
def test_postgresql_stopped_mid_run(
    request, private_pg, private_database, tmp_path, outages, outage_seconds
):
    dsn = private_database
    with gunicorn(server_env(dsn), tmp_path) as server:
        laptop = server.client(source_ip="127.0.1.1")
        phone = server.client(user_agent=agents.SAFARI_IPHONE, source_ip="127.0.1.2")
        app = server.client(user_agent=agents.IMMICH_ANDROID, source_ip="127.0.1.3")
        laptop.sign_in(ACCOUNT)
        phone.sign_in(ACCOUNT)
        assert app.app_sign_in(ACCOUNT).status == 201
        phone_id = public_id_of(dsn, phone)
        assert laptop.request("GET", HUB).status == 200

        windows: list[tuple[float, float]] = []
        seen: dict[str, str] = {}
        recoveries: list[float] = []
        background = [(laptop, HUB), (phone, DEVICES), (app, API_SESSIONS), (phone, HUB)]
        with Traffic(background) as traffic:
            time.sleep(0.5)
            for number in range(outages):
                private_pg.stop("fast" if number % 2 == 0 else "immediate")
                down = time.monotonic()
                seen = probe_outage(laptop, app, phone_id, server.port)
                time.sleep(max(0.0, outage_seconds - (time.monotonic() - down)))
                up = time.monotonic()
                windows.append((down, up))
                private_pg.start()
                recoveries.append(wait_for_service(laptop))
                time.sleep(outage_seconds)

        # Nothing was lost or changed: the phone that was "signed out" during the outage is
        # still signed in, and every session works on the very same gunicorn.
        assert phone.request("GET", HUB).status == 200
        assert app.request("GET", API_SESSIONS).status == 200
        assert laptop.request("GET", DEVICES).status == 200
        log = server.log_text()

    statuses = Counter(status for _s, _f, status, _p in traffic.records)
    granted_blind = [
        r for r in traffic.records
        if r[2] == 200 and any(down <= r[0] and r[1] <= up for down, up in windows)
    ]
    figures = {
        "requests": len(traffic.records), "status": dict(sorted(statuses.items())),
        "granted_during_outage": len(granted_blind),
        "recovery_s": [round(r, 2) for r in recoveries], "user_saw": seen,
    }
    report(request, f"PostgreSQL stopped {outages}× under load", figures)
    assert set(statuses) <= {200, 503}, statuses
    assert granted_blind == []
    assert statuses[503] > 0 and statuses[200] > 0
    assert max(recoveries) < 15
    assert "Database unavailable: OperationalError" in log


# --- Redis ------------------------------------------------------------------------------------
def try_wrong_passwords(port: int, attempts: int) -> Counter:
    """Wrong passwords for ACCOUNT from one address; what each answer was."""
    outcome: Counter = Counter()
    attacker = HttpClient(port, source_ip="127.0.2.66", headers={"Accept-Language": "en"})
    attacker.request("GET", LOGIN)
    for _ in range(attempts):
        reply = attacker.request("POST", LOGIN, form={"login": ACCOUNT, "password": "fel"})
        if RATE_LIMITED.search(reply.body) or reply.status == 429:
            outcome["limited"] += 1
        elif reply.status == 200 and WRONG_PASSWORD.search(reply.body):
            outcome["checked"] += 1
        else:
            outcome[f"other {reply.status}"] += 1
    return outcome


@pytest.mark.postgres
@pytest.mark.redis
def test_redis_stopped_sessions_and_pages_go_on_from_the_database(
    request, private_database, private_redis, tmp_path
):
    dsn = private_database
    workers = 2
    env = server_env(dsn, REDIS_URL=private_redis.url(), WEB_CONCURRENCY=str(workers),
                     SESSION_CACHE_RETRY_AFTER="1")
    with gunicorn(env, tmp_path) as server:
        laptop = server.client(source_ip="127.0.2.1")
        phone = server.client(user_agent=agents.SAFARI_IPHONE, source_ip="127.0.2.2")
        laptop.sign_in(ACCOUNT)
        phone.sign_in(ACCOUNT)
        for _ in range(3):  # warm: the sessions are read from Redis now
            assert laptop.request("GET", HUB).status == 200
            assert phone.request("GET", HUB).status == 200

        private_redis.stop()
        seen = {}
        with Traffic([(laptop, HUB), (phone, DEVICES)]) as traffic:
            time.sleep(1.0)
            reply = laptop.request("GET", DEVICES)
            assert reply.status == 200 and reply.body.count('data-session="') == 2
            seen["signed-in page"] = str(reply.status)
            newcomer = server.client(user_agent=agents.FIREFOX_LINUX, source_ip="127.0.2.3")
            _page, signed_in = newcomer.sign_in(ACCOUNT)
            assert signed_in.status == 302 and not signed_in.to_login()
            assert newcomer.request("GET", HUB).status == 200
            seen["sign-in"] = str(signed_in.status)
            # Ending a session works and holds without the cache.
            reply = laptop.request(
                "POST", f"{DEVICES}{public_id_of(dsn, newcomer)}/sign-out/", form={}
            )
            assert reply.status == 302 and reply.location.endswith(DEVICES)
            assert newcomer.request("GET", HUB).to_login()
            seen["sign-out"] = "302, the device's next page is the login page"
            limits = try_wrong_passwords(server.port, 20)
            health = server.client().request("GET", "/healthz")
            assert health.status == 503 and json.loads(health.body)["cache"] == "down"
        statuses = Counter(status for _s, _f, status, _p in traffic.records)

        private_redis.start()
        time.sleep(1.5)  # the workers retry Redis after SESSION_CACHE_RETRY_AFTER (1 s here)
        assert newcomer.request("GET", HUB).to_login(), "a session ended during the outage is back"
        assert laptop.request("GET", HUB).status == 200
        assert server.client().request("GET", "/healthz").status == 200
        log = server.log_text()

    report(request, "Redis stopped", {"requests": len(traffic.records),
                                      "status": dict(statuses), "wrong_passwords": dict(limits),
                                      "user_saw": seen})
    assert set(statuses) == {200}, statuses
    # While Redis is away the counters are in the database cache, shared by both workers:
    # the account's limit (5 failures) holds for the whole server.
    assert limits == {"checked": 5, "limited": 15}, limits
    assert "Session cache unavailable" in log


# --- GeoIP ------------------------------------------------------------------------------------
GEO_LOGGER = "sessions_ui.geo"
IN_STOCKHOLM = "203.0.113.5"  # Stockholm in tests.geoip_fixtures' default database
STOCKHOLM_LABEL = "Stockholm, Sverige"
UNKNOWN = "Okänd plats"


def current_location(browser) -> str:
    """The "Plats" of "Den här enheten" on Enhetsaktivitet, as the page shows it."""
    response = browser.get(DEVICES)
    assert response.status_code == 200
    html = response.content.decode()
    card = html[re.search(r'class="session session--current[ "]', html).start():]
    card = card[: card.index("</li>")]
    return re.search(r"<dd>(.*?)</dd>", card, re.S).group(1).strip()


def geo_errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == GEO_LOGGER and r.levelname == "ERROR"]


@pytest.fixture
def geo(settings, caplog):
    """GEOIP_DB to set; no reader or logged failure leaks in or out."""
    caplog.set_level("ERROR", logger=GEO_LOGGER)
    reset_reader()
    yield settings
    reset_reader()


def write_garbage(path) -> None:
    staging = path.with_name(path.name + ".tmp")
    staging.write_bytes(b"this is not a MaxMind database\n" * 64)
    os.replace(staging, path)


@pytest.mark.django_db
@pytest.mark.parametrize("breakage", ["missing", "corrupt"])
def test_broken_geoip_file_sign_in_works_and_place_is_unknown(
    user, geo, tmp_path, caplog, breakage
):
    path = tmp_path / "City.mmdb"
    if breakage == "corrupt":
        write_garbage(path)
    geo.GEOIP_DB = str(path)
    laptop = sign_in(user.email, ip=IN_STOCKHOLM)
    assert current_location(laptop) == UNKNOWN
    phone = sign_in(user.email, user_agent=agents.SAFARI_IPHONE, ip="203.0.113.77")
    assert current_location(phone) == UNKNOWN
    errors = geo_errors(caplog)
    assert len(errors) == 1 and str(path) in errors[0], errors


@pytest.mark.django_db
def test_geoip_file_replaced_while_running(user, geo, tmp_path, caplog):
    path = write_city_db(tmp_path / "City.mmdb")
    geo.GEOIP_DB = str(path)
    laptop = sign_in(user.email, ip=IN_STOCKHOLM)
    assert current_location(laptop) == STOCKHOLM_LABEL

    replace_file(path, {"203.0.113.0/24": BERLIN})  # as geoipupdate does: write aside, rename
    phone = sign_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=IN_STOCKHOLM)
    assert current_location(phone) == "Berlin, Tyskland"
    assert current_location(laptop) == STOCKHOLM_LABEL  # recorded at sign-in, not re-read

    write_garbage(path)  # a broken update
    tablet = sign_in(user.email, user_agent=agents.FIREFOX_LINUX, ip=IN_STOCKHOLM)
    assert current_location(tablet) == UNKNOWN
    assert len(geo_errors(caplog)) == 1
    sign_in(user.email, ip="203.0.113.9")  # still broken: no second line
    assert len(geo_errors(caplog)) == 1

    write_city_db(path.with_name("fixed.mmdb"))  # repaired
    os.replace(path.with_name("fixed.mmdb"), path)
    again = sign_in(user.email, user_agent=agents.FIREFOX_LINUX, ip=IN_STOCKHOLM)
    assert current_location(again) == STOCKHOLM_LABEL
    assert len(geo_errors(caplog)) == 1


@pytest.mark.soak
@pytest.mark.postgres
def test_geoip_file_swapped_under_load(request, private_database, tmp_path):
    """A minute of sign-ins (through a trusted proxy, so real addresses are looked up) while
    the file is replaced, broken, removed and restored every half second."""
    path = write_city_db(tmp_path / "City.mmdb")
    env = server_env(private_database, GEOIP_DB=str(path), TRUSTED_PROXIES="127.0.0.0/8")
    states = ["berlin", "corrupt", "stockholm", "missing", "stockholm"]
    outcome: Counter = Counter()
    broken = 0
    with gunicorn(env, tmp_path) as server:
        stop = threading.Event()

        def sign_ins(n: int) -> None:
            turn = 0
            while not stop.is_set():
                turn += 1
                # A device of its own each time, forwarding an address the GeoIP file knows, a
                # different one each turn: allauth allows 30 sign-ins a minute per address, and
                # the counters are shared by both workers (the database cache, no Redis here).
                client = server.client(
                    source_ip=f"127.0.{3 + turn % 200}.{n}",
                    headers={"X-Forwarded-For": f"203.0.113.{n + 4 * (turn % 60)}"},
                )
                page, reply = client.sign_in(ACCOUNT)
                outcome[f"sign-in {page.status}/{reply.status}"] += 1
                shown = client.request("GET", DEVICES)
                outcome[f"devices {shown.status}"] += 1
                for place in re.findall(r"<dt>Plats</dt><dd>(.*?)</dd>", shown.body):
                    outcome[place] += 1
                # Sign out again, so the list stays short.
                client.request("POST", "/accounts/logout/", form={})

        threads = [threading.Thread(target=sign_ins, args=(n,)) for n in range(1, 5)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        step = 0
        while time.monotonic() < deadline:
            state = states[step % len(states)]
            step += 1
            if state == "missing":
                path.unlink(missing_ok=True)
                broken += 1
            elif state == "corrupt":
                write_garbage(path)
                broken += 1
            else:
                networks = {"203.0.113.0/24": BERLIN if state == "berlin" else STOCKHOLM}
                staging = write_city_db(tmp_path / "staging.mmdb", networks)
                os.replace(staging, path)
            time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join()
        log = server.log_text()
    lines = log.count("GeoIP database")
    report(request, "GeoIP file swapped under load", {"outcome": dict(outcome), "log_lines": lines,
                                                       "broken_states": broken})
    assert {k for k in outcome if k.startswith("sign-in")} == {"sign-in 200/302"}, outcome
    assert {k for k in outcome if k.startswith("devices")} == {"devices 200"}, outcome
    places = {k for k in outcome if not k.startswith(("sign-in", "devices"))}
    assert places <= {STOCKHOLM_LABEL, "Berlin, Tyskland", UNKNOWN}, places
    # One line per broken file per worker at most (two workers), never one per lookup.
    assert 0 < lines <= 2 * broken, lines


# --- Revocation under cache faults --------------------------------------------------------------
# The promise: once a sign-out has returned, no request that starts later than GRACE after it is
# served as that session, on any app server, whatever Redis does and whichever worker exits.
GRACE = 1.0
# Longer than the workers' Redis retry (SESSION_CACHE_RETRY_AFTER, 5 s), so a debt only the
# revoking worker knew would have been paid by then: what is served after is served by others.
WATCH = 7.0
WORKERS = "3"


@pytest.fixture
def persisted_redis() -> Iterator[PrivateRedis]:
    """A Redis that keeps an RDB dump, to restart "with its data"."""
    instance = PrivateRedis(persist=True)
    instance.start()
    try:
        yield instance
    finally:
        instance.destroy()


def signed_in_victims(server, owner_server=None, number: int = 0) -> tuple[HttpClient, HttpClient]:
    """A browser and an app of ACCOUNT, warm in Redis: each asked often enough that every
    worker has read its entry from the cache."""
    browser = server.client(source_ip=f"127.0.6.{10 + number}")
    browser.sign_in(ACCOUNT)
    app = server.client(user_agent=agents.IMMICH_ANDROID, source_ip=f"127.0.6.{100 + number}")
    assert app.app_sign_in(ACCOUNT).status == 201
    for _ in range(9):
        assert browser.request("GET", HUB).status == 200
        assert app.request("GET", API_SESSIONS).status == 200
    return browser, app


def sign_out(owner: HttpClient, dsn: str, *victims: HttpClient) -> float:
    """The owner ends each victim from Enhetsaktivitet; when the last sign-out returned."""
    ended = 0.0
    for victim in victims:
        reply = owner.request("POST", f"{DEVICES}{public_id_of(dsn, victim)}/sign-out/", form={})
        assert reply.status == 302 and reply.location.endswith(DEVICES), reply.status
        ended = reply.finished
    return ended


def served_after(ended: float, browser: HttpClient, app: HttpClient,
                 seconds: float = WATCH) -> list[tuple[str, float]]:
    """Ask as the signed-out browser and app for ``seconds``: (who, seconds after the sign-out
    the request started) for every request that was served as the session."""
    served: list[tuple[str, float]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = browser.request("GET", HUB)
        if page.status == 200:
            served.append(("browser", round(page.started - ended, 2)))
        else:
            assert page.to_login(), (page.status, page.location)
        api = app.request("GET", API_SESSIONS)
        if api.status == 200:
            served.append(("app", round(api.started - ended, 2)))
        else:
            assert api.status == 401, (api.status, api.body[:200])
        time.sleep(0.03)
    return served


def late(served: list[tuple[str, float]]) -> list[tuple[str, float]]:
    return [(who, at) for who, at in served if at > GRACE]


def worker_pids(server) -> set[int]:
    pid = server.process.pid
    children = f"/proc/{pid}/task/{pid}/children"
    with open(children) as listing:
        return {int(p) for p in listing.read().split()}


def restart_workers(server) -> None:
    """Every worker exits (as with gunicorn's ``max_requests`` or a deploy): SIGTERM to each of
    this server's own workers; the arbiter forks new ones."""
    import signal

    old = worker_pids(server)
    for pid in old:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = worker_pids(server)
        if len(now) == int(WORKERS) and not now & old:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("gunicorn did not replace its workers")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.parametrize("workers_exit", [False, True], ids=["restart", "restart-and-workers-exit"])
def test_redis_restarted_with_its_dump_never_brings_a_signed_out_session_back(
    request, private_database, persisted_redis, tmp_path, workers_exit
):
    """Redis goes away with the sessions warm in it and comes back from its dump, old entries
    and all, after a sign-out made meanwhile; with ``workers_exit`` every worker is replaced
    in between too, so no process remembers the sign-out in its memory."""
    dsn = private_database
    env = server_env(dsn, REDIS_URL=persisted_redis.url(), WEB_CONCURRENCY=WORKERS)
    with gunicorn(env, tmp_path) as server:
        owner = server.client(source_ip="127.0.6.1")
        owner.sign_in(ACCOUNT)
        browser, app = signed_in_victims(server)
        persisted_redis.save()  # the dump holds both sessions' entries
        persisted_redis.stop()
        ended = sign_out(owner, dsn, browser, app)
        if workers_exit:
            restart_workers(server)
        persisted_redis.start()  # loads the dump: the ended sessions' entries are back
        served = served_after(ended, browser, app)
        assert owner.request("GET", HUB).status == 200  # the owner's own session is intact
    report(request, f"Redis restarted from its dump{' + workers exit' if workers_exit else ''}",
           {"served_after_sign_out_s": served})
    assert late(served) == [], served


@pytest.mark.postgres
@pytest.mark.redis
def test_one_app_server_cut_off_from_redis_signs_out_on_every_app_server(
    request, private_database, private_redis, tmp_path
):
    """Two app servers on one database and one Redis; the one the owner uses loses its link to
    Redis (a partition: its tombstones cannot be written, for as long as it lasts) and signs
    out a session the other app server has warm in Redis."""
    from tests.cache_support import TcpProxy

    dsn = private_database
    link = TcpProxy(("127.0.0.1", private_redis.port))
    link.start()
    try:
        cut_off_env = server_env(dsn, REDIS_URL=f"redis://127.0.0.1:{link.port}/0")
        other_env = server_env(dsn, REDIS_URL=private_redis.url())
        with gunicorn(cut_off_env, tmp_path) as cut_off, gunicorn(other_env, tmp_path) as other:
            owner = cut_off.client(source_ip="127.0.6.2")
            owner.sign_in(ACCOUNT)
            browser, app = signed_in_victims(other)
            link.stop()  # the partition
            ended = sign_out(owner, dsn, browser, app)
            served = served_after(ended, browser, app)
            link.start()  # healed
            served += served_after(ended, browser, app, seconds=2)
    finally:
        link.stop()
    report(request, "One app server cut off from Redis", {"served_after_sign_out_s": served})
    assert late(served) == [], served


PAUSES = [
    pytest.param(1, id="one-pause"),
    pytest.param(5, id="five-pauses", marks=pytest.mark.soak),
]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.parametrize("attempts", PAUSES)
def test_redis_hung_during_a_revocation_never_brings_the_session_back(
    request, private_database, private_redis, tmp_path, attempts
):
    """Redis freezes (SIGSTOP: connections hang, the data stays) while a warm session is
    signed out, then thaws: the ended session must stay ended."""
    from sessions_ui.keys import hash_key

    served: list[tuple[int, str, float]] = []
    env = server_env(private_database, REDIS_URL=private_redis.url(), WEB_CONCURRENCY=WORKERS)
    with gunicorn(env, tmp_path) as server:
        owner = server.client(source_ip="127.0.5.1")
        owner.sign_in(ACCOUNT)
        for attempt in range(attempts):
            browser, app = signed_in_victims(server, number=attempt)
            private_redis.freeze()
            try:
                ended = sign_out(owner, private_database, browser, app)
            finally:
                private_redis.thaw()
            with psycopg.connect(private_database, autocommit=True) as db:
                assert not db.execute(
                    "SELECT 1 FROM sessions_ui_session WHERE key_hash = %s",
                    [hash_key(browser.session_key)],
                ).fetchone()
            served += [(attempt, who, at) for who, at in served_after(ended, browser, app)]
    report(request, "Redis hung during a revocation", {"attempts": attempts,
                                                        "served_after_sign_out_s": served})
    assert [s for s in served if s[2] > GRACE] == [], served


# --- Redis Sentinel -----------------------------------------------------------------------------
def until(predicate, seconds: float, what: str) -> float:
    """Wait for a state of the services (a bound on waiting, never a timing assertion)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if predicate():
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {seconds} s")


@pytest.mark.postgres
@pytest.mark.redis
def test_sentinel_promotes_the_replica_mid_load_and_a_sign_out_just_before_holds(
    request, private_database, tmp_path
):
    """A primary, a replica and Debian's redis-sentinel; the app finds the primary through the
    sentinel (REDIS_SENTINELS). The primary is killed under load right after a sign-out (whose
    tombstones may not have reached the replica): the sentinel promotes the replica, every page
    keeps working (from the database meanwhile), and the signed-out browser and app stay out."""
    import redis

    from tests.private_services import PrivateSentinel, replication_is_up

    dsn = private_database
    primary = PrivateRedis()
    replica = None
    sentinel = None
    primary.start()
    try:
        replica = PrivateRedis(extra=["--replicaof", "127.0.0.1", str(primary.port)])
        replica.start()
        until(lambda: replication_is_up(replica.port), 15, "the replica synced")
        sentinel = PrivateSentinel(primary.port)
        sentinel.start()
        watcher = redis.Redis(port=sentinel.port, socket_timeout=2)
        until(lambda: watcher.sentinel_slaves(sentinel.name), 15, "the sentinel saw the replica")
        env = server_env(dsn, REDIS_URL=f"redis://{sentinel.name}/0", WEB_CONCURRENCY=WORKERS,
                         REDIS_SENTINELS=f"127.0.0.1:{sentinel.port}", SESSION_CACHE_RETRY_AFTER="1")
        with gunicorn(env, tmp_path) as server:
            owner = server.client(source_ip="127.0.8.1")
            owner.sign_in(ACCOUNT)
            readers = [server.client(source_ip=f"127.0.8.{n}") for n in (2, 3)]
            for reader in readers:
                reader.sign_in(ACCOUNT)
            browser, app = signed_in_victims(server, number=40)
            assert redis.Redis(port=primary.port).keys("pu-s:*"), "sessions are not in Redis"
            with Traffic([(readers[0], HUB), (readers[1], DEVICES)]) as traffic:
                time.sleep(0.5)
                ended = sign_out(owner, dsn, browser, app)
                primary.process.kill()  # the primary dies mid-load, right after the sign-out
                primary.process.wait()
                promoted = until(lambda: sentinel.primary() == ("127.0.0.1", replica.port),
                                 30, "the sentinel promoted the replica")
                served = served_after(ended, browser, app)
                newcomer = server.client(user_agent=agents.FIREFOX_LINUX, source_ip="127.0.8.9")
                _page, signed_in = newcomer.sign_in(ACCOUNT)
                assert signed_in.status == 302 and not signed_in.to_login()
                assert newcomer.request("GET", HUB).status == 200
            # Back on Redis, the promoted one: the health check says so and entries land there.
            until(lambda: server.client().request("GET", "/healthz").status == 200, 15,
                  "the app uses the new primary")
            for _ in range(3):
                assert newcomer.request("GET", HUB).status == 200
            assert redis.Redis(port=replica.port).keys("pu-s:*")
            assert owner.request("GET", DEVICES).status == 200
        statuses = Counter(status for _s, _f, status, _p in traffic.records)
    finally:
        if sentinel is not None:
            sentinel.destroy()
        if replica is not None:
            replica.stop()
        primary.stop()
    report(request, "Sentinel failover mid-load", {
        "requests": len(traffic.records), "status": dict(statuses),
        "promoted_after_s": round(promoted, 2), "served_after_sign_out_s": served})
    assert set(statuses) == {200}, statuses
    assert late(served) == [], served
