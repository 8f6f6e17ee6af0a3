"""The assessment (account_security.risk) on histories built by hand, with a fixed clock: what
teaches and what does not, notes and warnings, confirmed sessions, ``assess`` and ``flags_for``.

The signals themselves are in test_risk_signals, what is familiar in test_risk_memory.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from django.utils import translation

from account_security.risk import assess, flags_for, is_warning, taught_sign_ins, teaches
from account_security.risk_facts import FlagKind, SignIn
from account_security.risk_text import flag_text
from tests.risk_support import (
    BERLIN,
    GOTHENBURG,
    IPHONE,
    LAPTOP,
    NEW_YORK,
    NOW,
    OREBRO,
    PHONE,
    STOCKHOLM,
    T,
    at,
    at_local,
    fields_of,
    kinds,
    local,
    routine,
    signed_in,
    summary,
    visit,
)

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


# --- Flera länder ------------------------------------------------------------------------------


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
    trip = SignIn(**{**fields_of(trip), "confirmed": True})
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


# --- Ovanlig tid -------------------------------------------------------------------------------


def test_a_confirmed_odd_hour_is_learned():
    history = [at_local(local(13, days_ago=d)) for d in (9, 6, 3)]
    night = at_local(local(3, 0, days_ago=2), confirmed=True)
    assert flags_for(at_local(local(3, 30)), [*history, night], NOW, T) == []


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


OWN, OTHER = "a" * 64, "b" * 64  # fingerprints of two browsers of one kind
TELIA = {"asn": 3301, "network": "Telia"}
BAHNHOF = {"asn": 8473, "network": "Bahnhof"}


def test_a_new_browser_of_a_known_kind_weighs_less_than_a_new_kind():
    """The person's own laptop after clearing cookies: a note at home, at an odd hour, in the
    neighbouring town of the home line; the stranger's browser of that kind, from a new town
    through a network the account never used: a warning."""
    history = [replace(s, browser=OWN, **TELIA) for s in routine()]
    cleared = replace(signed_in(timedelta(0)), browser=OTHER, **TELIA)
    assert not is_warning(flags_for(cleared, history, NOW, T))
    odd_hour = replace(at_local(local(3, 0)), browser=OTHER, **TELIA)
    assert kinds(flags_for(odd_hour, history[-3:], NOW, T)) == {
        FlagKind.NEW_DEVICE,
        FlagKind.UNUSUAL_TIME,
    }
    assert not is_warning(flags_for(odd_hour, history[-3:], NOW, T))
    next_town = replace(signed_in(timedelta(0), GOTHENBURG), browser=OTHER, **TELIA)
    assert not is_warning(flags_for(next_town, history, NOW, T))
    stranger = replace(signed_in(timedelta(0), GOTHENBURG), browser=OTHER, **BAHNHOF)
    flags = flags_for(stranger, history, NOW, T)
    assert kinds(flags) == {FlagKind.NEW_PLACE, FlagKind.NEW_DEVICE} and is_warning(flags)


def test_a_new_town_through_a_new_network_is_still_a_note_with_ones_own_browser():
    """A hotel in Göteborg with one's own laptop: the network is new, the browser is not."""
    history = [replace(s, browser=OWN, **TELIA) for s in routine()]
    hotel = replace(signed_in(timedelta(0), GOTHENBURG), browser=OWN, **BAHNHOF)
    flags = flags_for(hotel, history, NOW, T)
    assert kinds(flags) == {FlagKind.NEW_PLACE} and flags[0].new_network
    assert not is_warning(flags)
    with translation.override("sv"):
        assert flag_text(flags[0]) == (
            "Ny plats: första inloggningen från Göteborg, Sverige, via ett nätverk som kontot "
            "inte har använt förut (Bahnhof)"
        )
    # Without a network database nothing is known of networks, and nothing is said.
    bare = flags_for(replace(hotel, asn=None, network=""), history, NOW, T)
    assert not bare[0].new_network


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


# --- summaries of pruned sign-ins (account_security.risk_summary) -----------------------------


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
