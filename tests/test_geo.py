"""sessions_ui.geo: locations from test-built and embedded GeoIP databases, localised labels."""

# The shared fixtures are imported by name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from django.utils import translation

from sessions_ui.geo import (
    Location,
    country_name,
    embedded_database_path,
    locate_ip,
    location_label,
    reset_reader,
)
from tests.geoip_fixtures import (  # noqa: F401  (fixtures)
    BERLIN,
    geoip_db,
    geoip_reset,
    replace_file,
    write_city_db,
)

STOCKHOLM_LOCATION = Location("SE", "Stockholm", "Europe/Stockholm", 59.33, 18.06)


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("203.0.113.7", STOCKHOLM_LOCATION),
        (" 203.0.113.255 ", STOCKHOLM_LOCATION),
        ("::ffff:203.0.113.7", STOCKHOLM_LOCATION),
        ("198.51.100.1", Location(country_code="NO")),
        ("2001:db8:1::42", Location("DE", "Berlin", "Europe/Berlin", 52.52, 13.40)),
        ("89.160.20.112", Location("DE", "Berlin", "Europe/Berlin", 52.52, 13.40)),
    ],
)
def test_known_addresses(geoip_db, ip, expected):
    assert locate_ip(ip) == expected


@pytest.mark.parametrize(
    "ip",
    [
        "8.8.8.8",  # not in the small database
        "2a00:1450::1",
        "10.1.2.3",  # private, although the file has a record for it
        "192.168.1.1",
        "127.0.0.1",  # loopback, likewise
        "::1",
        "fe80::1",
        "169.254.0.1",
        "0.0.0.0",
        "240.0.0.1",  # reserved
        "224.0.0.1",
        "",
        None,
        "not an ip",
        "203.0.113.7:443",
        "[2001:db8:1::1]",
        "example.com",  # never resolved
        "<script>alert(1)</script>",
        "9" * 10_000,
    ],
)
def test_unknown_private_and_garbage_are_empty(geoip_db, ip):
    assert locate_ip(ip) == Location()


def test_missing_file_is_empty_and_logged_once(tmp_path, settings, geoip_reset, caplog):
    settings.GEOIP_DB = str(tmp_path / "nowhere.mmdb")
    with caplog.at_level(logging.DEBUG, logger="sessions_ui.geo"):
        assert locate_ip("203.0.113.7") == Location()
        assert locate_ip("203.0.113.8") == Location()
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1
    assert "nowhere.mmdb" in records[0].getMessage()


def test_corrupt_file_is_empty_and_logged_once(tmp_path, settings, geoip_reset, caplog):
    path = tmp_path / "corrupt.mmdb"
    path.write_bytes(os.urandom(4096))
    settings.GEOIP_DB = str(path)
    with caplog.at_level(logging.DEBUG, logger="sessions_ui.geo"):
        assert locate_ip("203.0.113.7") == Location()
        assert locate_ip("203.0.113.8") == Location()
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1
    assert "corrupt.mmdb" in records[0].getMessage()


def test_file_appearing_later_is_used(tmp_path, settings, geoip_reset):
    path = tmp_path / "later.mmdb"
    settings.GEOIP_DB = str(path)
    assert locate_ip("203.0.113.7") == Location()
    write_city_db(path)
    assert locate_ip("203.0.113.7") == STOCKHOLM_LOCATION


def test_replaced_file_gives_new_data(geoip_db):
    assert locate_ip("203.0.113.7").city == "Stockholm"
    replace_file(geoip_db, {"203.0.113.0/24": BERLIN})
    assert locate_ip("203.0.113.7").city == "Berlin"
    assert locate_ip("198.51.100.1") == Location()


def test_file_rewritten_in_place_gives_new_data(geoip_db):
    assert locate_ip("203.0.113.7").country_code == "SE"
    write_city_db(geoip_db, {"203.0.113.0/24": BERLIN, "198.51.100.0/24": BERLIN})
    assert locate_ip("203.0.113.7").country_code == "DE"


def test_corrupt_replacement_then_repair(geoip_db, caplog):
    geoip_db.write_bytes(b"\x00" * 100)
    with caplog.at_level(logging.DEBUG, logger="sessions_ui.geo"):
        assert locate_ip("203.0.113.7") == Location()
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1
    replace_file(geoip_db, {"203.0.113.0/24": BERLIN})
    assert locate_ip("203.0.113.7").city == "Berlin"


def test_setting_change_switches_database(geoip_db, tmp_path, settings):
    assert locate_ip("203.0.113.7").city == "Stockholm"
    other = write_city_db(tmp_path / "other.mmdb", {"203.0.113.0/24": BERLIN})
    settings.GEOIP_DB = str(other)
    assert locate_ip("203.0.113.7").city == "Berlin"


def test_reset_reader_is_harmless_when_nothing_is_open():
    reset_reader()
    reset_reader()


# --- The embedded GeoLite2-City database (2018 data) ------------------------------------------


@pytest.fixture
def embedded_db(settings, geoip_reset):
    settings.GEOIP_DB = ""
    assert Path(embedded_database_path()).is_file()


@pytest.mark.parametrize(
    ("ip", "country", "city"),
    [
        ("83.250.0.1", "SE", "Stockholm"),
        ("5.9.0.1", "DE", ""),
        ("81.2.69.142", "GB", None),
    ],
)
def test_embedded_database(embedded_db, ip, country, city):
    location = locate_ip(ip)
    assert location.country_code == country
    if city is not None:
        assert location.city == city
    assert location.latitude is not None and location.longitude is not None


def test_embedded_database_time_zone(embedded_db):
    assert locate_ip("83.250.0.1").time_zone == "Europe/Stockholm"


def test_embedded_database_private_address(embedded_db):
    assert locate_ip("192.168.0.1") == Location()


# --- Names and labels -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "language", "expected"),
    [
        ("SE", "sv", "Sverige"),
        ("SE", "en", "Sweden"),
        ("se", "sv", "Sverige"),
        ("DE", "sv", "Tyskland"),
        ("GB", "en", "United Kingdom"),
        ("DE", "en-us", "Germany"),
        ("XX", "sv", ""),
        ("ZZ", "en", ""),
        ("", "sv", ""),
        ("SWE", "sv", ""),
        ("<b>", "sv", ""),
    ],
)
def test_country_name(code, language, expected):
    assert country_name(code, language) == expected


def test_country_name_follows_active_language():
    with translation.override("sv"):
        assert country_name("NO") == "Norge"
    with translation.override("en"):
        assert country_name("NO") == "Norway"


@pytest.mark.parametrize(
    ("country", "city", "language", "expected"),
    [
        ("SE", "Stockholm", "sv", "Stockholm, Sverige"),
        ("SE", "Stockholm", "en", "Stockholm, Sweden"),
        ("SE", "", "sv", "Sverige"),
        ("", "Stockholm", "sv", "Stockholm"),
        ("XX", "Springfield", "en", "Springfield"),
    ],
)
def test_location_label(country, city, language, expected):
    assert location_label(country, city, language) == expected


def test_location_label_unknown():
    with translation.override("en"):
        assert location_label("", "") == "Unknown location"
        assert location_label("XX", "  ") == "Unknown location"


def test_location_label_language_argument_wins_over_active_language():
    with translation.override("en"):
        assert location_label("SE", "", "sv") == "Sverige"
        assert translation.get_language() == "en"
