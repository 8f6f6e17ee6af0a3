"""sessions_ui.tracking: what a session row should say about its client, only what changed.

Locations come from a small GeoIP database the tests write themselves (tests/geoip_fixtures).
"""

# The shared fixtures are imported by name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sessions_ui.backends.db import SessionStore
from sessions_ui.client import ClientInfo
from sessions_ui.keys import hash_key
from sessions_ui.models import ClientKind, Session
from sessions_ui.signin import start_session
from sessions_ui.tracking import (
    client_fields,
    device_fields,
    is_same_client,
    location_fields,
    same_user_agent,
)
from tests import agents
from tests.geoip_fixtures import (  # noqa: F401  (fixtures)
    city_record,
    geoip_db,
    geoip_reset,
    write_city_db,
)

IP_STOCKHOLM = "203.0.113.7"  # in the test database: Stockholm
IP_BERLIN = "89.160.20.112"  # Berlin
IP_NORWAY = "198.51.100.1"  # Norway, no city

LAPTOP = ClientInfo(IP_STOCKHOLM, agents.CHROME_WINDOWS)
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
PERIOD = int(NOW.timestamp()) // (30 * 86400)
STOCKHOLM_LINE = f"{int(NOW.timestamp())}|SE|59.3300|18.0600||Stockholm|{PERIOD}\n"
BERLIN_LINE = f"{int(NOW.timestamp())}|DE|52.5200|13.4000||Berlin|{PERIOD}\n"

DEVICE_KEYS = {"device_kind", "browser", "os", "device_model", "app_version"}
LOCATION_KEYS = {"country_code", "city", "time_zone", "latitude", "longitude"}

STOCKHOLM_FIELDS = {
    "country_code": "SE",
    "city": "Stockholm",
    "time_zone": "Europe/Stockholm",
    "latitude": 59.33,
    "longitude": 18.06,
}
BERLIN_FIELDS = {
    "country_code": "DE",
    "city": "Berlin",
    "time_zone": "Europe/Berlin",
    "latitude": 52.52,
    "longitude": 13.40,
}
NOWHERE_FIELDS = {
    "country_code": "",
    "city": "",
    "time_zone": "",
    "latitude": None,
    "longitude": None,
}


def row_of(store) -> Session:
    return Session.objects.get(key_hash=hash_key(store.session_key))


class TestDeviceFields:
    def test_a_browser(self):
        assert device_fields(LAPTOP) == {
            "device_kind": "desktop",
            "browser": "Chrome",
            "os": "Windows",
            "device_model": "",
            "app_version": "",
        }

    def test_the_app_with_its_headers(self):
        app = ClientInfo(None, agents.IMMICH_ANDROID, "Pixel 8", "android")
        assert device_fields(app) == {
            "device_kind": "app",
            "browser": "Immich",
            "os": "Android",
            "device_model": "Pixel 8",
            "app_version": "1.132.3",
        }

    def test_values_fit_their_columns(self):
        app = ClientInfo(None, "Immich_Android_1.132.3", "P" * 300, "android")
        fields = device_fields(app)
        assert fields["device_model"] == "P" * 64
        assert fields["browser"] == "Immich"

    def test_an_empty_user_agent_is_an_unknown_device(self):
        assert device_fields(ClientInfo(None, "")) == {
            "device_kind": "unknown",
            "browser": "",
            "os": "",
            "device_model": "",
            "app_version": "",
        }


class TestLocationFields:
    @pytest.mark.parametrize(
        ("ip", "expected"),
        [
            (IP_STOCKHOLM, STOCKHOLM_FIELDS),
            (IP_BERLIN, BERLIN_FIELDS),
            (IP_NORWAY, {**NOWHERE_FIELDS, "country_code": "NO"}),
            ("8.8.8.8", NOWHERE_FIELDS),  # not in the database
            ("10.1.2.3", NOWHERE_FIELDS),  # private: never looked up
            (None, NOWHERE_FIELDS),
        ],
    )
    def test_located_from_the_database(self, geoip_db, ip, expected):
        assert location_fields(ip) == expected

    def test_long_names_fit_their_columns(self, tmp_path, settings, geoip_reset):
        record = city_record("SE", "Å" * 300, "Europe/" + "X" * 100, 59.0, 18.0)
        settings.GEOIP_DB = str(write_city_db(tmp_path / "long.mmdb", {"203.0.113.0/24": record}))
        fields = location_fields(IP_STOCKHOLM)
        assert fields["city"] == "Å" * 128
        assert fields["time_zone"] == ("Europe/" + "X" * 100)[:64]
        assert fields["country_code"] == "SE"


class TestSameUserAgent:
    def test_the_same_text(self):
        assert same_user_agent(LAPTOP, agents.CHROME_WINDOWS)

    def test_another_text(self):
        assert not same_user_agent(LAPTOP, agents.FIREFOX_LINUX)
        assert not same_user_agent(LAPTOP, "")

    def test_a_long_agent_is_compared_as_stored_cut_at_512(self):
        long = ClientInfo(IP_STOCKHOLM, "M" * 600)
        assert same_user_agent(long, "M" * 512)
        assert not same_user_agent(long, "M" * 511)
        assert not same_user_agent(long, "M" * 600)


class TestIsSameClient:
    def test_same_ip_and_agent(self):
        assert is_same_client(LAPTOP, IP_STOCKHOLM, agents.CHROME_WINDOWS)

    def test_another_ip(self):
        assert not is_same_client(LAPTOP, IP_BERLIN, agents.CHROME_WINDOWS)
        assert not is_same_client(LAPTOP, None, agents.CHROME_WINDOWS)

    def test_another_agent(self):
        assert not is_same_client(LAPTOP, IP_STOCKHOLM, agents.SAFARI_IPHONE)

    def test_no_address_either_time(self):
        assert is_same_client(ClientInfo(None, agents.IMMICH_ANDROID), None, agents.IMMICH_ANDROID)


class TestClientFields:
    def test_a_new_row_gets_everything(self, geoip_db):
        assert client_fields(LAPTOP, now=NOW) == {
            "user_agent": agents.CHROME_WINDOWS,
            "device_kind": "desktop",
            "browser": "Chrome",
            "os": "Windows",
            "device_model": "",
            "app_version": "",
            "ip": IP_STOCKHOLM,
            **STOCKHOLM_FIELDS,
            "places": STOCKHOLM_LINE,
        }

    def test_the_same_client_again_changes_nothing(self, geoip_db, user):
        row = row_of(start_session(user, LAPTOP, kind=ClientKind.WEB))
        assert (row.ip, row.user_agent, row.city) == (
            IP_STOCKHOLM,
            agents.CHROME_WINDOWS,
            "Stockholm",
        )
        assert client_fields(LAPTOP, previous=row) == {}

    def test_a_new_agent_is_parsed_and_the_place_left_alone(self, geoip_db, user):
        row = row_of(start_session(user, LAPTOP, kind=ClientKind.WEB))
        upgraded = ClientInfo(IP_STOCKHOLM, agents.FIREFOX_LINUX)
        fields = client_fields(upgraded, previous=row)
        assert set(fields) == {"user_agent", *DEVICE_KEYS}
        assert fields["user_agent"] == agents.FIREFOX_LINUX
        assert (fields["browser"], fields["os"]) == ("Firefox", "Linux")

    def test_a_new_address_is_located_and_the_device_left_alone(self, geoip_db, user):
        row = row_of(start_session(user, LAPTOP, kind=ClientKind.WEB))
        travelling = ClientInfo(IP_BERLIN, agents.CHROME_WINDOWS)
        assert client_fields(travelling, previous=row, now=NOW) == {
            "ip": IP_BERLIN,
            **BERLIN_FIELDS,
            "places": BERLIN_LINE,
        }

    def test_losing_the_address_clears_the_place(self, geoip_db, user):
        row = row_of(start_session(user, LAPTOP, kind=ClientKind.WEB))
        hidden = ClientInfo(None, agents.CHROME_WINDOWS)
        # No place, so nothing to add to the places the session was used from.
        assert client_fields(hidden, previous=row) == {"ip": None, **NOWHERE_FIELDS, "places": ""}

    def test_both_changed(self, geoip_db, user):
        row = row_of(start_session(user, LAPTOP, kind=ClientKind.WEB))
        phone = ClientInfo(IP_BERLIN, agents.SAFARI_IPHONE)
        fields = client_fields(phone, previous=row)
        assert set(fields) == {"user_agent", "ip", "places", *DEVICE_KEYS, *LOCATION_KEYS}
        assert (fields["device_model"], fields["city"]) == ("iPhone", "Berlin")

    def test_a_long_agent_is_stored_cut_and_then_is_no_news(self, geoip_db, user):
        long = ClientInfo(IP_STOCKHOLM, agents.CHROME_WINDOWS + " x" * 400)
        assert len(client_fields(long)["user_agent"]) == 512
        row = row_of(start_session(user, long, kind=ClientKind.WEB))
        assert row.user_agent == long.user_agent[:512]
        assert client_fields(long, previous=row) == {}

    def test_a_move_is_written_to_the_row(self, geoip_db, user):
        """Through the store: the next request from Berlin relocates the stored session."""
        store = start_session(user, LAPTOP, kind=ClientKind.WEB)
        moved = SessionStore(store.session_key, client=ClientInfo(IP_BERLIN, agents.CHROME_WINDOWS))
        moved.load()
        assert moved.record_activity() is True
        row = row_of(store)
        assert {"ip": row.ip, **{key: getattr(row, key) for key in LOCATION_KEYS}} == {
            "ip": IP_BERLIN,
            **BERLIN_FIELDS,
        }
        assert (row.browser, row.user_agent) == ("Chrome", agents.CHROME_WINDOWS)
