"""What the signs are about (account_security.risk_facts): the device key, the distance, the
thresholds and their settings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from account_security.risk import flags_for
from account_security.risk_facts import FlagKind, Thresholds, device_key, haversine_km
from tests.risk_support import (
    BERLIN,
    NOW,
    kinds,
    routine,
    signed_in,
)

# --- Okänd enhet -------------------------------------------------------------------------------


def test_device_key_is_family_level():
    # Another Chrome version on Windows is the same device; the app tells phones apart.
    assert device_key("desktop", "Chrome", "Windows", "") == device_key(
        "desktop", "Chrome", "Windows", ""
    )
    assert device_key("app", "", "Android", "Pixel 8") != device_key(
        "app", "", "Android", "Pixel 9"
    )
    assert device_key("desktop", "Firefox", "Windows", "") != device_key(
        "desktop", "Chrome", "Windows", ""
    )
    assert device_key("unknown", "", "", "") == ""


# --- Omöjlig resa ------------------------------------------------------------------------------


def test_haversine():
    assert haversine_km(59.33, 18.06, 52.52, 13.40) == pytest.approx(810, abs=5)
    assert haversine_km(59.33, 18.06, 40.71, -74.01) == pytest.approx(6300, abs=30)
    assert haversine_km(10, 20, 10, 20) == 0


# --- the API of the module ---------------------------------------------------------------------


def test_thresholds_come_from_settings(settings):
    settings.RISK_NEW_PLACE_DAYS = 30
    settings.RISK_IMPOSSIBLE_TRAVEL_KMH = 500
    settings.RISK_USUAL_HOURS_MIN_SIGN_INS = 2
    settings.TIME_ZONE = "Europe/Berlin"
    t = Thresholds.from_settings()
    assert (t.new_place_days, t.travel_kmh, t.usual_hours_min_sign_ins) == (30, 500, 2)
    assert t.default_time_zone == "Europe/Berlin"
    assert t.several_countries_hours == 24 and t.travel_min_km == 500

    # A place last seen 40 days ago is new under a 30-day window.
    history = [
        signed_in(timedelta(days=60)),
        signed_in(timedelta(days=40), BERLIN, confirmed=True),
        *routine(20),
    ]
    assert FlagKind.NEW_PLACE in kinds(flags_for(signed_in(timedelta(0), BERLIN), history, NOW))
    settings.RISK_NEW_PLACE_DAYS = 60
    assert flags_for(signed_in(timedelta(0), BERLIN), history, NOW) == []


def test_defaults_are_the_documented_ones():
    t = Thresholds()
    assert (t.new_place_days, t.several_countries_hours, t.travel_kmh) == (90, 24, 1000)
    assert (t.usual_hours_min_sign_ins, t.night_start, t.night_end) == (5, 0, 5)
    assert (t.usual_hours_margin, t.travel_min_km) == (3, 500)
