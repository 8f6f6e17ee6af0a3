"""Säkerhetslogg: what is written, by whom, what the page shows, and how long it is kept."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import EventKind, SecurityEvent
from accounts.security_log import LISTED_SESSIONS, events_for, prune_events, record_event
from sessions_ui.client import ClientInfo
from sessions_ui.keys import hash_key
from sessions_ui.models import Session
from sessions_ui.revocation import (
    Reason,
    revoke_other_sessions,
    revoke_session,
    revoke_sessions_by_id,
)
from sessions_ui.signin import start_session
from tests import agents
from tests.conftest import make_account, sign_in

pytestmark = pytest.mark.django_db

LOG = "/account/security/log/"


def row_of(client) -> Session:
    return Session.objects.get(key_hash=hash_key(client.cookies["sessionid"].value))


def app_session(user, ip=agents.IP_BRITAIN):
    return start_session(
        user, ClientInfo(ip=ip, user_agent=agents.IMMICH_ANDROID, device_model="Pixel 8")
    )


# --- writing ---------------------------------------------------------------------------------
def test_an_event_copies_the_session_and_client_of_the_request(user, browser):
    row = row_of(browser)
    request = RequestFactory().get(
        "/", HTTP_USER_AGENT=agents.FIREFOX_LINUX, REMOTE_ADDR=agents.IP_GERMANY
    )
    request.session = type("S", (), {"public_id": row.public_id})()
    event = record_event(EventKind.EMAIL_CHANGED, user=user, request=request, details={"x": 1})
    assert event.session_public_id == row.public_id
    assert (event.ip, event.country_code, event.browser, event.os) == (
        agents.IP_GERMANY,
        "DE",
        "Firefox",
        "Linux",
    )
    assert event.details == {"x": 1}


def test_an_event_can_name_a_session_row_an_ended_session_or_a_store(user, browser):
    row = row_of(browser)
    assert record_event("sign_in", user=user, session=row).city == "Stockholm"
    store = app_session(user)
    event = record_event("sign_in", user=user, session=store)
    assert event.session_public_id == store.public_id
    assert event.device_kind == "app" and event.country_code == "GB"
    with pytest.raises(ValueError):
        record_event("no_such_kind", user=user)


def test_ending_one_session_logs_which_device_and_from_which(user, browser, phone):
    target, acting = row_of(phone), row_of(browser)
    revoke_session(user, target.public_id, by_session=acting.public_id)
    event = SecurityEvent.objects.get(kind=EventKind.SESSION_ENDED)
    assert event.user == user and event.session_public_id == target.public_id
    assert event.country_code == "DE" and event.device_model == "iPhone"
    assert event.details["reason"] == "user"
    assert event.details["by_session"] == str(acting.public_id)
    assert event.details["by_device"]["browser"] == "Chrome"


def test_ending_all_others_is_one_event_with_the_count_in_constant_queries(user, browser):
    acting = row_of(browser)
    for _ in range(3):
        app_session(user)
    with CaptureQueriesContext(connection) as few:
        revoke_other_sessions(user, acting.public_id)
    for _ in range(LISTED_SESSIONS + 10):
        app_session(user)
    with CaptureQueriesContext(connection) as many:
        ended = revoke_other_sessions(user, acting.public_id)
    assert len(ended) == LISTED_SESSIONS + 10
    assert len(many.captured_queries) == len(few.captured_queries)
    events = SecurityEvent.objects.filter(kind=EventKind.OTHER_SESSIONS_ENDED).order_by("id")
    assert [e.details["count"] for e in events] == [3, LISTED_SESSIONS + 10]
    last = events.last()
    assert len(last.details["sessions"]) == LISTED_SESSIONS
    assert last.details["sessions"][0]["device_model"] == "Pixel 8"
    assert last.session_public_id == acting.public_id and last.browser == "Chrome"
    assert not SecurityEvent.objects.filter(kind=EventKind.SESSION_ENDED).exists()


def test_staff_endings_are_logged_on_each_owner(user, other_user, browser):
    bertil = sign_in(other_user.email)
    revoke_sessions_by_id([row_of(browser).pk, row_of(bertil).pk], reason=Reason.STAFF)
    events = SecurityEvent.objects.filter(kind=EventKind.SESSION_ENDED)
    assert sorted(e.user_id for e in events) == sorted([user.pk, other_user.pk])
    assert {e.details["reason"] for e in events} == {"staff"}


def test_an_app_signing_itself_out_is_a_sign_out(user):
    store = app_session(user)
    revoke_session(user, store.public_id, reason=Reason.SIGN_OUT, by_session=store.public_id)
    event = SecurityEvent.objects.get(user=user)
    assert event.kind == EventKind.SIGN_OUT and event.device_kind == "app"


def test_no_view_writes_events_directly():
    """Events come from the operations (receivers, 2FA, passwords), never from views."""
    from pathlib import Path

    import accounts
    import sessions_ui

    for package in (accounts, sessions_ui):
        for path in Path(package.__path__[0]).glob("*views*.py"):
            source = path.read_text()
            assert "record_event" not in source and "SecurityEvent" not in source, path


# --- the page --------------------------------------------------------------------------------
def test_the_page_lists_own_events_newest_first_in_pages(user, other_user, browser):
    now = timezone.now()
    for minutes in range(30):
        SecurityEvent.objects.create(
            user=user,
            kind=EventKind.PASSWORD_CHANGED,
            created_at=now - timedelta(hours=1 + minutes),
            details={"signed_out": minutes},
        )
    SecurityEvent.objects.create(user=other_user, kind=EventKind.EMAIL_CHANGED, city="Göteborg")
    first = browser.get(LOG)
    html = first.content.decode()
    assert first.status_code == 200 and 'lang="sv"' in html
    assert html.count('data-event="') == 25
    assert html.index('data-event="sign_in"') < html.index('data-event="password_changed"')
    times = re.findall(r'<time datetime="([^"]+)"', html)
    assert times == sorted(times, reverse=True)
    assert "Göteborg" not in html and 'data-event="email_changed"' not in html
    second = browser.get(LOG + "?page=2").content.decode()
    assert second.count('data-event="password_changed"') == 6  # 30 + the sign-in of ``browser``
    assert browser.get(LOG + "?page=99").status_code == 200


def test_the_page_costs_the_same_queries_for_few_and_many_events(user, browser):
    browser.get(LOG)
    with CaptureQueriesContext(connection) as few:
        browser.get(LOG)
    SecurityEvent.objects.bulk_create(
        SecurityEvent(user=user, kind=EventKind.SIGN_OUT) for _ in range(60)
    )
    with CaptureQueriesContext(connection) as many:
        browser.get(LOG)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_page_marks_this_device_and_escapes_what_clients_sent(user, browser):
    row = row_of(browser)
    SecurityEvent.objects.create(
        user=user,
        kind=EventKind.SIGN_IN_FAILED,
        session_public_id=row.public_id,
        city="<script>alert(1)</script>",
        country_code="SE",
        browser="<b>x</b>",
        os="Windows",
        device_kind="desktop",
        details={"step": "password"},
    )
    html = browser.get(LOG).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>x</b>" not in html
    assert "badge--current" in html and "badge--warning" in html


def test_the_page_needs_a_signed_in_user(client):
    assert client.get(LOG)["Location"].startswith("/accounts/login/")


def test_the_hub_links_to_the_log(browser):
    assert 'href="/account/security/log/"' in browser.get("/account/security/").content.decode()


# --- retention -------------------------------------------------------------------------------
def test_events_are_kept_365_days(user, capsys):
    now = timezone.now()
    keep = SecurityEvent.objects.create(
        user=user, kind=EventKind.SIGN_IN, created_at=now - timedelta(days=364, hours=23)
    )
    SecurityEvent.objects.create(
        user=user, kind=EventKind.SIGN_IN, created_at=now - timedelta(days=366)
    )
    call_command("prune_security_log")
    assert list(events_for(user)) == [keep]
    assert "Deleted 1 " in capsys.readouterr().out
    assert prune_events(days=1) == 1 and not events_for(user).exists()


# --- the admin -------------------------------------------------------------------------------
@pytest.fixture
def staff(db):
    admin = make_account("support@pixelunion.example")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return sign_in(admin.email)


def test_staff_read_the_log_per_user_and_cannot_change_it(staff, user, other_user):
    event = SecurityEvent.objects.create(user=user, kind=EventKind.PASSWORD_RESET, city="Luleå")
    SecurityEvent.objects.create(user=other_user, kind=EventKind.PASSWORD_RESET, city="Malmö")
    listing = staff.get("/admin/accounts/securityevent/", {"q": user.email})
    html = listing.content.decode()
    assert listing.status_code == 200 and "Luleå" in html and "Malmö" not in html
    detail = f"/admin/accounts/securityevent/{event.pk}/change/"
    assert staff.get(detail).status_code == 200
    assert staff.post(detail, {"city": "X"}).status_code == 403
    assert staff.get("/admin/accounts/securityevent/add/").status_code == 403
    assert staff.get(f"/admin/accounts/securityevent/{event.pk}/delete/").status_code == 403
    event.refresh_from_db()
    assert event.city == "Luleå"


def test_users_cannot_see_the_log_in_the_admin(browser):
    assert browser.get("/admin/accounts/securityevent/").status_code == 302
