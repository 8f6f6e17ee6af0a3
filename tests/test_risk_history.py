"""The sign-in history read from the database (account_security.risk_history): what goes in, and that
it costs two queries however long the history is."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from account_security.models import SignInReview, Verdict
from account_security.risk import is_warning
from account_security.risk_facts import FlagKind
from account_security.risk_history import session_flags, sessions_for_risk, sign_in_history
from accounts.models import EventKind, SecurityEvent
from sessions_ui import places
from sessions_ui.client import ClientInfo
from sessions_ui.models import Session
from sessions_ui.signin import start_session
from tests import agents

pytestmark = pytest.mark.django_db


def logged_sign_in(user, ago: timedelta, *, session=None, **fields) -> SecurityEvent:
    """A sign-in event as the security log writes it (for an ended session unless given one)."""
    defaults = {
        "session_public_id": session.public_id if session is not None else None,
        "ip": agents.IP_STOCKHOLM,
        "device_kind": "desktop",
        "browser": "Chrome",
        "os": "Windows",
        "country_code": "SE",
        "city": "Stockholm",
    }
    return SecurityEvent.objects.create(
        user=user,
        kind=EventKind.SIGN_IN,
        created_at=timezone.now() - ago,
        **(defaults | fields),
    )


def live(user, ip=agents.IP_STOCKHOLM, ua=agents.CHROME_WINDOWS, **changes) -> Session:
    store = start_session(user, ClientInfo(ip, ua), kind="web")
    row = Session.objects.get(public_id=store.public_id)
    if changes:
        Session.objects.filter(pk=row.pk).update(**changes)
        row.refresh_from_db()
    return row


def test_ended_sessions_come_from_the_log_and_live_ones_from_their_rows(user):
    logged_sign_in(user, timedelta(days=10))
    phone = live(user, agents.IP_GERMANY, agents.SAFARI_IPHONE)  # no event: read from the row
    history = sign_in_history(user, timezone.now())
    assert len(history) == 2
    ended, current = sorted(history, key=lambda s: s.at)
    assert (ended.country_code, ended.city, ended.active_at) == ("SE", "Stockholm", None)
    assert ended.device_key == "web|chrome|windows"
    assert current.session_id == phone.public_id and current.active_at == phone.last_activity
    assert (current.country_code, current.device_key) == ("DE", "web|safari|ios")
    assert current.latitude == pytest.approx(51.2993)


def test_a_live_session_is_its_sign_in_event_told_where_it_is_now(user):
    row = live(user, agents.IP_BRITAIN, agents.FIREFOX_LINUX)
    # It signed in from Stockholm (the event) and has moved to London since (the row).
    logged_sign_in(user, timedelta(hours=2), session=row, browser="Firefox", os="Linux")
    [sign_in] = sign_in_history(user, timezone.now())
    assert (sign_in.country_code, sign_in.current_country, sign_in.country_now) == (
        "SE",
        "GB",
        "GB",
    )
    assert sign_in.active_at == row.last_activity
    # The row's coordinates belong to another address: not borrowed for the Stockholm sign-in.
    assert sign_in.latitude is None and sign_in.time_zone == ""


def test_coordinates_and_time_zone_are_borrowed_from_the_row_for_the_same_address(user):
    row = live(user)
    logged_sign_in(user, timedelta(minutes=1), session=row)
    [sign_in] = sign_in_history(user, timezone.now())
    assert sign_in.time_zone == "Europe/Stockholm"
    assert sign_in.latitude == pytest.approx(59.3333)


def test_answers_confirm_or_leave_out(user, other_user):
    mine = live(user, agents.IP_GERMANY, agents.SAFARI_IPHONE)
    logged_sign_in(user, timedelta(hours=1), session=mine, country_code="DE", city="")
    theirs = uuid.uuid4()  # an ended session the user disowned
    logged_sign_in(user, timedelta(hours=3), session_public_id=theirs, country_code="US", city="")
    SignInReview.objects.create(
        user=user,
        session_public_id=mine.public_id,
        verdict=Verdict.MINE,
        reviewed_at=timezone.now(),
    )
    SignInReview.objects.create(
        user=user,
        session_public_id=theirs,
        verdict=Verdict.NOT_MINE,
        reviewed_at=timezone.now(),
    )
    # Another account's answer about the same session id changes nothing here.
    SignInReview.objects.create(
        user=other_user,
        session_public_id=mine.public_id,
        verdict=Verdict.NOT_MINE,
        reviewed_at=timezone.now(),
    )
    history = sign_in_history(user, timezone.now())
    assert [(s.country_code, s.confirmed) for s in history] == [("DE", True)]


def test_old_events_and_excluded_sessions_are_left_out(user, settings):
    settings.RISK_HISTORY_DAYS = 30
    logged_sign_in(user, timedelta(days=31))
    kept = logged_sign_in(user, timedelta(days=29))
    row = live(user)
    logged_sign_in(user, timedelta(minutes=1), session=row)
    history = sign_in_history(user, timezone.now(), exclude_session=row.public_id)
    assert [s.at for s in history] == [kept.created_at]
    assert (
        sign_in_history(user, timezone.now(), exclude_event=kept.pk)[-1].session_id == row.public_id
    )


def test_the_newest_events_up_to_the_limit(user, settings):
    settings.RISK_HISTORY_LIMIT = 3
    for days in range(1, 6):
        logged_sign_in(user, timedelta(days=days))
    history = sign_in_history(user, timezone.now())
    assert len(history) == 3
    assert min(s.at for s in history) > timezone.now() - timedelta(days=3, hours=1)


@pytest.mark.parametrize("sessions", [1, 40])
def test_two_queries_whatever_the_length_of_the_history(user, sessions, django_assert_num_queries):
    for i in range(sessions):
        row = live(user, f"5.9.0.{i + 1}", agents.SAFARI_IPHONE)
        logged_sign_in(user, timedelta(hours=i), session=row, country_code="DE")
        logged_sign_in(user, timedelta(days=i + 1))
    with django_assert_num_queries(2):
        flags = session_flags(user, timezone.now())
    assert len(flags) == sessions
    # With the rows given (as the device list does), only the events are read.
    rows = list(sessions_for_risk(user))
    with django_assert_num_queries(1):
        session_flags(user, timezone.now(), sessions=rows)


def test_flags_of_live_sessions_from_the_database(user):
    home = live(user)
    logged_sign_in(user, timedelta(days=20), session=None)
    logged_sign_in(user, timedelta(days=1), session=home)
    away = live(user, agents.IP_GERMANY, agents.SAFARI_IPHONE)
    logged_sign_in(
        user,
        timedelta(minutes=1),
        session=away,
        ip=agents.IP_GERMANY,
        country_code="DE",
        city="",
        device_kind="mobile",
        browser="Safari",
        os="iOS",
        device_model="iPhone",
    )
    flags = session_flags(user, timezone.now())
    assert {f.kind for f in flags[away.public_id]} >= {FlagKind.NEW_PLACE, FlagKind.NEW_DEVICE}
    assert flags[home.public_id] == ()  # settled at home: the trip is the odd one, not it


def test_sign_in_events_keep_time_zone_coordinates_and_network(user, browser):
    """Written on sign-in (issue 15): an ended session's hour is read in its own zone and
    travel is measured from it, without the session row."""
    event = SecurityEvent.objects.get(kind=EventKind.SIGN_IN)
    assert event.time_zone == "Europe/Stockholm"
    assert event.latitude == pytest.approx(59.3333) and event.longitude is not None
    Session.objects.filter(user=user).delete()  # the session ended
    [sign_in] = sign_in_history(user, timezone.now())
    assert (sign_in.time_zone, sign_in.active_at) == ("Europe/Stockholm", None)
    assert sign_in.latitude == pytest.approx(59.3333)


def test_sign_ins_carry_their_browser_fingerprint(user, browser):
    """A browser's sign-in event keeps the fingerprint of its id (sessions_ui.browsers), and
    the history hands it to the signals; an event logged before there were ids has none."""
    logged_sign_in(user, timedelta(days=3))
    old, new = sorted(sign_in_history(user, timezone.now()), key=lambda s: s.at)
    assert old.browser == ""
    assert len(new.browser) == 64
    event = SecurityEvent.objects.get(kind=EventKind.SIGN_IN, session_public_id=new.session_id)
    assert new.browser == event.details["browser"]


def test_where_a_live_session_has_been_used_comes_with_it(user):
    """The places a session was used from (sessions_ui.places) ride along with the row, for
    both a session read from its event and one read from its row alone."""
    moment = timezone.now() - timedelta(days=3)
    orebro = {"country_code": "SE", "city": "Örebro", "latitude": 59.27, "longitude": 15.21}
    text = places.line(orebro, 2603, moment)
    with_event = live(user, places=text)
    logged_sign_in(user, timedelta(days=5), session=with_event)
    row_only = live(user, agents.IP_GERMANY, agents.SAFARI_IPHONE, places=text)
    history = {s.session_id: s for s in sign_in_history(user, timezone.now())}
    for public_id in (with_event.public_id, row_only.public_id):
        [seen] = history[public_id].visits
        assert (seen.city, seen.asn, seen.at) == ("Örebro", 2603, moment.replace(microsecond=0))


def test_the_session_of_the_person_looking_is_active_now(user):
    """Back after three days at home, the person looks at the list: a session signed in from
    Germany an hour ago, with the usual browser, is in another country than they are now."""
    laptop = live(user, last_activity=timezone.now() - timedelta(days=3))
    logged_sign_in(user, timedelta(days=40), session=laptop)
    stranger = live(user, agents.IP_GERMANY, agents.CHROME_WINDOWS)
    logged_sign_in(
        user,
        timedelta(hours=1),
        session=stranger,
        ip=agents.IP_GERMANY,
        country_code="DE",
        city="",
    )
    unseen = session_flags(user, timezone.now())[stranger.public_id]
    assert FlagKind.SEVERAL_COUNTRIES not in {f.kind for f in unseen}
    seen = session_flags(user, timezone.now(), current=laptop.public_id)[stranger.public_id]
    assert {f.kind for f in seen} == {FlagKind.NEW_PLACE, FlagKind.SEVERAL_COUNTRIES}
    assert is_warning(seen)
