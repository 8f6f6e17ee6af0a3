"""sessions_ui.backends.limits: timeouts per client kind, the activity interval, read once and read
again when a setting changes, and the expiry a session row is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings

from sessions_ui.backends.db import SessionStore
from sessions_ui.backends.limits import (
    activity_interval,
    activity_interval_us,
    expiry,
    lifetimes,
    lifetimes_us,
)
from sessions_ui.client import ClientInfo
from sessions_ui.keys import hash_key
from sessions_ui.models import ClientKind, Session
from sessions_ui.signin import start_session
from tests import agents

T0 = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)
SECOND_US = 1_000_000


class TestLifetimes:
    def test_browser_defaults(self):
        assert lifetimes(ClientKind.WEB) == (14 * DAY, 90 * DAY)

    def test_app_defaults(self):
        assert lifetimes(ClientKind.APP) == (90 * DAY, 365 * DAY)

    def test_any_other_kind_has_the_browser_limits(self):
        assert lifetimes("") == lifetimes(ClientKind.WEB)

    def test_each_kind_reads_its_own_settings(self, settings):
        settings.SESSION_IDLE_TIMEOUT = 600
        settings.SESSION_ABSOLUTE_LIFETIME = 7200
        settings.APP_SESSION_IDLE_TIMEOUT = 3600
        settings.APP_SESSION_ABSOLUTE_LIFETIME = 86400
        assert lifetimes(ClientKind.WEB) == (timedelta(minutes=10), timedelta(hours=2))
        assert lifetimes(ClientKind.APP) == (timedelta(hours=1), DAY)


class TestLifetimesUs:
    def test_in_microseconds(self):
        assert lifetimes_us(ClientKind.WEB) == (14 * 86400 * SECOND_US, 90 * 86400 * SECOND_US)
        assert lifetimes_us(ClientKind.APP) == (90 * 86400 * SECOND_US, 365 * 86400 * SECOND_US)

    def test_follow_the_settings(self, settings):
        settings.APP_SESSION_IDLE_TIMEOUT = 5
        assert lifetimes_us(ClientKind.APP) == (5 * SECOND_US, 365 * 86400 * SECOND_US)
        assert lifetimes_us(ClientKind.WEB)[0] == 14 * 86400 * SECOND_US


class TestActivityInterval:
    def test_default_is_a_minute(self):
        assert activity_interval() == timedelta(minutes=1)
        assert activity_interval_us() == 60 * SECOND_US

    def test_follows_the_setting(self, settings):
        settings.SESSION_ACTIVITY_INTERVAL = 300
        assert activity_interval() == timedelta(minutes=5)
        assert activity_interval_us() == 300 * SECOND_US


class TestReadAgainWhenASettingChanges:
    """The values are kept per process; ``setting_changed`` (on change and on restore) makes
    every one of them be read again, including values read before the change."""

    @pytest.mark.parametrize(
        ("setting", "read"),
        [
            ("SESSION_IDLE_TIMEOUT", lambda: lifetimes(ClientKind.WEB)[0]),
            ("SESSION_ABSOLUTE_LIFETIME", lambda: lifetimes(ClientKind.WEB)[1]),
            ("APP_SESSION_IDLE_TIMEOUT", lambda: lifetimes(ClientKind.APP)[0]),
            ("APP_SESSION_ABSOLUTE_LIFETIME", lambda: lifetimes(ClientKind.APP)[1]),
            ("SESSION_ACTIVITY_INTERVAL", activity_interval),
        ],
    )
    def test_changed_then_restored(self, setting, read):
        before = read()  # read, and so kept
        with override_settings(**{setting: 42}):
            assert read() == timedelta(seconds=42)
        assert read() == before
        assert before != timedelta(seconds=42)

    def test_the_microsecond_values_too(self):
        before = (lifetimes_us(ClientKind.WEB), activity_interval_us())
        with override_settings(SESSION_ABSOLUTE_LIFETIME=3, SESSION_ACTIVITY_INTERVAL=2):
            assert lifetimes_us(ClientKind.WEB)[1] == 3 * SECOND_US
            assert activity_interval_us() == 2 * SECOND_US
        assert (lifetimes_us(ClientKind.WEB), activity_interval_us()) == before


class TestExpiry:
    def test_an_active_session_expires_when_idle_for_the_timeout(self):
        last = T0 + 3 * DAY
        assert expiry(ClientKind.WEB, T0, last) == last + 14 * DAY

    def test_the_absolute_lifetime_caps_it(self):
        last = T0 + 80 * DAY
        assert expiry(ClientKind.WEB, T0, last) == T0 + 90 * DAY

    def test_the_app_has_longer_limits(self):
        assert expiry(ClientKind.APP, T0, T0 + 3 * DAY) == T0 + 93 * DAY
        assert expiry(ClientKind.APP, T0, T0 + 300 * DAY) == T0 + 365 * DAY

    def test_exactly_at_the_cap(self):
        assert expiry(ClientKind.WEB, T0, T0 + 76 * DAY) == T0 + 90 * DAY

    def test_a_changed_setting_changes_the_expiry(self, settings):
        settings.SESSION_IDLE_TIMEOUT = 1800
        assert expiry(ClientKind.WEB, T0, T0) == T0 + timedelta(minutes=30)


@pytest.mark.django_db
class TestWhatTheRowsSay:
    """The expiry the store writes is this module's, with the clock fixed."""

    def expire_date(self, store) -> datetime:
        return Session.objects.get(key_hash=hash_key(store.session_key)).expire_date

    @pytest.mark.parametrize(
        ("kind", "client", "expires"),
        [
            (ClientKind.WEB, ClientInfo(agents.IP_STOCKHOLM, agents.CHROME_WINDOWS), 14 * DAY),
            (ClientKind.APP, ClientInfo(agents.IP_BRITAIN, agents.IMMICH_ANDROID), 90 * DAY),
        ],
    )
    def test_a_new_session(self, user, kind, client, expires):
        with time_machine.travel(T0, tick=False):
            store = start_session(user, client, kind=kind)
        assert self.expire_date(store) == T0 + expires

    def test_activity_moves_the_expiry_up_to_the_lifetime(self, user, settings):
        settings.SESSION_ACTIVITY_INTERVAL = 60
        client = ClientInfo(agents.IP_STOCKHOLM, agents.CHROME_WINDOWS)
        with time_machine.travel(T0, tick=False) as clock:
            store = start_session(user, client, kind=ClientKind.WEB)
            for days in (10, 20, 30, 40, 50, 60, 70, 80):
                clock.move_to(T0 + days * DAY)
                again = SessionStore(store.session_key, client=client)
                assert again.load() != {}
                assert again.record_activity() is True
                assert self.expire_date(store) == min(T0 + (days + 14) * DAY, T0 + 90 * DAY)
        assert self.expire_date(store) == T0 + 90 * DAY

    def test_an_activity_inside_the_interval_leaves_the_expiry(self, user, settings):
        settings.SESSION_ACTIVITY_INTERVAL = 120
        client = ClientInfo(agents.IP_STOCKHOLM, agents.CHROME_WINDOWS)
        with time_machine.travel(T0, tick=False) as clock:
            store = start_session(user, client, kind=ClientKind.WEB)
            clock.shift(timedelta(seconds=119))
            again = SessionStore(store.session_key, client=client)
            again.load()
            assert again.record_activity() is False
            assert self.expire_date(store) == T0 + 14 * DAY
            clock.shift(timedelta(seconds=2))
            assert again.record_activity() is True
            assert self.expire_date(store) == T0 + timedelta(seconds=121) + 14 * DAY
