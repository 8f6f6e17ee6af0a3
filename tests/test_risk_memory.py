"""What is familiar (account_security.risk_memory), on histories built by hand with a fixed
clock: a home, a trip, places by distance, roaming networks, where trusted sessions go,
summaries of pruned sign-ins."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from account_security.risk import assess, flags_for, is_warning
from account_security.risk_facts import FlagKind, SignIn
from tests.risk_support import (
    BERLIN,
    CARRIER,
    GOTHENBURG,
    IPHONE,
    LAPTOP,
    NOW,
    OREBRO,
    PHONE,
    STOCKHOLM,
    SUNDSVALL,
    UMEA,
    UPPSALA,
    T,
    at,
    kinds,
    routine,
    signed_in,
    summary,
    visit,
)

# --- Ny plats ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("days_ago", "flagged"), [(89, False), (91, True)])
def test_a_place_is_familiar_for_90_days(days_ago, flagged):
    history = [
        signed_in(timedelta(days=120)),
        signed_in(timedelta(days=days_ago), BERLIN, confirmed=True),
        *routine(days=30),
    ]
    flags = flags_for(signed_in(timedelta(minutes=1), BERLIN), history, NOW, T)
    assert (FlagKind.NEW_PLACE in kinds(flags)) is flagged


# --- familiarity that survives real life (issue 15) --------------------------------------------


def test_home_stays_familiar_beyond_the_90_day_window():
    # Three trusted sign-ins from Stockholm 120–100 days ago, nothing since.
    history = [signed_in(timedelta(days=d)) for d in (120, 110, 100)]
    assert flags_for(signed_in(timedelta(minutes=1)), history, NOW, T) == []
    # A one-off trip is forgotten after 90 days.
    trip = [*history, signed_in(timedelta(days=95), BERLIN, confirmed=True)]
    assert FlagKind.NEW_PLACE in kinds(flags_for(signed_in(timedelta(0), BERLIN), trip, NOW, T))


def test_a_place_known_only_from_visits_is_never_a_home():
    """Trusted sessions used from a town (the home line GeoIP places in the next town, for a
    month) make it familiar for the window, not a home: home is where sign-ins are."""
    def sessions_there(*days: int) -> list[SignIn]:
        return [
            replace(signed_in(timedelta(days=d + 1)), visits=(visit(timedelta(days=d), SUNDSVALL),))
            for d in days
        ]

    stranger = signed_in(timedelta(minutes=1), SUNDSVALL, IPHONE)
    long_ago = [*sessions_there(150, 140, 130, 120, 110), *routine(days=30)]
    assert FlagKind.NEW_PLACE in kinds(flags_for(stranger, long_ago, NOW, T))
    recently = [*sessions_there(20), *routine(days=30)]
    assert FlagKind.NEW_PLACE not in kinds(flags_for(stranger, recently, NOW, T))
    signed_in_there = [*long_ago, *(signed_in(timedelta(days=d), SUNDSVALL) for d in (150, 140, 130))]
    assert FlagKind.NEW_PLACE not in kinds(flags_for(stranger, signed_in_there, NOW, T))


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


def roaming_phone() -> SignIn:
    """The trusted phone, signed in at home and used on its carrier from three towns hundreds
    of km apart (so the carrier roams)."""
    return SignIn(
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


def test_a_trusted_phone_on_its_carrier_makes_the_carrier_familiar():
    """The phone is used on its carrier from three towns hundreds of km apart: the browser on
    the same phone, signing in on that carrier from a fourth town, is only a new device."""
    phone = roaming_phone()
    browser = SignIn(at=NOW, **OREBRO, **IPHONE, **CARRIER)
    assert kinds(flags_for(browser, [*routine(days=60), phone], NOW, T)) == {FlagKind.NEW_DEVICE}


def test_the_towns_a_carrier_puts_the_phone_in_are_not_places():
    """The trusted phone's carrier has placed it in Uppsala, Göteborg and Umeå (so the carrier
    roams): a stranger on home broadband in Göteborg with a new browser is still a new place."""
    phone = roaming_phone()
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


def test_a_summary_teaches_as_many_sign_ins_as_it_stands_for():
    """Home signed in from three times, more than a year ago: still home. Once: forgotten."""
    trip = signed_in(timedelta(days=20), GOTHENBURG)
    back_home = signed_in(timedelta(minutes=1))
    assert flags_for(back_home, [summary(timedelta(days=400), 3), trip], NOW, T) == []
    once = flags_for(back_home, [summary(timedelta(days=400), 1), trip], NOW, T)
    assert kinds(once) == {FlagKind.NEW_PLACE}
