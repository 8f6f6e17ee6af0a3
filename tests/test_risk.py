"""The warning signs (account_security.risk) on histories built by hand, with a fixed clock.

Every signal has a case that raises it and the cases that must not: the same device and city
again, the first session of a new account, a traveller who confirms.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from account_security.risk import (
    FlagKind,
    SignIn,
    Thresholds,
    assess,
    device_key,
    flags_for,
    haversine_km,
    is_warning,
    taught_sign_ins,
    teaches,
)
from account_security.risk_text import flag_text, flag_title
from sessions_ui.places import Visit

# 12:00 UTC is 13:00 in Stockholm and Berlin in November: an ordinary hour.
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
T = Thresholds(default_time_zone="Europe/Stockholm")

STOCKHOLM = {
    "country_code": "SE",
    "city": "Stockholm",
    "latitude": 59.33,
    "longitude": 18.06,
    "time_zone": "Europe/Stockholm",
}
GOTHENBURG = {
    "country_code": "SE",
    "city": "Göteborg",
    "latitude": 57.71,
    "longitude": 11.97,
    "time_zone": "Europe/Stockholm",
}
UPPSALA = {
    "country_code": "SE",
    "city": "Uppsala",
    "latitude": 59.86,
    "longitude": 17.64,
    "time_zone": "Europe/Stockholm",
}
SWEDEN = {"country_code": "SE"}  # a country without a city (and no coordinates)
BERLIN = {
    "country_code": "DE",
    "city": "Berlin",
    "latitude": 52.52,
    "longitude": 13.40,
    "time_zone": "Europe/Berlin",
}
NEW_YORK = {
    "country_code": "US",
    "city": "New York",
    "latitude": 40.71,
    "longitude": -74.01,
    "time_zone": "America/New_York",
}
NOWHERE: dict = {}

LAPTOP = {
    "device_key": device_key("desktop", "Chrome", "Windows", ""),
    "device": "Chrome on Windows",
}
PHONE = {"device_key": device_key("app", "", "Android", "Pixel 8"), "device": "Immich on Pixel 8"}
IPHONE = {
    "device_key": device_key("mobile", "Safari", "iOS", "iPhone"),
    "device": "Safari on iPhone",
}
UNKNOWN = {"device_key": "", "device": ""}


def at(ago: timedelta) -> datetime:
    return NOW - ago


def signed_in(
    ago: timedelta,
    place: dict = STOCKHOLM,
    device: dict = LAPTOP,
    *,
    sid: str | None = None,
    active: timedelta | None = None,
    confirmed: bool = False,
) -> SignIn:
    """A sign-in ``ago`` before NOW; ``active``: a live session last active that long ago."""
    return SignIn(
        at=at(ago),
        session_id=sid,
        active_at=at(active) if active is not None else None,
        confirmed=confirmed,
        **place,
        **device,
    )


def routine(days: int = 30, every: int = 3, **kwargs) -> list[SignIn]:
    """A settled account: the laptop in Stockholm every few days, at 08, 13, 19 or 21 local."""
    offsets = (-5, 0, 6, 8)  # hours from 12:00 UTC = 13:00 in Stockholm
    return [
        SignIn(
            at=NOW - timedelta(days=d) + timedelta(hours=offsets[i % 4]),
            **{**STOCKHOLM, **LAPTOP, **kwargs},
        )
        for i, d in enumerate(range(days, 0, -every))
    ]


def kinds(flags) -> set[FlagKind]:
    return {flag.kind for flag in flags}


# --- no false alarms ---------------------------------------------------------------------------


def test_first_session_of_a_new_account_raises_nothing():
    # Abroad, on a phone, in the middle of the night: still nothing to compare with.
    first = signed_in(timedelta(minutes=5), NEW_YORK, PHONE, active=timedelta(0))
    assert flags_for(first, [], NOW, T) == []
    night = SignIn(at=datetime(2026, 11, 27, 2, 0, tzinfo=UTC), **STOCKHOLM, **LAPTOP)
    assert flags_for(night, [], NOW, T) == []


def test_same_device_and_city_again_raises_nothing():
    again = signed_in(timedelta(minutes=1), active=timedelta(0))
    assert flags_for(again, routine(), NOW, T) == []


def test_second_session_on_the_same_device_and_place_raises_nothing():
    history = [signed_in(timedelta(days=2), sid="a", active=timedelta(hours=1))]
    assert flags_for(signed_in(timedelta(minutes=1), sid="b"), history, NOW, T) == []


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


@pytest.mark.parametrize(("days_ago", "flagged"), [(89, False), (91, True)])
def test_a_place_is_familiar_for_90_days(days_ago, flagged):
    history = [
        signed_in(timedelta(days=120)),
        signed_in(timedelta(days=days_ago), BERLIN, confirmed=True),
        *routine(days=30),
    ]
    flags = flags_for(signed_in(timedelta(minutes=1), BERLIN), history, NOW, T)
    assert (FlagKind.NEW_PLACE in kinds(flags)) is flagged


# --- Okänd enhet -------------------------------------------------------------------------------


def test_new_device_is_unknown_device():
    with translation.override("en"):
        flags = flags_for(signed_in(timedelta(minutes=1), device=PHONE), routine(), NOW, T)
        assert kinds(flags) == {FlagKind.NEW_DEVICE}
        assert flag_text(flags[0]) == "Unknown device: first sign-in with Immich on Pixel 8"


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


def test_confirming_your_own_session_leaves_the_intruder_flagged():
    history = [
        *routine(),
        signed_in(timedelta(days=3), sid="mine", active=timedelta(hours=1), confirmed=True),
        signed_in(timedelta(hours=2), BERLIN, IPHONE, sid="theirs", active=timedelta(0)),
    ]
    result = assess(history, NOW, T)
    assert result["mine"] == ()
    assert kinds(result["theirs"]) >= {
        FlagKind.NEW_PLACE,
        FlagKind.NEW_DEVICE,
        FlagKind.SEVERAL_COUNTRIES,
    }


# --- a traveller who confirms ------------------------------------------------------------------


def test_traveller_confirms_and_is_not_flagged_again():
    home = signed_in(timedelta(days=1), sid="home", active=timedelta(hours=3))
    trip = signed_in(timedelta(hours=20), BERLIN, sid="trip", active=timedelta(hours=1))
    before = assess([*routine(), home, trip], NOW, T)
    assert kinds(before["trip"]) == {FlagKind.NEW_PLACE, FlagKind.SEVERAL_COUNTRIES}
    assert before["home"] == ()  # a holiday does not make the laptop at home suspicious

    # "Det var jag" on the trip's session: it is quiet, and so is the session at home.
    trip = SignIn(**{**_fields(trip), "confirmed": True})
    after = assess([*routine(), home, trip], NOW, T)
    assert after == {"home": (), "trip": ()}

    # The phone signs in in Berlin the next hour: Berlin is familiar now, the phone is not.
    phone = signed_in(timedelta(minutes=5), BERLIN, PHONE, sid="phone", active=timedelta(0))
    assert kinds(flags_for(phone, [*routine(), home, trip], NOW, T)) == {FlagKind.NEW_DEVICE}
    laptop_again = signed_in(timedelta(minutes=5), BERLIN, sid="again", active=timedelta(0))
    assert flags_for(laptop_again, [*routine(), home, trip], NOW, T) == []


def test_an_unconfirmed_new_place_teaches_nothing():
    """An intruder's second sign-in from the same place is as new as the first."""
    first = signed_in(timedelta(hours=3), NEW_YORK, IPHONE)
    second = signed_in(timedelta(minutes=5), NEW_YORK, IPHONE)
    flags = flags_for(second, [*routine(), first], NOW, T)
    assert {FlagKind.NEW_PLACE, FlagKind.NEW_DEVICE} <= kinds(flags)


def test_confirmed_session_shows_no_flags():
    odd = signed_in(
        timedelta(minutes=5), NEW_YORK, PHONE, sid="x", active=timedelta(0), confirmed=True
    )
    assert assess([*routine(), odd], NOW, T) == {"x": ()}


def _fields(sign_in: SignIn) -> dict:
    return {name: getattr(sign_in, name) for name in SignIn.__slots__}


# --- Ovanlig tid -------------------------------------------------------------------------------


def local(hour: int, minute: int = 0, days_ago: int = 0, zone: str = "Europe/Stockholm"):
    from zoneinfo import ZoneInfo

    day = (NOW - timedelta(days=days_ago)).astimezone(ZoneInfo(zone)).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


def at_local(moment: datetime, place: dict = STOCKHOLM, device: dict = LAPTOP, **kw) -> SignIn:
    return SignIn(at=moment.astimezone(UTC), **place, **device, **kw)


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


def test_a_confirmed_odd_hour_is_learned():
    history = [at_local(local(13, days_ago=d)) for d in (9, 6, 3)]
    night = at_local(local(3, 0, days_ago=2), confirmed=True)
    assert flags_for(at_local(local(3, 30)), [*history, night], NOW, T) == []


# --- Omöjlig resa ------------------------------------------------------------------------------


def test_haversine():
    assert haversine_km(59.33, 18.06, 52.52, 13.40) == pytest.approx(810, abs=5)
    assert haversine_km(59.33, 18.06, 40.71, -74.01) == pytest.approx(6300, abs=30)
    assert haversine_km(10, 20, 10, 20) == 0


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


# --- the API of the module ---------------------------------------------------------------------


def test_flags_for_ignores_the_session_itself_in_the_history():
    session = signed_in(timedelta(minutes=1), BERLIN, sid="s", active=timedelta(0))
    history = routine()
    assert flags_for(session, [*history, session], NOW, T) == flags_for(session, history, NOW, T)


def test_one_weak_sign_is_a_note_and_combinations_are_warnings():
    history = routine()
    # A new phone at home, a new town in the home country, an odd hour: each alone is a note.
    assert not is_warning(flags_for(signed_in(timedelta(0), device=PHONE), history, NOW, T))
    assert not is_warning(flags_for(signed_in(timedelta(0), GOTHENBURG), history, NOW, T))
    odd_hour = at_local(local(3, 0))
    assert kinds(flags_for(odd_hour, history[-3:], NOW, T)) == {FlagKind.UNUSUAL_TIME}
    assert not is_warning(flags_for(odd_hour, history[-3:], NOW, T))
    # A new country alone is a note too (a trip with one's own laptop at one's usual hour)…
    assert not is_warning(flags_for(signed_in(timedelta(0), BERLIN), history, NOW, T))
    # …but with a new device, or a new device in a new town, it is a warning.
    assert is_warning(flags_for(signed_in(timedelta(0), BERLIN, IPHONE), history, NOW, T))
    assert is_warning(flags_for(signed_in(timedelta(0), GOTHENBURG, IPHONE), history, NOW, T))
    assert not is_warning(flags_for(signed_in(timedelta(0)), history, NOW, T))


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


# --- familiarity that survives real life (issue 15) --------------------------------------------


def test_an_unanswered_note_teaches_once_it_has_lived_a_week():
    """The new phone at home: a note today; a week later, without an answer, it is familiar."""
    new_phone = signed_in(timedelta(days=3), device=PHONE)
    later = signed_in(timedelta(minutes=1), device=PHONE)
    assert kinds(flags_for(later, [*routine(), new_phone], NOW, T)) == {FlagKind.NEW_DEVICE}
    week_old = signed_in(timedelta(days=8), device=PHONE)
    assert flags_for(later, [*routine(), week_old], NOW, T) == []
    assert teaches(week_old, flags_for(week_old, routine(), NOW, T), NOW, T)


def test_a_warning_never_teaches_by_waiting():
    """An attacker who signs in from abroad on a new device and waits stays new for good."""
    intruder = signed_in(timedelta(days=200), NEW_YORK, IPHONE)
    history = routine(days=300, every=5)
    flags = flags_for(intruder, history, NOW, T)
    assert is_warning(flags) and not teaches(intruder, flags, NOW, T)
    again = signed_in(timedelta(minutes=1), NEW_YORK, IPHONE)
    assert is_warning(flags_for(again, [*history, intruder], NOW, T))


def test_home_stays_familiar_beyond_the_90_day_window():
    # Three trusted sign-ins from Stockholm 120–100 days ago, nothing since.
    history = [signed_in(timedelta(days=d)) for d in (120, 110, 100)]
    assert flags_for(signed_in(timedelta(minutes=1)), history, NOW, T) == []
    # A one-off trip is forgotten after 90 days.
    trip = [*history, signed_in(timedelta(days=95), BERLIN, confirmed=True)]
    assert FlagKind.NEW_PLACE in kinds(flags_for(signed_in(timedelta(0), BERLIN), trip, NOW, T))


def test_places_are_compared_by_distance_not_name():
    solna = {**STOCKHOLM, "city": "Solna", "latitude": 59.36, "longitude": 18.00}
    assert flags_for(signed_in(timedelta(minutes=1), solna), routine(), NOW, T) == []
    assert FlagKind.NEW_PLACE in kinds(
        flags_for(signed_in(timedelta(minutes=1), UPPSALA), routine(), NOW, T)
    )


def test_a_roaming_carrier_network_is_familiar_in_its_whole_country():
    carrier = {"asn": 1257, "network": "Tele2"}
    umea = {"country_code": "SE", "city": "Umeå", "latitude": 63.83, "longitude": 20.26}
    history = [
        *routine(),
        SignIn(at=at(timedelta(days=12)), **STOCKHOLM, **PHONE, **carrier),
        SignIn(at=at(timedelta(days=11)), **UPPSALA, **PHONE, **carrier),
        SignIn(at=at(timedelta(days=10)), **GOTHENBURG, **PHONE, **carrier, confirmed=True),
    ]
    assert flags_for(SignIn(at=NOW, **umea, **PHONE, **carrier), history, NOW, T) == []
    # The same town on another network is a new place (only a note, though).
    other = flags_for(SignIn(at=NOW, **umea, **PHONE, asn=3301), history, NOW, T)
    assert kinds(other) == {FlagKind.NEW_PLACE} and not is_warning(other)


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
    mine = SignIn(**{**_fields(vpn), "at": at(timedelta(days=2)), "confirmed": True})
    assert flags_for(vpn, [*routine(), mine], NOW, T) == []


def test_impossible_travel_is_measured_from_ended_sign_ins_with_coordinates():
    # An ended session's event (no active_at) signed in from Stockholm an hour ago.
    ended = signed_in(timedelta(hours=1))
    flags = flags_for(signed_in(timedelta(0), NEW_YORK), [*routine(), ended], NOW, T)
    assert FlagKind.IMPOSSIBLE_TRAVEL in kinds(flags) and is_warning(flags)


UMEA = {"country_code": "SE", "city": "Umeå", "latitude": 63.83, "longitude": 20.26}
SUNDSVALL = {"country_code": "SE", "city": "Sundsvall", "latitude": 62.39, "longitude": 17.31}
OREBRO = {"country_code": "SE", "city": "Örebro", "latitude": 59.27, "longitude": 15.21}
CARRIER = {"asn": 1257, "network": "Tele2"}


def visit(ago: timedelta, place: dict, asn: int | None = None) -> Visit:
    return Visit(
        at(ago), place["country_code"], place["city"], place["latitude"], place["longitude"], asn
    )


def test_a_home_line_placed_in_the_next_town_is_not_a_roaming_network():
    """GeoIP puts the home broadband line in Umeå or, after a new address, in Sundsvall 220 km
    off: one line at two spots, not a network that makes all of Sweden familiar. A stranger on
    the same big operator in Stockholm with a new browser is still a warning."""
    broadband = {"asn": 3301, "network": "Telia"}
    history = [
        SignIn(at=at(timedelta(days=d)), **(UMEA if d % 20 else SUNDSVALL), **LAPTOP, **broadband)
        for d in range(200, 0, -5)
    ]
    intruder = SignIn(at=NOW, **STOCKHOLM, **IPHONE, **broadband)
    flags = flags_for(intruder, history, NOW, T)
    assert kinds(flags) == {FlagKind.NEW_PLACE, FlagKind.NEW_DEVICE} and is_warning(flags)


def test_where_a_trusted_session_is_used_becomes_familiar():
    """The phone signed in at home and is used at the office in Örebro on weekdays: the new
    work computer signing in there is only a note (a new device), not "Ny plats" as well."""
    phone = SignIn(
        at=at(timedelta(days=40)),
        **STOCKHOLM,
        **PHONE,
        session_id="phone",
        active_at=at(timedelta(hours=1)),
        visits=(visit(timedelta(days=30), OREBRO, 2603),),
    )
    work = signed_in(timedelta(days=2), OREBRO, IPHONE, sid="work", active=timedelta(hours=2))
    flags = assess([*routine(days=60), phone, work], NOW, T)["work"]
    assert kinds(flags) == {FlagKind.NEW_DEVICE} and not is_warning(flags)
    # Without the phone's visit the same sign-in is a warning.
    alone = replace(phone, visits=())
    assert is_warning(assess([*routine(days=60), alone, work], NOW, T)["work"])


def test_a_trusted_phone_on_its_carrier_makes_the_carrier_familiar():
    """The phone is used on its carrier from three towns hundreds of km apart: the browser on
    the same phone, signing in on that carrier from a fourth town, is only a new device."""
    phone = SignIn(
        at=at(timedelta(days=40)),
        **STOCKHOLM,
        **PHONE,
        session_id="phone",
        active_at=at(timedelta(hours=1)),
        visits=tuple(
            visit(timedelta(days=d), place, CARRIER["asn"])
            for d, place in ((30, UPPSALA), (20, GOTHENBURG), (10, UMEA))
        ),
    )
    browser = SignIn(at=NOW, **OREBRO, **IPHONE, **CARRIER)
    assert kinds(flags_for(browser, [*routine(days=60), phone], NOW, T)) == {FlagKind.NEW_DEVICE}


def test_where_an_unconfirmed_warning_goes_teaches_nothing():
    """An intruder's session (a warning no one confirmed) used from Berlin afterwards does not
    make Berlin familiar to the next stranger."""
    intruder = SignIn(
        at=at(timedelta(days=60)),
        **NEW_YORK,
        **IPHONE,
        session_id="intruder",
        active_at=at(timedelta(hours=1)),
        visits=(visit(timedelta(days=50), BERLIN),),
    )
    assert is_warning(assess([*routine(days=90), intruder], NOW, T)["intruder"])
    stranger = signed_in(timedelta(0), BERLIN, IPHONE)
    flags = flags_for(stranger, [*routine(days=90), intruder], NOW, T)
    assert FlagKind.NEW_PLACE in kinds(flags) and is_warning(flags)


def test_a_visit_does_not_change_what_an_earlier_sign_in_showed():
    """The phone reaches Örebro today; the stranger who signed in there last week keeps the
    signs it had (knowledge is folded in the order things happened)."""
    phone = SignIn(
        at=at(timedelta(days=40)),
        **STOCKHOLM,
        **PHONE,
        session_id="phone",
        active_at=at(timedelta(hours=1)),
        visits=(visit(timedelta(hours=3), OREBRO),),
    )
    stranger = signed_in(timedelta(days=6), OREBRO, IPHONE, sid="x", active=timedelta(hours=2))
    assert FlagKind.NEW_PLACE in kinds(assess([*routine(days=60), phone, stranger], NOW, T)["x"])


def test_the_towns_a_carrier_puts_the_phone_in_are_not_places():
    """The trusted phone's carrier has placed it in Uppsala, Göteborg and Umeå (so the carrier
    roams): a stranger on home broadband in Göteborg with a new browser is still a new place."""
    phone = SignIn(
        at=at(timedelta(days=40)),
        **STOCKHOLM,
        **PHONE,
        session_id="phone",
        active_at=at(timedelta(hours=1)),
        visits=tuple(
            visit(timedelta(days=d), place, CARRIER["asn"])
            for d, place in ((30, UPPSALA), (20, GOTHENBURG), (10, UMEA))
        ),
    )
    stranger = SignIn(at=NOW, **GOTHENBURG, **IPHONE, asn=3301)
    flags = flags_for(stranger, [*routine(days=60), phone], NOW, T)
    assert kinds(flags) == {FlagKind.NEW_PLACE, FlagKind.NEW_DEVICE} and is_warning(flags)
    # Through the carrier itself, the same phone's browser is only a new device.
    own = SignIn(at=NOW, **GOTHENBURG, **IPHONE, **CARRIER)
    assert kinds(flags_for(own, [*routine(days=60), phone], NOW, T)) == {FlagKind.NEW_DEVICE}


def test_a_trusted_session_carried_abroad_does_not_open_a_new_country():
    """The phone was used in Berlin on holiday last month: a stranger signing in from Berlin
    with a new browser is still a new place in a new country, and a warning."""
    phone = SignIn(
        at=at(timedelta(days=60)),
        **STOCKHOLM,
        **PHONE,
        session_id="phone",
        active_at=at(timedelta(hours=1)),
        visits=(visit(timedelta(days=30), BERLIN, 3320),),
    )
    stranger = SignIn(at=NOW, **BERLIN, **IPHONE, asn=3320)
    flags = flags_for(stranger, [*routine(days=90), phone], NOW, T)
    assert kinds(flags) >= {FlagKind.NEW_PLACE, FlagKind.NEW_DEVICE} and is_warning(flags)
    assert [f.new_country for f in flags if f.kind == FlagKind.NEW_PLACE] == [True]


# --- summaries of pruned sign-ins (account_security.risk_summary) -----------------------------


def summary(ago: timedelta, count: int, place: dict = STOCKHOLM, device: dict = LAPTOP) -> SignIn:
    return replace(signed_in(ago, place, device), summary=True, count=count)


def test_a_summary_teaches_as_many_sign_ins_as_it_stands_for():
    """Home signed in from three times, more than a year ago: still home. Once: forgotten."""
    trip = signed_in(timedelta(days=20), GOTHENBURG)
    back_home = signed_in(timedelta(minutes=1))
    assert flags_for(back_home, [summary(timedelta(days=400), 3), trip], NOW, T) == []
    once = flags_for(back_home, [summary(timedelta(days=400), 1), trip], NOW, T)
    assert kinds(once) == {FlagKind.NEW_PLACE}


def test_a_summary_is_history_never_a_session():
    """After a summary the next sign-in is not the account's first; a summary has no flags."""
    history = [summary(timedelta(days=400), 5)]
    stranger = signed_in(timedelta(minutes=1), NEW_YORK, IPHONE)
    assert is_warning(flags_for(stranger, history, NOW, T))
    assert assess(history, NOW, T) == {}


def test_taught_sign_ins_leaves_out_summaries_and_unconfirmed_warnings():
    old = summary(timedelta(days=400), 3)
    home = signed_in(timedelta(days=30))
    intruder = signed_in(timedelta(days=20), NEW_YORK, IPHONE)
    traveller = signed_in(timedelta(days=10), BERLIN, IPHONE, confirmed=True)
    note = signed_in(timedelta(days=9), device=PHONE)  # a new phone at home, settled since
    taught = taught_sign_ins([old, home, intruder, traveller, note], NOW, T)
    assert taught == [home, traveller, note]
