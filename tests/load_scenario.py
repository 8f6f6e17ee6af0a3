"""The race between using sessions and ending them, against a live server.

Fifty client threads use twenty sessions of one account (browsers on the pages, apps on the
API) as fast as the server answers, while a controller, signed in as a twenty-first device of
the same account, ends them: one at a time through Enhetsaktivitet's confirmation form, and now
and then all at once with "Logga ut från alla enheter". A session that was ended is signed in
again (a fresh key, from a fresh loopback address), so twenty stay in play.

What is recorded, and what counts as a failure:

* every reply must be one the scenario allows for that request (page: 200 or a redirect to the
  login page; API: 200 or 401; sign-in: the redirect or 201; the controller's forms: the redirect
  back to Enhetsaktivitet). Anything else — a 500, a 503, a 429 — is an error;
* a *resurrection* is a 200 for a key on a request that started after a revocation of that key
  had completed, or after another request had already been refused with that key;
* an *unexpected sign-out* is a refusal for a key that no revocation had started to end;
* the table is read while the run goes on and at its end: no revoked key's row may be there.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg

from sessions_ui.keys import hash_key
from tests import agents
from tests.live import API_SESSIONS, DEVICES, HUB, HttpClient, Reply

WEB_AGENTS = [agents.CHROME_WINDOWS, agents.SAFARI_IPHONE, agents.FIREFOX_LINUX]
ERROR_SAMPLES = 20


@dataclass
class Ledger:
    """Everything the threads saw, behind one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    signed_in: dict[str, tuple[float, float]] = field(default_factory=dict)
    revoked: dict[str, float] = field(default_factory=dict)  # key → revocation completed
    revocation_started: dict[str, float] = field(default_factory=dict)  # key → earliest start
    refused: dict[str, float] = field(default_factory=dict)  # key → first refusal finished
    resurrections: list[str] = field(default_factory=list)
    unexpected_sign_outs: list[str] = field(default_factory=list)
    table_violations: list[str] = field(default_factory=list)
    revocations: Counter = field(default_factory=Counter)
    # "All others" requests as [started, finished or None while it runs].
    sweeps: list[list[float | None]] = field(default_factory=list)

    def reply(self, label: str, reply: Reply, allowed: bool) -> None:
        with self.lock:
            self.latencies.append(reply.seconds)
            self.statuses[(label, reply.status)] += 1
            if not allowed:
                self.error_count += 1
                if len(self.errors) < ERROR_SAMPLES:
                    self.errors.append(f"{label}: {reply.status} {reply.location} {reply.body[:200]!r}")

    def failure(self, label: str, text: str) -> None:
        with self.lock:
            self.error_count += 1
            if len(self.errors) < ERROR_SAMPLES:
                self.errors.append(f"{label}: {text}")

    def used(self, key: str, reply: Reply, granted: bool) -> None:
        """A request with ``key`` was granted (200) or refused (login redirect / 401)."""
        with self.lock:
            if granted:
                done = self.revoked.get(key)
                seen_out = self.refused.get(key)
                if (done is not None and reply.started > done) or (
                    seen_out is not None and reply.started > seen_out
                ):
                    self.resurrections.append(f"{key[:6]}… granted at {reply.started:.3f}")
            else:
                self.refused.setdefault(key, reply.finished)
                if not self._explained(key, reply.finished):
                    self.unexpected_sign_outs.append(f"{key[:6]}… refused, never revoked")

    def _explained(self, key: str, refused_at: float) -> bool:
        """Whether a revocation that can have ended ``key`` had started by ``refused_at``."""
        started = self.revocation_started.get(key)
        if started is not None and started <= refused_at:
            return True
        signed_in = self.signed_in.get(key, (0.0, 0.0))[0]
        return any(
            begin <= refused_at and (end is None or signed_in < end) for begin, end in self.sweeps
        )

    def revoking(self, keys: list[str], started: float) -> None:
        with self.lock:
            for key in keys:
                self.revocation_started.setdefault(key, started)

    def revoked_keys(self, keys: list[str], finished: float) -> None:
        with self.lock:
            for key in keys:
                self.revoked.setdefault(key, finished)

    def summary(self) -> dict[str, Any]:
        with self.lock:
            ordered = sorted(self.latencies)
        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0
        by_status = Counter()
        for (_label, status), count in self.statuses.items():
            by_status[status] += count
        return {
            "requests": len(ordered),
            "status": dict(sorted(by_status.items())),
            "errors": self.error_count,
            "http_500": by_status.get(500, 0),
            "resurrections": len(self.resurrections),
            "unexpected_sign_outs": len(self.unexpected_sign_outs),
            "table_violations": len(self.table_violations),
            "revoked_sessions": len(self.revoked),
            "revocations": dict(self.revocations),
            "sign_ins": len(self.signed_in),
            "p50_ms": round(pct(0.50), 1),
            "p99_ms": round(pct(0.99), 1),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else 0.0,
        }


class Slot:
    """One of the twenty sessions: its current key, renewed after it was ended."""

    def __init__(self, index: int, kind: str, port: int, email: str, ledger: Ledger) -> None:
        self.index, self.kind, self.port, self.email, self.ledger = index, kind, port, email, ledger
        self.lock = threading.Lock()
        self.generation = 0
        self.client: HttpClient | None = None

    @property
    def key(self) -> str | None:
        client = self.client
        return client.session_key if client is not None else None

    def renew(self, stale: str | None) -> None:
        """Sign in again if the slot still holds ``stale``; one thread does it, others go on."""
        if not self.lock.acquire(blocking=False):
            time.sleep(0.005)
            return
        try:
            if self.key != stale:
                return
            self.generation += 1
            # A fresh loopback address per sign-in: a new device, as far as the server can tell.
            address = f"127.0.{1 + self.generation % 200}.{10 + self.index}"
            if self.kind == "app":
                client = HttpClient(self.port, agents.IMMICH_ANDROID, address,
                                    headers={"deviceModel": "Pixel 8", "deviceType": "android"})
                started = time.monotonic()
                reply = client.app_sign_in(self.email)
                self.ledger.reply("app sign-in", reply, reply.status == 201)
            else:
                client = HttpClient(self.port, WEB_AGENTS[self.index % len(WEB_AGENTS)], address)
                started = time.monotonic()
                page, reply = client.sign_in(self.email)
                self.ledger.reply("login page", page, page.status == 200)
                ok = reply.status == 302 and not reply.to_login() and "sessionid" in client.cookies
                self.ledger.reply("sign-in", reply, ok)
            key = client.session_key
            if key is None:
                time.sleep(0.05)
                return
            with self.ledger.lock:
                self.ledger.signed_in[key] = (started, reply.finished)
            self.client = client
        finally:
            self.lock.release()


def use_sessions(slot: Slot, ledger: Ledger, deadline: float, seed: int) -> None:
    """One client thread: requests with its slot's session until the deadline."""
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        client, key = slot.client, slot.key
        if client is None or key is None:
            slot.renew(None)
            continue
        try:
            if slot.kind == "app":
                reply = client.request("GET", API_SESSIONS)
                granted, refused = reply.status == 200, reply.status == 401
                label = "api"
            else:
                reply = client.request("GET", rng.choice((HUB, DEVICES)))
                granted, refused = reply.status == 200, reply.to_login()
                label = "page"
        except OSError as error:
            ledger.failure("connection", repr(error))
            continue
        ledger.reply(label, reply, granted or refused)
        if granted or refused:
            ledger.used(key, reply, granted)
        if refused:
            slot.renew(key)


class Controller:
    """The account holder's own device, ending the others: one by one, and all at once."""

    def __init__(self, port: int, email: str, ledger: Ledger, slots: list[Slot], dsn: str) -> None:
        self.client = HttpClient(port, agents.FIREFOX_LINUX, "127.0.0.2")
        self.email, self.ledger, self.slots, self.dsn = email, ledger, slots, dsn
        self.rng = random.Random(7)

    def sign_in(self) -> None:
        page, reply = self.client.sign_in(self.email)
        assert reply.status == 302 and not reply.to_login(), (reply.status, reply.body[:300])

    def run(self, deadline: float, pause: float, all_every: int) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as db:
            action = 0
            while time.monotonic() < deadline:
                action += 1
                if action % all_every == 0:
                    self.sign_out_all_others(db)
                else:
                    self.sign_out_one(db)
                if action % 5 == 0:
                    reply = self.client.request("GET", DEVICES)
                    self.ledger.reply("controller list", reply, reply.status == 200)
                time.sleep(pause)

    def sign_out_one(self, db: psycopg.Connection) -> None:
        candidates = [s.key for s in self.slots if s.key]
        with self.ledger.lock:
            candidates = [
                k for k in candidates
                if k in self.ledger.signed_in and k not in self.ledger.revocation_started
            ]
        if not candidates:
            return
        key = self.rng.choice(candidates)
        row = db.execute(
            "SELECT public_id FROM sessions_ui_session WHERE key_hash = %s", [hash_key(key)]
        ).fetchone()
        if row is None:
            # A sign-in whose answer arrived after an overlapping "all others" had already
            # ended it is explained by that sweep; anything else is a lost session.
            with self.ledger.lock:
                if not self.ledger._explained(key, time.monotonic()):
                    self.ledger.unexpected_sign_outs.append(
                        f"{key[:6]}… row gone before revocation"
                    )
            return
        started = time.monotonic()
        self.ledger.revoking([key], started)
        reply = self.client.request("POST", f"{DEVICES}{row[0]}/sign-out/", form={})
        ok = reply.status == 302 and reply.location.endswith(DEVICES)
        self.ledger.reply("sign out one", reply, ok)
        if ok:
            self.ledger.revoked_keys([key], reply.finished)
            self.ledger.revocations["one"] += 1
            self._check_gone(db, [key])

    def sign_out_all_others(self, db: psycopg.Connection) -> None:
        started = time.monotonic()
        with self.ledger.lock:
            certain = [k for k, (_s, done) in self.ledger.signed_in.items() if done < started]
        self.ledger.revoking(certain, started)
        sweep: list[float | None] = [started, None]
        with self.ledger.lock:
            self.ledger.sweeps.append(sweep)
        reply = self.client.request("POST", f"{DEVICES}sign-out-others/", form={})
        sweep[1] = reply.finished
        ok = reply.status == 302 and reply.location.endswith(DEVICES)
        self.ledger.reply("sign out all others", reply, ok)
        if not ok:
            return
        with self.ledger.lock:
            # Sign-ins that overlapped the request may or may not have been ended by it.
            maybe = [k for k, (s, _done) in self.ledger.signed_in.items()
                     if s < reply.finished and k not in certain]
        self.ledger.revoking(maybe, started)
        self.ledger.revoked_keys(certain, reply.finished)
        self.ledger.revocations["all others"] += 1
        self._check_gone(db, certain)

    def _check_gone(self, db: psycopg.Connection, keys: list[str]) -> None:
        hashes = [hash_key(k) for k in keys]
        if not hashes:
            return
        back = db.execute(
            "SELECT count(*) FROM sessions_ui_session WHERE key_hash = ANY(%s)", [hashes]
        ).fetchone()[0]
        if back:
            with self.ledger.lock:
                self.ledger.table_violations.append(f"{back} revoked row(s) still in the table")


def revoked_rows(dsn: str, ledger: Ledger) -> int:
    """How many rows of revoked keys the table holds (must be 0)."""
    with ledger.lock:
        hashes = [hash_key(k) for k in ledger.revoked]
    if not hashes:
        return 0
    with psycopg.connect(dsn, autocommit=True) as db:
        return db.execute(
            "SELECT count(*) FROM sessions_ui_session WHERE key_hash = ANY(%s)", [hashes]
        ).fetchone()[0]


def watch_table(dsn: str, ledger: Ledger, deadline: float, every: float = 0.25) -> None:
    while time.monotonic() < deadline:
        found = revoked_rows(dsn, ledger)
        if found:
            with ledger.lock:
                ledger.table_violations.append(f"{found} revoked row(s) back in the table")
        time.sleep(every)


def run_race(
    port: int,
    dsn: str,
    email: str,
    *,
    seconds: float,
    clients: int = 50,
    sessions: int = 20,
    app_sessions: int = 4,
    pause: float = 0.15,
    all_every: int = 8,
) -> Ledger:
    """Sign in ``sessions`` devices and the controller, then race for ``seconds``."""
    ledger = Ledger()
    slots = [
        Slot(i, "app" if i < app_sessions else "web", port, email, ledger) for i in range(sessions)
    ]
    controller = Controller(port, email, ledger, slots, dsn)
    controller.sign_in()
    signing_in = [threading.Thread(target=slot.renew, args=(None,)) for slot in slots]
    for thread in signing_in:
        thread.start()
    for thread in signing_in:
        thread.join()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=use_sessions, args=(slots[i % sessions], ledger, deadline, i))
        for i in range(clients)
    ]
    threads.append(threading.Thread(target=controller.run, args=(deadline, pause, all_every)))
    threads.append(threading.Thread(target=watch_table, args=(dsn, ledger, deadline)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    if revoked_rows(dsn, ledger):
        ledger.table_violations.append("revoked rows in the table after the run")
    return ledger
