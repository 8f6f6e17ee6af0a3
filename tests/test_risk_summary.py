"""Trusted sign-ins kept in summary when the security log prunes them
(account_security.risk_summary): a home signed in from rarely is not forgotten with its events;
a disowned sign-in or an unconfirmed warning is never kept; the pages cost the same."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from account_security.models import SignInReview, Verdict
from account_security.risk_facts import FlagKind
from account_security.risk_history import session_flags
from account_security.risk_summary import summarise_pruned_sign_ins
from accounts.models import EventKind, SecurityEvent
from accounts.security_log import events_for
from sessions_ui.client import ClientInfo
from sessions_ui.models import Session
from sessions_ui.signin import start_session
from tests import agents

pytestmark = pytest.mark.django_db

# A fixed clock: which old sign-ins share a local hour depends on summer and winter time.
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


UMEA = {
    "country_code": "SE",
    "city": "Umeå",
    "latitude": 63.8258,
    "longitude": 20.263,
    "time_zone": "Europe/Stockholm",
    "asn": 3301,
    "network": "Telia Company AB",
}
GOTHENBURG = {
    "country_code": "SE",
    "city": "Göteborg",
    "latitude": 57.7072,
    "longitude": 11.9668,
    "time_zone": "Europe/Stockholm",
    "asn": 3301,
    "network": "Telia Company AB",
}
NEW_YORK = {
    "country_code": "US",
    "city": "New York",
    "latitude": 40.71,
    "longitude": -74.0,
    "time_zone": "America/New_York",
    "asn": 7922,
    "network": "Comcast",
}
UMEA_ROW = {k: UMEA[k] for k in ("country_code", "city", "latitude", "longitude", "time_zone")}
FIREFOX = {"device_kind": "desktop", "browser": "Firefox", "os": "Linux"}
CHROME = {"device_kind": "desktop", "browser": "Chrome", "os": "Windows"}


def logged_sign_in(
    user, ago: timedelta, place: dict, device: dict = FIREFOX, browser: str = "", **fields
):
    """A sign-in event as the security log writes it, of an ended session unless given one
    (``browser``: the fingerprint of the browser's id, sessions_ui.browsers)."""
    return SecurityEvent.objects.create(
        user=user,
        kind=EventKind.SIGN_IN,
        created_at=timezone.now() - ago,
        session_public_id=fields.pop("session_public_id", uuid.uuid4()),
        ip=agents.IP_STOCKHOLM,
        details={"method": "password", **({"browser": browser} if browser else {})},
        **place,
        **device,
        **fields,
    )


def answer(user, event: SecurityEvent, verdict: str) -> None:
    SignInReview.objects.create(
        user=user,
        session_public_id=event.session_public_id,
        verdict=verdict,
        reviewed_at=event.created_at + timedelta(hours=1),
    )


def home_a_year_ago(user) -> SecurityEvent:
    """Three sign-ins at home (a home: RISK_HOME_SIGN_INS), all older than the log keeps; since
    then one trip to Göteborg with the same laptop. Returns the latest sign-in at home."""
    latest, *_ = [logged_sign_in(user, timedelta(days=days), UMEA) for days in (400, 420, 440)]
    logged_sign_in(user, timedelta(days=20), GOTHENBURG)
    return latest


def signs_in_at_home_now(user, device: dict = FIREFOX, browser: str = ""):
    """A new session signed in from home with the laptop: its flags as the device list shows."""
    store = start_session(user, ClientInfo(agents.IP_STOCKHOLM, agents.FIREFOX_LINUX), kind="web")
    Session.objects.filter(public_id=store.public_id).update(**UMEA_ROW)
    logged_sign_in(user, timedelta(0), UMEA, device, browser, session_public_id=store.public_id)
    return {flag.kind for flag in session_flags(user, timezone.now())[store.public_id]}


def summaries(user):
    return SecurityEvent.objects.filter(user=user, kind=EventKind.SIGN_IN_SUMMARY)


def summarised(user) -> dict[str, int]:
    """Trusted sign-ins in summary, by city (one row per local hour: summer and winter time
    make two of the same sign-in hour)."""
    counts: dict[str, int] = {}
    for row in summaries(user):
        counts[row.city] = counts.get(row.city, 0) + row.details["sign_ins"]
    return counts


class TestSummarisePrunedSignIns:
    def test_home_outlives_its_pruned_events(self, user):
        latest = home_a_year_ago(user)
        call_command("prune_security_log")
        assert not SecurityEvent.objects.filter(kind=EventKind.SIGN_IN, city="Umeå").exists()
        assert summarised(user) == {"Umeå": 3}
        summary = summaries(user).order_by("-created_at").first()
        assert (summary.asn, summary.browser, summary.created_at) == (
            3301,
            "Firefox",
            latest.created_at,
        )
        assert summary.ip is None and summary.session_public_id is None
        assert FlagKind.NEW_PLACE not in signs_in_at_home_now(user)

    def test_without_the_summary_home_would_be_a_new_place(self, user):
        """The same account, its old events deleted without being summarised."""
        home_a_year_ago(user)
        SecurityEvent.objects.filter(created_at__lt=timezone.now() - timedelta(days=365)).delete()
        assert FlagKind.NEW_PLACE in signs_in_at_home_now(user)

    def test_a_disowned_sign_in_is_never_summarised(self, user):
        home_a_year_ago(user)
        theirs = logged_sign_in(user, timedelta(days=410), NEW_YORK, CHROME)
        answer(user, theirs, Verdict.NOT_MINE)
        oldest = timezone.now() - timedelta(days=430)
        answer(
            user, SecurityEvent.objects.get(city="Umeå", created_at__lt=oldest), Verdict.NOT_MINE
        )
        call_command("prune_security_log")
        assert summarised(user) == {"Umeå": 2}

    def test_an_unconfirmed_warning_is_never_summarised_a_confirmed_one_is(self, user):
        home_a_year_ago(user)
        # New country and new browser: a warning; it teaches only by "Det var jag".
        logged_sign_in(user, timedelta(days=410), NEW_YORK, CHROME)
        call_command("prune_security_log")
        assert summarised(user) == {"Umeå": 3}

        confirmed = logged_sign_in(user, timedelta(days=405), NEW_YORK, CHROME)
        answer(user, confirmed, Verdict.MINE)
        call_command("prune_security_log")
        assert summarised(user) == {"Umeå": 3, "New York": 1}

    def test_the_summary_keeps_which_browser_signed_in(self, user):
        """Two browsers of one kind at home, pruned: each keeps its fingerprint, so each is
        still the account's own, and a third browser of that kind is still "Okänd enhet"."""
        laptop, desktop = "a" * 64, "b" * 64
        for days, browser in ((400, laptop), (410, laptop), (420, desktop)):
            logged_sign_in(user, timedelta(days=days), UMEA, browser=browser)
        call_command("prune_security_log")
        counts: dict[str, int] = {}
        for row in summaries(user):
            counts[row.details["browser"]] = counts.get(row.details["browser"], 0)
            counts[row.details["browser"]] += row.details["sign_ins"]
        assert counts == {laptop: 2, desktop: 1}
        assert FlagKind.NEW_DEVICE not in signs_in_at_home_now(user, browser=laptop)
        assert FlagKind.NEW_DEVICE not in signs_in_at_home_now(user, browser=desktop)
        assert FlagKind.NEW_DEVICE in signs_in_at_home_now(user, browser="c" * 64)

    def test_a_second_pruning_adds_to_the_summary(self, user):
        for days in (430, 440):
            logged_sign_in(user, timedelta(days=days), UMEA)
        call_command("prune_security_log")
        logged_sign_in(user, timedelta(days=420), UMEA)
        call_command("prune_security_log")
        [summary] = summaries(user)
        assert summary.details["sign_ins"] == 3
        assert summary.created_at.date() == (timezone.now() - timedelta(days=420)).date()

    def test_summaries_go_after_risk_summary_days(self, user, settings):
        settings.RISK_SUMMARY_DAYS = 500
        logged_sign_in(user, timedelta(days=400), UMEA)
        logged_sign_in(user, timedelta(days=600), GOTHENBURG)
        call_command("prune_security_log")
        assert summarised(user) == {"Umeå": 1}

    def test_only_what_is_pruned_is_summarised(self, user):
        logged_sign_in(user, timedelta(days=30), UMEA)
        assert summarise_pruned_sign_ins(timezone.now() - timedelta(days=365), timezone.now()) == 0
        assert not summaries(user).exists()


class TestPages:
    def test_the_log_never_lists_a_summary(self, browser, user):
        home_a_year_ago(user)
        call_command("prune_security_log")
        assert summaries(user).exists()
        assert not events_for(user).filter(kind=EventKind.SIGN_IN_SUMMARY).exists()
        html = browser.get("/account/security/log/").content.decode()
        assert "Umeå" not in html and "Göteborg" in html

    @pytest.mark.parametrize("path", ["account_security:devices", "account_security"])
    def test_the_device_pages_cost_the_same_with_summaries(self, browser, user, path):
        url = reverse(path)
        browser.get(url)
        with CaptureQueriesContext(connection) as before:
            assert browser.get(url).status_code == 200
        home_a_year_ago(user)
        call_command("prune_security_log")
        assert summaries(user).exists()
        with CaptureQueriesContext(connection) as after:
            assert browser.get(url).status_code == 200
        assert len(after.captured_queries) == len(before.captured_queries)
