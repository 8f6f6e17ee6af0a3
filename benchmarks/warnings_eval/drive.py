"""Performs a user-year through the product's own HTTP paths under a fixed clock, and records
what the pages and the alert emails said.

Every sign-in is the real one (the allauth login form for browsers, ``POST /api/auth/login`` for
the Immich app), every use of a device is a real request from its address (so the session row
moves with it and expires as the product decides), every look at the account is a GET of
Enhetsaktivitet read the way a person reads it: a card marked ``session--flagged`` is a warning
(it is what the Kontosäkerhet banner counts), its ``data-flag`` badges say which signals fired.
Answers ("Det var jag" / "Det var inte jag") are POSTed on the same pages, password prompt
included. A browser keeps its cookies from one sign-in to the next (its id among them,
``sessions_ui.browsers``), except when the person signs in anew after clearing them (half of
the population's "sign in anew" steps); an attacker's browser never has the victim's.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field

import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client

from benchmarks.warnings_eval.population import Device, Step, UserYear
from sessions_ui.keys import hash_key
from sessions_ui.models import Session

PASSWORD = "Rätt häst batteri häftklammer 42"
DEVICES = "/account/security/devices/"
CARD = re.compile(r'<li class="(session[^"]*)" data-session="([0-9a-f-]+)"')
FLAG = re.compile(r'data-flag="([a-z_]+)"')
BADGE = re.compile(r'data-flag="[a-z_]+">(.*?)</span>', re.S)
TAG = re.compile(r"<[^>]+>")
READERS = ("laptop", "desktop", "work", "mobile_web")


@dataclass
class Outcome:
    kind: str
    own_sessions: int = 0
    sign_ins: int = 0
    false_warnings: int = 0  # own sessions shown as a warning at least once
    false_emails: int = 0  # alert emails about the user's own sign-ins
    notes: int = 0  # own sessions that carried only a quiet note
    false_signals: Counter = field(default_factory=Counter)
    takeovers: list[dict] = field(default_factory=list)
    # One line per false warning and per missed takeover: when, which device, what it said.
    why: list[str] = field(default_factory=list)


class Driver:
    def __init__(self, user: UserYear, answer_rate: float, seed: int) -> None:
        self.user, self.rate = user, answer_rate
        self.rng = random.Random(f"answers-{seed}-{user.index}-{answer_rate}")
        # Whether a sign-in anew follows cleared cookies (or only a sign-out): its own stream,
        # so the answers drawn are the same as before browsers had ids.
        self.cookie_rng = random.Random(f"cookies-{seed}-{user.index}")
        self.browser_ids: dict[str, str] = {}  # each browser's id cookie, kept across sign-ins
        self.specs: dict[str, Device] = dict(user.devices)
        self.clients: dict[str, Client] = {}
        self.tokens: dict[str, str] = {}
        self.session_of: dict[str, str] = {}
        self.own: set[str] = set()
        self.decided: set[str] = set()
        self.warned: set[str] = set()
        self.noted: set[str] = set()
        self.attacker: tuple[Client, str, str] | None = None
        self.badges: dict[str, str] = {}
        self.result = Outcome(user.kind)

    # --- the product's paths ---------------------------------------------------------------

    def _sign_in(self, name: str, ip: str, cleared: bool = False) -> None:
        self._sign_out(name)
        spec = self.specs[name]
        before = len(mail.outbox)
        if spec.app:
            client = Client(
                HTTP_USER_AGENT=spec.user_agent,
                REMOTE_ADDR=ip,
                headers={"deviceModel": spec.model, "deviceType": spec.device_type},
            )
            response = client.post(
                "/api/auth/login",
                json.dumps({"email": self.user.email, "password": PASSWORD}),
                content_type="application/json",
            )
            assert response.status_code == 201, response.content[:300]
            token = response.json()["accessToken"]
            self.tokens[name] = token
            key = token
        else:
            client = Client(HTTP_USER_AGENT=spec.user_agent, REMOTE_ADDR=ip)
            if cleared:
                self.browser_ids.pop(name, None)
            if name in self.browser_ids:
                client.cookies[settings.BROWSER_COOKIE_NAME] = self.browser_ids[name]
            response = client.post(
                "/accounts/login/", {"login": self.user.email, "password": PASSWORD}
            )
            assert response.status_code == 302, response.content[:300]
            key = client.cookies["sessionid"].value
            self.browser_ids[name] = client.cookies[settings.BROWSER_COOKIE_NAME].value
        self.clients[name] = client
        public_id = str(
            Session.objects.values_list("public_id", flat=True).get(key_hash=hash_key(key))
        )
        self.session_of[name] = public_id
        self.own.add(public_id)
        self.result.own_sessions += 1
        self.result.sign_ins += 1
        self.result.false_emails += len(mail.outbox) - before
        if not spec.app:
            self._check(name)  # people look at the page they just signed in to

    def _sign_out(self, name: str) -> None:
        client = self.clients.pop(name, None)
        if client is None:
            return
        if name in self.tokens:
            client.post("/api/auth/logout", HTTP_AUTHORIZATION=f"Bearer {self.tokens.pop(name)}")
        else:
            client.post("/accounts/logout/")

    def _use(self, name: str, ip: str) -> None:
        client = self.clients.get(name)
        if client is None:
            return self._sign_in(name, ip)
        if name in self.tokens:
            response = client.get(
                "/api/sessions", REMOTE_ADDR=ip, HTTP_AUTHORIZATION=f"Bearer {self.tokens[name]}"
            )
            alive = response.status_code == 200
        else:
            client.defaults["REMOTE_ADDR"] = ip
            response = client.get("/account/security/log/")
            alive = response.status_code == 200
        if not alive:  # expired: the product signed it out, the person signs in again
            self.clients.pop(name, None)
            self.tokens.pop(name, None)
            self._sign_in(name, ip)

    def _reader(self) -> str | None:
        return next((n for n in READERS if n in self.clients), None)

    def _check(self, reader: str | None = None) -> dict[str, tuple[bool, list[str]]]:
        reader = reader or self._reader()
        if reader is None:
            return {}
        response = self.clients[reader].get(DEVICES)
        if response.status_code != 200:
            self.clients.pop(reader, None)
            return {}
        html = response.content.decode()
        cards: dict[str, tuple[bool, list[str]]] = {}
        self.badges = {}
        for match in CARD.finditer(html):
            end = html.index("</li>", match.end())
            cards[match[2]] = ("session--flagged" in match[1], FLAG.findall(html, match.end(), end))
            texts = BADGE.findall(html, match.end(), end)
            self.badges[match[2]] = " · ".join(TAG.sub("", t).strip() for t in texts)
        for public_id, (warning, kinds) in cards.items():
            if public_id not in self.own:
                continue
            if warning and public_id not in self.warned:
                self.warned.add(public_id)
                self.result.false_warnings += 1
                self.result.false_signals.update(kinds)
                self._explain("false warning", public_id)
            elif kinds and not warning:
                self.noted.add(public_id)
            if warning and public_id not in self.decided:
                self.decided.add(public_id)
                if self.rng.random() < self.rate:
                    self._answer(reader, public_id, "it-was-me")
        return cards

    def _answer(self, reader: str, public_id: str, answer: str) -> None:
        client = self.clients[reader]
        url = f"{DEVICES}{public_id}/{answer}/"
        response = client.post(url)
        if response.status_code == 302 and "confirm-password" in response["Location"]:
            client.post(response["Location"], {"password": PASSWORD})
            client.post(url)

    # --- the steps -------------------------------------------------------------------------

    def step(self, step: Step) -> None:
        with time_machine.travel(step.at, tick=False):
            getattr(self, f"on_{step.action}")(step)

    def on_use(self, step: Step) -> None:
        if step.new_device is not None:
            self._sign_out(step.device)
            self.specs[step.device] = step.new_device
            self.browser_ids.pop(step.device, None)
        self._use(step.device, step.ip)

    def on_sign_in(self, step: Step) -> None:
        # Cookies cleared (the browser's id with them) half the time, else only signed out.
        self._sign_in(step.device, step.ip, cleared=self.cookie_rng.random() < 0.5)

    def on_retire(self, step: Step) -> None:
        self._sign_out(step.device)

    def on_check(self, step: Step) -> None:
        self._check()

    def on_attack(self, step: Step) -> None:
        spec = step.new_device
        before = len(mail.outbox)
        client = Client(HTTP_USER_AGENT=spec.user_agent, REMOTE_ADDR=step.ip)
        response = client.post("/accounts/login/", {"login": self.user.email, "password": PASSWORD})
        assert response.status_code == 302, response.content[:300]
        public_id = str(
            Session.objects.values_list("public_id", flat=True).get(
                key_hash=hash_key(client.cookies["sessionid"].value)
            )
        )
        emailed = len(mail.outbox) - before
        seen = self._check()  # the victim's next look at the account
        warning, kinds = seen.get(public_id, (False, []))
        self.result.takeovers.append(
            {
                "kind": step.takeover,
                "flagged": warning,
                "signals": kinds,
                "emailed": bool(emailed),
                "seen": public_id in seen,
            }
        )
        if not warning:
            self._explain(f"missed {step.takeover} ({step.ip})", public_id)
        self.attacker = (client, public_id, step.takeover)
        if warning and self.rng.random() < self.rate:
            reader = self._reader()
            if reader is not None:
                self._answer(reader, public_id, "not-me")
                self.attacker = None

    def on_attack_end(self, step: Step) -> None:
        if self.attacker is not None:
            self.attacker[0].post("/accounts/logout/")
            self.attacker = None

    def _explain(self, what: str, public_id: str) -> None:
        from django.utils import timezone

        names = [n for n, p in self.session_of.items() if p == public_id] or ["attacker"]
        row = Session.objects.filter(public_id=public_id).values("created_at", "city", "ip")
        row = row.first() or {"created_at": timezone.now()}
        self.result.why.append(
            f"user {self.user.index} ({self.user.kind}) {timezone.now():%Y-%m-%d %H:%M} {what}: "
            f"{names[0]} signed in {row.get('created_at', '?'):%Y-%m-%d} at {row.get('city')} "
            f"{row.get('ip')}: {self.badges.get(public_id, '')}"
        )

    def finish(self) -> Outcome:
        self.result.notes = len(self.noted - self.warned)
        return self.result
