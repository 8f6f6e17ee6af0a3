"""The signals of one sign-in against the account's memory (Ny plats, Okänd enhet, Ovanlig tid,
Omöjlig resa, Värdnätverk), and Flera länder about the sessions active now.

Each function returns its flag or None; ``account_security.risk`` (whose docstring states each
signal's rule) runs them and weighs the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from account_security.risk_facts import (
    HALF_EARTH_KM,
    Flag,
    FlagKind,
    SignIn,
    Thresholds,
    haversine_km,
    local_time,
)
from account_security.risk_memory import Memory, familiar_place

MIN_ELAPSED = timedelta(minutes=1)  # two sign-ins "at once" still count as a minute apart


def _hour_distance(a: int, b: int) -> int:
    return min((a - b) % 24, (b - a) % 24)


def new_place(sign_in: SignIn, memory: Memory, t: Thresholds) -> Flag | None:
    if not sign_in.country_code:
        return None  # an unknown place is not evidence of a new one
    if familiar_place(sign_in, memory, t):
        return None
    new_country = sign_in.country_code not in memory.countries
    # Only said of a new town: abroad, every network is new.
    new_network = not new_country and bool(sign_in.asn) and sign_in.asn not in memory.networks
    return Flag(
        FlagKind.NEW_PLACE,
        country_code=sign_in.country_code,
        city=sign_in.city,
        new_country=new_country,
        new_network=new_network,
        network=sign_in.network if new_network else "",
    )


def new_device(sign_in: SignIn, memory: Memory) -> Flag | None:
    """A device no trusted sign-in came from: for a browser with an id, that very browser
    (another Chrome on Windows is another device); otherwise its kind."""
    key = sign_in.device_key
    if not key:
        return None
    if not sign_in.browser or key in memory.unidentified:
        known = key in memory.devices
    else:
        known = sign_in.browser in memory.browsers
    if known:
        return None
    return Flag(FlagKind.NEW_DEVICE, device=sign_in.device, known_kind=key in memory.devices)


def hosting_network(sign_in: SignIn, memory: Memory) -> Flag | None:
    if not sign_in.hosting or sign_in.asn in memory.networks:
        return None  # a user's own VPN, once confirmed, is theirs
    return Flag(FlagKind.HOSTING_NETWORK, network=sign_in.network)


def is_unusual_hour(hour: int, learned: set[int], samples: int, t: Thresholds) -> bool:
    """Usual: within the margin of an hour the account has signed in at. Otherwise unusual —
    but while the history is short, only at night."""
    if any(_hour_distance(hour, seen) <= t.usual_hours_margin for seen in learned):
        return False
    if samples >= t.usual_hours_min_sign_ins:
        return True
    if t.night_start <= t.night_end:
        return t.night_start <= hour < t.night_end
    return hour >= t.night_start or hour < t.night_end  # a night across midnight


def unusual_time(sign_in: SignIn, memory: Memory, t: Thresholds) -> Flag | None:
    moment = local_time(sign_in, t)
    if not is_unusual_hour(moment.hour, memory.hours, memory.hour_samples, t):
        return None
    return Flag(FlagKind.UNUSUAL_TIME, signed_in_at=moment)


def impossible_travel(sign_in: SignIn, memory: Memory, t: Thresholds) -> Flag | None:
    if sign_in.latitude is None or sign_in.longitude is None or t.travel_kmh <= 0:
        return None
    horizon = timedelta(hours=HALF_EARTH_KM / t.travel_kmh)
    worst: tuple[float, SignIn, float, timedelta] | None = None
    for earlier in reversed(memory.located.values()):  # newest first; stop beyond any trip
        elapsed = sign_in.at - earlier.at
        if elapsed > horizon:
            break
        distance = haversine_km(
            earlier.latitude, earlier.longitude, sign_in.latitude, sign_in.longitude
        )
        if distance < t.travel_min_km:
            continue
        speed = distance / (max(elapsed, MIN_ELAPSED).total_seconds() / 3600)
        if speed > t.travel_kmh and (worst is None or speed > worst[0]):
            worst = (speed, earlier, distance, elapsed)
    if worst is None:
        return None
    _, earlier, distance, elapsed = worst
    return Flag(
        FlagKind.IMPOSSIBLE_TRAVEL,
        country_code=earlier.country_code,
        city=earlier.city,
        distance_km=distance,
        elapsed=elapsed,
    )


def sign_in_flags(sign_in: SignIn, memory: Memory, t: Thresholds) -> list[Flag]:
    if memory.seen == 0:
        return []  # the account's first sign-in
    checks = (
        new_place(sign_in, memory, t),
        new_device(sign_in, memory),
        hosting_network(sign_in, memory),
        impossible_travel(sign_in, memory, t),
        unusual_time(sign_in, memory, t),
    )
    return [flag for flag in checks if flag is not None]


def active_countries(live: Sequence[SignIn], now: datetime, t: Thresholds) -> set[str]:
    """Countries of the sessions active within the window."""
    since = now - timedelta(hours=t.several_countries_hours)
    return {
        session.country_now
        for session in live
        if session.active_at is not None and session.active_at >= since and session.country_now
    }


def several_countries(
    session: SignIn, active: set[str], settled: bool, now: datetime, t: Thresholds
) -> Flag | None:
    since = now - timedelta(hours=t.several_countries_hours)
    country = session.country_now
    if settled or not country or session.active_at is None or session.active_at < since:
        return None
    # A settled session (confirmed, or in the familiar place it signed in from) is never the
    # odd one: the laptop at home does not explain a trip, but is not suspicious either.
    elsewhere = active - {country}
    if not elsewhere:
        return None
    return Flag(
        FlagKind.SEVERAL_COUNTRIES,
        countries=tuple(sorted(elsewhere | {country})),
        hours=t.several_countries_hours,
    )
