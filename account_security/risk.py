"""Warning signs on sessions, worked out from the account's own sign-in history.

Pure functions over plain data: no database, no clock of their own (``now`` is passed in), no
GeoIP. ``account_security.risk_history`` builds the history from the security log and the session
table; tests build it by hand.

The rules (thresholds in ``Thresholds``, from settings):

* The history is folded oldest first. A sign-in is *trusted* when it raised no flag or the user
  confirmed it ("Det var jag"); only trusted sign-ins teach places, devices and hours. So an
  intruder's second sign-in from the same place is as new as the first, and a traveller's place
  becomes familiar the moment they confirm it. Sign-ins the user disowned ("Det var inte jag")
  are left out of the history altogether by the adapter.
* The account's first sign-in raises nothing (there is nothing to compare it with). Strictly,
  the first one in the history read: for an account idle for longer than the history reaches
  back (``RISK_HISTORY_DAYS``, the security log's retention too), or right after this feature
  was deployed, the first sign-in seen is the baseline.
* **Ny plats**: no trusted sign-in from the same city (or country, when the city is unknown) in
  the ``new_place_days`` before it.
* **Okänd enhet**: no trusted sign-in ever (within the history read) with the same device key
  (browser family + OS family, or the app + OS + phone model).
* **Ovanlig tid**: the local hour (GeoIP time zone, else the site's) is more than
  ``usual_hours_margin`` hours away from every hour the account has signed in at — and, while
  fewer than ``usual_hours_min_sign_ins`` trusted sign-ins are known, also at night.
* **Omöjlig resa**: a trusted sign-in at least ``travel_min_km`` away, earlier by less time than
  the trip takes at ``travel_kmh``.
* **Flera länder** (about now, not about the sign-in): another session active within
  ``several_countries_hours`` is in another country — unless both are *settled* (confirmed, or
  signed in from a familiar place and still there), so a confirmed trip and the tablet left at
  home explain each other.
* Confirmed sessions show no flags.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EARTH_RADIUS_KM = 6371.0088
HALF_EARTH_KM = math.pi * EARTH_RADIUS_KM  # no two places are further apart
MIN_ELAPSED = timedelta(minutes=1)  # two sign-ins "at once" still count as a minute apart


class FlagKind(enum.StrEnum):
    NEW_PLACE = "new_place"
    NEW_DEVICE = "new_device"
    SEVERAL_COUNTRIES = "several_countries"
    UNUSUAL_TIME = "unusual_time"
    IMPOSSIBLE_TRAVEL = "impossible_travel"


# Flags that make a sign-in "new" enough for an email.
NOVELTY = frozenset({FlagKind.NEW_PLACE, FlagKind.NEW_DEVICE})


@dataclass(frozen=True, slots=True)
class SignIn:
    """One sign-in as the signals see it.

    ``active_at`` (last activity) is set for sessions that are still signed in; they are the
    ones flags are reported for. ``current_country`` is where such a session is now, if it moved
    after signing in (None: where it signed in).
    """

    at: datetime
    country_code: str = ""
    city: str = ""
    device_key: str = ""
    latitude: float | None = None
    longitude: float | None = None
    time_zone: str = ""
    confirmed: bool = False
    session_id: Hashable | None = None
    device: str = ""
    active_at: datetime | None = None
    current_country: str | None = None

    @property
    def country_now(self) -> str:
        return self.country_code if self.current_country is None else self.current_country


@dataclass(frozen=True, slots=True)
class Flag:
    """One warning sign and the facts its one-line reason names (see ``risk_text``)."""

    kind: FlagKind
    country_code: str = ""
    city: str = ""
    device: str = ""
    countries: tuple[str, ...] = ()
    signed_in_at: datetime | None = None  # local time, for "Ovanlig tid"
    distance_km: float = 0.0
    elapsed: timedelta = timedelta(0)
    hours: int = 0


@dataclass(frozen=True, slots=True)
class Thresholds:
    new_place_days: int = 90
    several_countries_hours: int = 24
    travel_kmh: float = 1000.0
    travel_min_km: float = 500.0
    usual_hours_min_sign_ins: int = 5
    usual_hours_margin: int = 3
    night_start: int = 0
    night_end: int = 5
    default_time_zone: str = "UTC"

    @classmethod
    def from_settings(cls) -> Thresholds:
        """The thresholds configured in settings (``RISK_*``, documented there)."""
        from django.conf import settings

        values = {
            name: getattr(settings, setting)
            for name, setting in SETTING_NAMES.items()
            if hasattr(settings, setting)
        }
        return cls(**values, default_time_zone=settings.TIME_ZONE or "UTC")


SETTING_NAMES = {
    "new_place_days": "RISK_NEW_PLACE_DAYS",
    "several_countries_hours": "RISK_SEVERAL_COUNTRIES_HOURS",
    "travel_kmh": "RISK_IMPOSSIBLE_TRAVEL_KMH",
    "travel_min_km": "RISK_IMPOSSIBLE_TRAVEL_MIN_KM",
    "usual_hours_min_sign_ins": "RISK_USUAL_HOURS_MIN_SIGN_INS",
    "usual_hours_margin": "RISK_USUAL_HOURS_MARGIN",
    "night_start": "RISK_NIGHT_START",
    "night_end": "RISK_NIGHT_END",
}


def device_key(kind: str, browser: str, os: str, model: str) -> str:
    """What makes a device "the same" across sign-ins; "" when nothing is known."""
    if kind == "app":
        return f"app|{os}|{model}".lower()
    if not browser and not os:
        return ""
    return f"web|{browser}|{os}".lower()


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_time(sign_in: SignIn, thresholds: Thresholds) -> datetime:
    """The sign-in's moment at its own place (GeoIP time zone, else the site's)."""
    zone = _zone(sign_in.time_zone) or _zone(thresholds.default_time_zone) or ZoneInfo("UTC")
    return sign_in.at.astimezone(zone)


def _hour_distance(a: int, b: int) -> int:
    return min((a - b) % 24, (b - a) % 24)


@dataclass
class _Memory:
    """What the trusted sign-ins so far teach."""

    seen: int = 0  # sign-ins so far, trusted or not
    places: dict[tuple[str, str], datetime] = field(default_factory=dict)
    devices: set[str] = field(default_factory=set)
    hours: set[int] = field(default_factory=set)
    hour_samples: int = 0
    # The latest trusted sign-in at each distinct spot, oldest first (one per spot is enough:
    # the latest one gives the fastest trip).
    located: dict[tuple[float, float], SignIn] = field(default_factory=dict)

    def learn(self, sign_in: SignIn, thresholds: Thresholds) -> None:
        if sign_in.country_code:
            self.places[(sign_in.country_code, "")] = sign_in.at
            if sign_in.city:
                self.places[(sign_in.country_code, sign_in.city)] = sign_in.at
        if sign_in.device_key:
            self.devices.add(sign_in.device_key)
        self.hours.add(local_time(sign_in, thresholds).hour)
        self.hour_samples += 1
        if sign_in.latitude is not None and sign_in.longitude is not None:
            spot = (sign_in.latitude, sign_in.longitude)
            self.located.pop(spot, None)
            self.located[spot] = sign_in


def _new_place(sign_in: SignIn, memory: _Memory, t: Thresholds) -> Flag | None:
    if not sign_in.country_code:
        return None  # an unknown place is not evidence of a new one
    last = memory.places.get((sign_in.country_code, sign_in.city))
    if last is not None and sign_in.at - last <= timedelta(days=t.new_place_days):
        return None
    return Flag(FlagKind.NEW_PLACE, country_code=sign_in.country_code, city=sign_in.city)


def _new_device(sign_in: SignIn, memory: _Memory) -> Flag | None:
    if not sign_in.device_key or sign_in.device_key in memory.devices:
        return None
    return Flag(FlagKind.NEW_DEVICE, device=sign_in.device)


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


def _unusual_time(sign_in: SignIn, memory: _Memory, t: Thresholds) -> Flag | None:
    moment = local_time(sign_in, t)
    if not is_unusual_hour(moment.hour, memory.hours, memory.hour_samples, t):
        return None
    return Flag(FlagKind.UNUSUAL_TIME, signed_in_at=moment)


def _impossible_travel(sign_in: SignIn, memory: _Memory, t: Thresholds) -> Flag | None:
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


def _sign_in_flags(sign_in: SignIn, memory: _Memory, t: Thresholds) -> list[Flag]:
    if memory.seen == 0:
        return []  # the account's first sign-in
    checks = (
        _new_place(sign_in, memory, t),
        _new_device(sign_in, memory),
        _impossible_travel(sign_in, memory, t),
        _unusual_time(sign_in, memory, t),
    )
    return [flag for flag in checks if flag is not None]


def _active_countries(
    live: Sequence[SignIn], settled: dict[Hashable, bool], now: datetime, t: Thresholds
) -> tuple[set[str], set[str]]:
    """Countries of the sessions active within the window: all, and those of unsettled ones."""
    since = now - timedelta(hours=t.several_countries_hours)
    every: set[str] = set()
    unsettled: set[str] = set()
    for session in live:
        if session.active_at is None or session.active_at < since or not session.country_now:
            continue
        every.add(session.country_now)
        if not settled[session.session_id]:
            unsettled.add(session.country_now)
    return every, unsettled


def _several_countries(
    session: SignIn,
    active: tuple[set[str], set[str]],
    settled: bool,
    now: datetime,
    t: Thresholds,
) -> Flag | None:
    since = now - timedelta(hours=t.several_countries_hours)
    country = session.country_now
    if not country or session.active_at is None or session.active_at < since:
        return None
    every, unsettled = active
    # Two settled sessions (confirmed, or in a familiar place) explain each other: the laptop
    # at home and the phone on a trip the user confirmed, or the family tablet left at home.
    elsewhere = (unsettled if settled else every) - {country}
    if not elsewhere:
        return None
    return Flag(
        FlagKind.SEVERAL_COUNTRIES,
        countries=tuple(sorted(elsewhere | {country})),
        hours=t.several_countries_hours,
    )


def _order(sign_in: SignIn) -> tuple[datetime, str]:
    return (sign_in.at, str(sign_in.session_id or ""))


def assess(
    history: Sequence[SignIn], now: datetime, thresholds: Thresholds | None = None
) -> dict[Hashable, tuple[Flag, ...]]:
    """The flags of every signed-in session (``active_at`` set) in ``history``, by session id.

    Several sign-ins of one session (a second sign-in on the same browser) count as history;
    the session is judged by its latest one.
    """
    t = thresholds or Thresholds.from_settings()
    memory = _Memory()
    at_sign_in: dict[Hashable, list[Flag]] = {}
    latest: dict[Hashable, SignIn] = {}
    for sign_in in sorted(history, key=_order):
        flags = _sign_in_flags(sign_in, memory, t)
        memory.seen += 1
        if sign_in.confirmed or not flags:
            memory.learn(sign_in, t)
        if sign_in.session_id is not None and sign_in.active_at is not None:
            at_sign_in[sign_in.session_id] = flags
            latest[sign_in.session_id] = sign_in
    settled = {
        session_id: session.confirmed
        or (
            session.country_now == session.country_code
            and not any(flag.kind == FlagKind.NEW_PLACE for flag in at_sign_in[session_id])
        )
        for session_id, session in latest.items()
    }
    active = _active_countries(list(latest.values()), settled, now, t)
    result: dict[Hashable, tuple[Flag, ...]] = {}
    for session_id, session in latest.items():
        if session.confirmed:
            result[session_id] = ()
            continue
        flags = list(at_sign_in[session_id])
        several = _several_countries(session, active, settled[session_id], now, t)
        if several is not None:
            flags.append(several)
        result[session_id] = tuple(flags)
    return result


_PROBE = object()


def flags_for(
    session: SignIn,
    history: Sequence[SignIn],
    now: datetime,
    thresholds: Thresholds | None = None,
) -> list[Flag]:
    """The flags of one session against the rest of the account's history.

    ``history`` may or may not contain ``session`` itself. A sign-in without ``active_at``
    (one being alerted about, say) is judged as active at the moment it signed in.
    """
    probe = replace(
        session,
        session_id=_PROBE,
        active_at=session.active_at if session.active_at is not None else session.at,
    )
    others = [
        entry
        for entry in history
        if entry is not session
        and (session.session_id is None or entry.session_id != session.session_id)
    ]
    return list(assess([*others, probe], now, thresholds).get(_PROBE, ()))


def is_new_sign_in(flags: Sequence[Flag]) -> bool:
    """Whether flags make a sign-in worth an email: a new device or a new place."""
    return any(flag.kind in NOVELTY for flag in flags)
