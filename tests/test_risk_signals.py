"""Each warning sign (account_security.risk_signals) on histories built by hand, with a fixed
clock: a case that raises it and the cases that must not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from account_security.risk import assess, flags_for, is_warning
from account_security.risk_facts import FlagKind, SignIn
from account_security.risk_text import flag_text, flag_title
from tests.risk_support import (
    BERLIN,
    GOTHENBURG,
    IPHONE,
    LAPTOP,
    NEW_YORK,
    NOW,
    NOWHERE,
    PHONE,
    STOCKHOLM,
    SWEDEN,
    UNKNOWN,
    UPPSALA,
    T,
    at,
    at_local,
    fields_of,
    kinds,
    local,
    routine,
    signed_in,
)

# --- no false alarms ---------------------------------------------------------------------------


def test_unknown_places_and_devices_are_not_evidence():
    # No GeoIP answer and an unparseable user agent: nothing to call new.
    blank = signed_in(timedelta(minutes=1), NOWHERE, UNKNOWN)
    assert kinds(flags_for(blank, routine(), NOW, T)) == set()


# --- Ny plats ----------------------------------------------------------------------------------


def test_new_country_is_a_new_place():
    with translation.override("en"):
        flags = flags_for(signed_in(timedelta(minutes=1), BERLIN), routine(), NOW, T)
        assert kinds(flags) == {FlagKind.NEW_PLACE}
        assert flag_text(flags[0]) == "New place: first sign-in from Berlin, Germany"
        assert flag_title(flags[0]) == "New place"


def test_country_only_place_is_named_by_country():
    history = routine()
    germany = signed_in(timedelta(minutes=1), {"country_code": "DE"})
    with translation.override("en"):
        [flag] = flags_for(germany, history, NOW, T)
        assert flag_text(flag) == "New place: first sign-in from Germany"
    with translation.override("sv"):
        assert "Tyskland" in flag_text(flag)


def test_new_city_in_a_known_country_is_a_new_place_but_a_cityless_one_is_not():
    history = routine()
    assert kinds(flags_for(signed_in(timedelta(minutes=1), GOTHENBURG), history, NOW, T)) == {
        FlagKind.NEW_PLACE
    }
    assert flags_for(signed_in(timedelta(minutes=1), SWEDEN), history, NOW, T) == []


# --- Okänd enhet -------------------------------------------------------------------------------


def test_new_device_is_unknown_device():
    with translation.override("en"):
        flags = flags_for(signed_in(timedelta(minutes=1), device=PHONE), routine(), NOW, T)
        assert kinds(flags) == {FlagKind.NEW_DEVICE}
        assert flag_text(flags[0]) == "Unknown device: first sign-in with Immich on Pixel 8"


OWN = "a" * 64  # the fingerprint of the user's own browser (sessions_ui.browsers)
OTHER = "b" * 64  # another browser of the same kind


def test_another_browser_of_a_familiar_kind_is_an_unknown_device():
    """The attacker's Chrome on Windows is not the victim's: the browser's id tells them apart,
    and the sentence says that this kind of browser has signed in before."""
    history = routine(browser=OWN)
    with translation.override("en"):
        flags = flags_for(replace(signed_in(timedelta(minutes=1)), browser=OTHER), history, NOW, T)
        assert kinds(flags) == {FlagKind.NEW_DEVICE}
        assert flags[0].known_kind
        assert flag_text(flags[0]) == (
            "Unknown device: first sign-in from this browser; Chrome on Windows has signed in "
            "before, but on another device"
        )
    with translation.override("sv"):
        assert flag_text(flags[0]) == (
            "Okänd enhet: första inloggningen från den här webbläsaren; Chrome on Windows har "
            "loggat in förut, men på en annan enhet"
        )
    assert flags_for(replace(signed_in(timedelta(minutes=1)), browser=OWN), history, NOW, T) == []


def test_another_browser_of_a_familiar_kind_in_a_new_town_is_a_warning():
    """The domestic takeover with the victim's kind of browser: a new town through a network
    the account never used is a note, and a warning from a browser that never signed in."""
    history = routine(browser=OWN, asn=3301, network="Telia")
    there = replace(signed_in(timedelta(minutes=1), GOTHENBURG), asn=8473, network="Bahnhof")
    own_browser = flags_for(replace(there, browser=OWN), history, NOW, T)
    assert kinds(own_browser) == {FlagKind.NEW_PLACE} and not is_warning(own_browser)
    stranger = flags_for(replace(there, browser=OTHER), history, NOW, T)
    assert kinds(stranger) == {FlagKind.NEW_PLACE, FlagKind.NEW_DEVICE} and is_warning(stranger)


def test_a_browser_that_signed_in_before_browsers_had_ids_is_known_by_its_kind():
    """Trusted sign-ins logged without a fingerprint (before the upgrade) vouch for their kind
    of device, as they always did; one with a fingerprint vouches only for that browser."""
    legacy = routine()  # no browser fingerprint
    assert flags_for(replace(signed_in(timedelta(minutes=1)), browser=OTHER), legacy, NOW, T) == []
    assert flags_for(signed_in(timedelta(minutes=1)), routine(browser=OWN), NOW, T) == []


def test_a_new_kind_of_browser_says_it_is_the_first_of_its_kind():
    flags = flags_for(
        replace(signed_in(timedelta(minutes=1), device=IPHONE), browser=OTHER),
        routine(browser=OWN),
        NOW,
        T,
    )
    assert kinds(flags) == {FlagKind.NEW_DEVICE} and not flags[0].known_kind


def test_a_new_browser_at_home_that_settled_is_familiar():
    """Cookies cleared on the user's own laptop: a note ("Okänd enhet" alone) that teaches once
    it has lived ``settle_days`` undisowned, like any note."""
    history = [*routine(browser=OWN), replace(signed_in(timedelta(days=8)), browser=OTHER)]
    assert flags_for(replace(signed_in(timedelta(minutes=1)), browser=OTHER), history, NOW, T) == []


# --- Flera länder ------------------------------------------------------------------------------


def test_sessions_in_two_countries_within_24_hours():
    history = [
        *routine(),
        signed_in(timedelta(days=3), sid="home", active=timedelta(hours=2)),
        signed_in(timedelta(hours=5), BERLIN, sid="away", active=timedelta(hours=1)),
    ]
    result = assess(history, NOW, T)
    # The laptop at home is settled (a familiar place, still there): never the odd one.
    assert result["home"] == ()
    assert FlagKind.SEVERAL_COUNTRIES in kinds(result["away"])
    with translation.override("en"):
        [flag] = [f for f in result["away"] if f.kind == FlagKind.SEVERAL_COUNTRIES]
        assert (
            flag_text(flag) == "Several countries: sessions from Germany and Sweden within 24 hours"
        )


def test_a_session_idle_for_more_than_24_hours_does_not_count():
    history = [
        *routine(),
        signed_in(timedelta(days=3), sid="home", active=timedelta(hours=1)),
        signed_in(timedelta(days=2), BERLIN, sid="away", active=timedelta(hours=25)),
    ]
    result = assess(history, NOW, T)
    assert result["home"] == ()
    assert kinds(result["away"]) == {FlagKind.NEW_PLACE}


# --- Ovanlig tid -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "flagged"), [(0, True), (3, True), (4, True), (5, False), (23, False), (13, False)]
)
def test_with_little_history_the_night_is_unusual(hour, flagged):
    history = [at_local(local(13, days_ago=d)) for d in (9, 6, 3)]  # three sign-ins
    flags = flags_for(at_local(local(hour, 30)), history, NOW, T)
    assert (FlagKind.UNUSUAL_TIME in kinds(flags)) is flagged


def test_usual_hours_are_learned_from_the_history():
    # A night owl: six sign-ins between 01:00 and 02:00. 01:30 is usual, 13:00 is not.
    owl = [at_local(local(1 + d % 2, days_ago=d)) for d in range(12, 0, -2)]
    assert flags_for(at_local(local(1, 30)), owl, NOW, T) == []
    with translation.override("en"):
        flags = flags_for(at_local(local(13, 0)), owl, NOW, T)
        assert kinds(flags) == {FlagKind.UNUSUAL_TIME}
        assert flag_text(flags[0]) == "Unusual time: signed in at 1 p.m. local time"


def test_learned_hours_have_a_margin_of_three_hours():
    office = [at_local(local(9 + d % 2, days_ago=d)) for d in range(12, 0, -1)]  # 09–10
    assert flags_for(at_local(local(13, 15)), office, NOW, T) == []  # 3 h from 10
    assert kinds(flags_for(at_local(local(14, 15)), office, NOW, T)) == {FlagKind.UNUSUAL_TIME}
    assert kinds(flags_for(at_local(local(5, 45)), office, NOW, T)) == {FlagKind.UNUSUAL_TIME}
    assert flags_for(at_local(local(6, 0)), office, NOW, T) == []


def test_hours_are_local_to_the_place_of_the_sign_in():
    # 03:30 UTC is 04:30 in Stockholm (night) but 22:30 in New York (evening).
    history = [
        at_local(local(13, days_ago=d, zone="America/New_York"), NEW_YORK) for d in (9, 6, 3)
    ]
    moment = datetime(2026, 11, 27, 3, 30, tzinfo=UTC)
    assert FlagKind.UNUSUAL_TIME not in kinds(
        flags_for(SignIn(at=moment, **NEW_YORK, **LAPTOP), history, NOW, T)
    )
    # Without a time zone from GeoIP the site's own (Stockholm) is used.
    no_zone = {**NEW_YORK, "time_zone": ""}
    assert FlagKind.UNUSUAL_TIME in kinds(
        flags_for(SignIn(at=moment, **no_zone, **LAPTOP), history, NOW, T)
    )


# --- Omöjlig resa ------------------------------------------------------------------------------


def test_impossible_travel_across_the_atlantic_in_two_hours():
    history = [*routine(), signed_in(timedelta(hours=2))]
    with translation.override("en"):
        flags = flags_for(signed_in(timedelta(0), NEW_YORK), history, NOW, T)
        [travel] = [f for f in flags if f.kind == FlagKind.IMPOSSIBLE_TRAVEL]
        assert travel.distance_km == pytest.approx(6300, abs=30)
        assert travel.elapsed == timedelta(hours=2)
        assert flag_text(travel).startswith("Impossible travel: 6,3")
        assert flag_text(travel).endswith("km from Stockholm, Sweden in 2\xa0hours")


@pytest.mark.parametrize(
    ("place", "elapsed", "flagged"),
    [
        (BERLIN, timedelta(minutes=30), True),  # 810 km in half an hour
        (BERLIN, timedelta(hours=3), False),  # a flight
        (NEW_YORK, timedelta(hours=10), False),  # 630 km/h: a long flight
        (UPPSALA, timedelta(minutes=1), False),  # 60 km: GeoIP noise, not travel
        (GOTHENBURG, timedelta(minutes=10), False),  # 400 km: under the 500 km floor
    ],
)
def test_travel_speed_limit(place, elapsed, flagged):
    history = [*routine(), signed_in(elapsed)]
    flags = flags_for(signed_in(timedelta(0), place), history, NOW, T)
    assert (FlagKind.IMPOSSIBLE_TRAVEL in kinds(flags)) is flagged


def test_travel_is_measured_against_trusted_sign_ins_only():
    # An intruder in New York an hour ago does not make the owner's sign-in at home "impossible".
    intruder = signed_in(timedelta(hours=1), NEW_YORK, IPHONE)
    assert flags_for(signed_in(timedelta(0)), [*routine(), intruder], NOW, T) == []


# --- familiarity that survives real life (issue 15) --------------------------------------------


def test_a_hosting_network_is_a_warning_even_at_home_with_the_usual_browser():
    vpn = SignIn(at=NOW, **STOCKHOLM, **LAPTOP, asn=9009, network="M247 Europe SRL", hosting=True)
    flags = flags_for(vpn, routine(), NOW, T)
    assert kinds(flags) == {FlagKind.HOSTING_NETWORK} and is_warning(flags)
    english_text = "Hosting network: signed in through M247 Europe SRL, a hosting or VPN provider"
    with translation.override("en"):
        assert flag_text(flags[0]) == english_text
    with translation.override("sv"):
        swedish = flag_text(flags[0])
        assert "M247 Europe SRL" in swedish and swedish != english_text
    # The user's own VPN, once confirmed, is theirs.
    mine = SignIn(**{**fields_of(vpn), "at": at(timedelta(days=2)), "confirmed": True})
    assert flags_for(vpn, [*routine(), mine], NOW, T) == []


def test_impossible_travel_is_measured_from_ended_sign_ins_with_coordinates():
    # An ended session's event (no active_at) signed in from Stockholm an hour ago.
    ended = signed_in(timedelta(hours=1))
    flags = flags_for(signed_in(timedelta(0), NEW_YORK), [*routine(), ended], NOW, T)
    assert FlagKind.IMPOSSIBLE_TRAVEL in kinds(flags) and is_warning(flags)
