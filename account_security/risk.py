"""Warning signs on sessions, worked out from the account's own sign-in history.

Pure functions over plain data: no database, no clock of their own (``now`` is passed in), no
GeoIP. ``account_security.risk_history`` builds the history from the security log and the session
table; tests build it by hand.

What is familiar (the account's *memory*), folded oldest first:

* A sign-in *teaches* (its place, device, hour and network become familiar) when the user
  confirmed it ("Det var jag"), when it raised no flag, or when it raised only a quiet note and
  has lived ``settle_days`` without being disowned ("Det var inte jag" keeps a sign-in out of
  the history altogether, at any time). So an unanswered note does not break the chain: the
  new phone at home, the new town in the home country, stop being new a week later.
  An attacker who simply waits gains nothing from it: a sign-in that raised a *warning* (a
  combination of signals, below) never teaches without "Det var jag", however long it lives;
  only a sign-in that already looked like the account's own in all but one weak respect does,
  and it shows its note for those days and can be disowned at any time.
* Places are compared by distance, not by name: a sign-in within ``near_km`` of a familiar spot
  is from a familiar place (GeoIP names the suburb, the next town, for the same line). A
  *roaming network* — an autonomous system the account's own trusted sign-ins and sessions
  have used from at least ``ROAMING_SPOTS`` distinct spots more than ``ROAMING_KM`` apart, as a
  carrier places a phone 100–400 km off from one day to the next — is familiar in every
  country it was used in, whatever city GeoIP names. Two spots are not enough: GeoIP puts a
  home broadband line in the home town or, after a new address, in the next one (or the
  operator's seat) 200 km off; that is still one line, not a network that roams, and an
  attacker on the same big broadband operator elsewhere in the country is still "Ny plats".
  The other way round, the positions GeoIP gives a roaming network are not places: the towns
  a carrier put the phone in make that carrier familiar, not those towns for any other
  network (a stranger on home broadband in one of them is still "Ny plats"). Without a
  network database (``GEOIP_ASN_DB``) a new town in a familiar country is still only a note.
* Trusted sessions teach where they go, too: every distinct place a session has been used
  from (``sessions_ui.places``: country, city, coordinates, network, first moment) is folded in
  at that moment, if and only if the session's sign-in taught (above), and only inside a
  country the account's trusted sign-ins have come from (a session carried abroad does not make
  the holiday city familiar to the next stranger signing in there; a sign-in would). The phone that signed
  in at home and is then used daily on its carrier across the region, or on the office
  network, makes those places and that network the account's own, so the new browser signing
  in there is only "Okänd enhet". Where a session that did not teach (a warning no one
  confirmed, an attacker's) has been teaches nothing.
* The history read is the last ``RISK_HISTORY_DAYS`` (365) of sign-ins. Inside it, the memory
  keeps per place (city, country, spot) the last trusted sign-in *and how many there were*: a
  place with ``home_sign_ins`` trusted sign-ins is *home* and stays familiar for the whole
  history, not only the ``new_place_days`` (90) window that a one-off trip gets. Live sessions
  count as sign-ins too (a phone signed in 300 days ago is still in the history).
* What is older than the history is kept in *summary*, so a home signed in from rarely is not
  lost when its events age out. When ``prune_security_log`` deletes sign-in events (after
  ``SECURITY_LOG_RETENTION_DAYS``, 365), it first folds every one of them that taught (by the
  rules above: never a disowned one, never a warning no one confirmed) into summary rows
  (``account_security.risk_summary``): per place (country, city, coordinates, network), device
  and local hour, how many trusted sign-ins and the last one. A summary (``SignIn.summary``,
  ``SignIn.count``) teaches like that many sign-ins at its last moment and is never judged
  itself: three sign-ins at home two years ago still make home, one trip does not. The
  summaries are rows of the security event table read by the same query as the events (an
  OR of two kinds), because Kontosäkerhet and Enhetsaktivitet must cost the same number of
  queries; a separate table would have cost a query, or a UNION of unlike rows. They are
  written at pruning, not when an event leaves the ``RISK_HISTORY_DAYS`` window: the window and
  the retention are both 365 days by default, and a summary written at pruning is written
  once, in the transaction that deletes its events, so nothing is counted twice (with a
  shorter window, sign-ins between the window and the retention teach nothing until they are
  pruned). A summary goes once its last sign-in is ``RISK_SUMMARY_DAYS`` (1095) old.
* The account's first sign-in (the first one in the history read) raises nothing.

The signals of one sign-in:

* **Ny plats**: not from a familiar place (above); a new country weighs more than a new town.
* **Okänd enhet**: no trusted sign-in with the same device key (browser family + OS family, or
  the app + OS + phone model).
* **Ovanlig tid**: the local hour (the sign-in's own time zone, kept on its event) is more than
  ``usual_hours_margin`` hours away from every hour the account has signed in at — and, while
  fewer than ``usual_hours_min_sign_ins`` trusted sign-ins are known, also at night.
* **Omöjlig resa**: a trusted sign-in (ended sessions included: their events keep coordinates)
  at least ``travel_min_km`` away, earlier by less time than the trip takes at ``travel_kmh``.
* **Värdnätverk**: the address belongs to a hosting or VPN operator's network (its autonomous
  system; the adapter says which) that no trusted sign-in came from.
* **Flera länder** (about now, not about the sign-in): another session active within
  ``several_countries_hours`` is in another country, and this one is not *settled* (confirmed,
  or signed in from a familiar place and still there). Settled sessions never carry it: the
  laptop at home is not what is odd about a trip.

Severity: each signal has a weight (``weight``); a session whose flags reach ``WARNING_SCORE``
is a *warning* (highlighted, counted in the Kontosäkerhet banner, worth the alert email);
below it the flags are a quiet note on the session. One weak signal (a new browser on a familiar
network, a new town in a familiar country, an odd hour) is a note; two of them, a new country
with a new device or an odd hour or another active country, impossible travel, or a hosting
network are warnings. Confirmed sessions show no flags. (The current device is never a warning
to itself: ``account_security.presentation`` decides that, it is about the viewer.)
"""

from __future__ import annotations

import enum
import math
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sessions_ui.places import Visit

EARTH_RADIUS_KM = 6371.0088
HALF_EARTH_KM = math.pi * EARTH_RADIUS_KM  # no two places are further apart
MIN_ELAPSED = timedelta(minutes=1)  # two sign-ins "at once" still count as a minute apart
# A network the account's own sign-ins used from this many spots, further apart than
# ROAMING_KM, roams (a carrier's); see the module docstring.
ROAMING_KM = 150.0
ROAMING_SPOTS = 3


class FlagKind(enum.StrEnum):
    NEW_PLACE = "new_place"
    NEW_DEVICE = "new_device"
    SEVERAL_COUNTRIES = "several_countries"
    UNUSUAL_TIME = "unusual_time"
    IMPOSSIBLE_TRAVEL = "impossible_travel"
    HOSTING_NETWORK = "hosting_network"


# Weights of the signals; flags that reach WARNING_SCORE together are a warning.
WEIGHTS = {
    FlagKind.NEW_DEVICE: 2,
    FlagKind.NEW_PLACE: 2,  # a new town in a familiar country; a new country: NEW_COUNTRY
    FlagKind.UNUSUAL_TIME: 2,
    FlagKind.SEVERAL_COUNTRIES: 1,
    FlagKind.IMPOSSIBLE_TRAVEL: 4,
    FlagKind.HOSTING_NETWORK: 4,
}
NEW_COUNTRY = 3
WARNING_SCORE = 4


@dataclass(frozen=True, slots=True)
class SignIn:
    """One sign-in as the signals see it.

    ``active_at`` (last activity) is set for sessions that are still signed in; they are the
    ones flags are reported for. ``current_country`` is where such a session is now, if it moved
    after signing in (None: where it signed in). ``asn`` is the address's autonomous system and
    ``hosting`` whether that is a hosting or VPN operator's (the adapter knows the list).
    ``visits`` are the places the session has been used from since (``sessions_ui.places``).
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
    asn: int | None = None
    network: str = ""
    hosting: bool = False
    visits: tuple[Visit, ...] = ()
    # How it signed in (the ``method`` of its sign-in event: "password", "totp", "passkey", …).
    method: str = ""
    # A *summary* stands for ``count`` trusted sign-ins that have left the security log, all
    # alike in place, network, device and local hour, the latest at ``at`` (see the module doc
    # and ``account_security.risk_summary``): it only teaches, it is never judged.
    summary: bool = False
    count: int = 1

    @property
    def country_now(self) -> str:
        return self.country_code if self.current_country is None else self.current_country

    @property
    def spot(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)


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
    new_country: bool = False  # Ny plats: the country itself is new
    network: str = ""  # Värdnätverk: the operator's name


def weight(flag: Flag) -> int:
    if flag.kind == FlagKind.NEW_PLACE and flag.new_country:
        return NEW_COUNTRY
    return WEIGHTS[flag.kind]


def is_warning(flags: Sequence[Flag]) -> bool:
    """Whether flags together are a warning (banner, alert email) rather than a quiet note."""
    return sum(weight(flag) for flag in flags) >= WARNING_SCORE


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
    near_km: float = 60.0
    settle_days: int = 7
    home_sign_ins: int = 3
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
    "near_km": "RISK_NEAR_KM",
    "settle_days": "RISK_SETTLE_DAYS",
    "home_sign_ins": "RISK_HOME_SIGN_INS",
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


@dataclass(slots=True)
class _Seen:
    """The latest trusted sign-in at a place, and how many there were."""

    last: datetime
    count: int = 1

    def add(self, at: datetime, count: int = 1) -> None:
        self.last = max(self.last, at)
        self.count += count


# Trusted sign-ins at a place (or spot), by the network they came through (None: unknown).
_ByNetwork = dict[int | None, _Seen]


def _remember(table: dict, key: Hashable, at: datetime, asn: int | None, count: int = 1) -> None:
    by_network = table.setdefault(key, {})
    if asn in by_network:
        by_network[asn].add(at, count)
    else:
        by_network[asn] = _Seen(at, count)


@dataclass
class _Memory:
    """What the trusted sign-ins so far teach (the summary of the history, see module doc)."""

    seen: int = 0  # sign-ins so far, trusted or not
    places: dict[tuple[str, str], _ByNetwork] = field(default_factory=dict)
    countries: set[str] = field(default_factory=set)
    spots: dict[tuple[float, float], _ByNetwork] = field(default_factory=dict)
    devices: set[str] = field(default_factory=set)
    hours: set[int] = field(default_factory=set)
    hour_samples: int = 0
    networks: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    network_countries: dict[int, set[str]] = field(default_factory=dict)
    roaming: set[int] = field(default_factory=set)
    # The latest trusted sign-in at each distinct spot, oldest first (one per spot is enough:
    # the latest one gives the fastest trip).
    located: dict[tuple[float, float], SignIn] = field(default_factory=dict)

    def learn(self, sign_in: SignIn, thresholds: Thresholds) -> None:
        at, asn, count = sign_in.at, sign_in.asn, sign_in.count
        if sign_in.country_code:
            self.countries.add(sign_in.country_code)
            _remember(self.places, (sign_in.country_code, ""), at, asn, count)
            if sign_in.city:
                _remember(self.places, (sign_in.country_code, sign_in.city), at, asn, count)
        if sign_in.device_key:
            self.devices.add(sign_in.device_key)
        self.hours.add(local_time(sign_in, thresholds).hour)
        self.hour_samples += count
        spot = sign_in.spot
        if spot is not None:
            _remember(self.spots, spot, at, asn, count)
            self.located.pop(spot, None)
            self.located[spot] = sign_in
        if sign_in.asn:
            self._learn_network(sign_in.asn, sign_in.country_code, spot)

    def learn_visit(self, visit: Visit, at: datetime) -> None:
        """A trusted session was used from ``visit``'s place at ``at``: the place and its
        network become familiar (not a device or an hour: no one signed in) - inside a country
        the account's trusted sign-ins have come from (a session moving with its cookie proves
        less than a sign-in: it extends familiarity in a known country, never opens a new one)."""
        if visit.country_code not in self.countries:
            return
        if visit.country_code:
            _remember(self.places, (visit.country_code, ""), at, visit.asn)
            if visit.city:
                _remember(self.places, (visit.country_code, visit.city), at, visit.asn)
        spot = None
        if visit.latitude is not None and visit.longitude is not None:
            spot = (visit.latitude, visit.longitude)
            _remember(self.spots, spot, at, visit.asn)
        if visit.asn:
            self._learn_network(visit.asn, visit.country_code, spot)

    def _learn_network(self, asn: int, country: str, spot: tuple[float, float] | None) -> None:
        spots = self.networks.setdefault(asn, [])
        if country:
            self.network_countries.setdefault(asn, set()).add(country)
        if spot is None or spot in spots or asn in self.roaming:
            return
        spots.append(spot)
        if len(spots) >= ROAMING_SPOTS and any(
            haversine_km(*a, *b) > ROAMING_KM for i, a in enumerate(spots) for b in spots[:i]
        ):
            self.roaming.add(asn)


def _still_familiar(
    by_network: _ByNetwork | None, at: datetime, memory: _Memory, t: Thresholds
) -> bool:
    """Whether trusted sign-ins at a place still make it familiar at ``at``: a home (many of
    them) or recent enough, through a network whose positions mean a place (not one that roams:
    a carrier's GeoIP position says where its gateway is, not where the phone was)."""
    return any(
        (seen.count >= t.home_sign_ins or at - seen.last <= timedelta(days=t.new_place_days))
        and asn not in memory.roaming
        for asn, seen in (by_network or {}).items()
    )


def _familiar_place(sign_in: SignIn, memory: _Memory, t: Thresholds) -> bool:
    place = memory.places.get((sign_in.country_code, sign_in.city))
    if _still_familiar(place, sign_in.at, memory, t):
        return True
    spot = sign_in.spot
    if spot is not None and any(
        haversine_km(*spot, *other) <= t.near_km and _still_familiar(seen, sign_in.at, memory, t)
        for other, seen in memory.spots.items()
    ):
        return True
    return (
        sign_in.asn in memory.roaming
        and not sign_in.hosting
        and sign_in.country_code in memory.network_countries.get(sign_in.asn, ())
    )


def _new_place(sign_in: SignIn, memory: _Memory, t: Thresholds) -> Flag | None:
    if not sign_in.country_code:
        return None  # an unknown place is not evidence of a new one
    if _familiar_place(sign_in, memory, t):
        return None
    return Flag(
        FlagKind.NEW_PLACE,
        country_code=sign_in.country_code,
        city=sign_in.city,
        new_country=sign_in.country_code not in memory.countries,
    )


def _new_device(sign_in: SignIn, memory: _Memory) -> Flag | None:
    if not sign_in.device_key or sign_in.device_key in memory.devices:
        return None
    return Flag(FlagKind.NEW_DEVICE, device=sign_in.device)


def _hosting_network(sign_in: SignIn, memory: _Memory) -> Flag | None:
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
        _hosting_network(sign_in, memory),
        _impossible_travel(sign_in, memory, t),
        _unusual_time(sign_in, memory, t),
    )
    return [flag for flag in checks if flag is not None]


def teaches(sign_in: SignIn, flags: Sequence[Flag], now: datetime, t: Thresholds) -> bool:
    """Whether a (not disowned) sign-in becomes familiar: confirmed, quiet, or a note that has
    lived ``settle_days``. A warning only ever teaches by "Det var jag"."""
    if sign_in.confirmed or not flags:
        return True
    return not is_warning(flags) and now - sign_in.at >= timedelta(days=t.settle_days)


def _active_countries(live: Sequence[SignIn], now: datetime, t: Thresholds) -> set[str]:
    """Countries of the sessions active within the window."""
    since = now - timedelta(hours=t.several_countries_hours)
    return {
        session.country_now
        for session in live
        if session.active_at is not None and session.active_at >= since and session.country_now
    }


def _several_countries(
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


def _timeline(history: Sequence[SignIn]) -> list[tuple[SignIn, Visit | None, datetime]]:
    """Sign-ins and the visits of their sessions, oldest first. A visit comes after the
    sign-in it belongs to (never before it: the session's first request may precede it)."""
    entries: list[tuple[tuple[datetime, int, str], SignIn, Visit | None, datetime]] = []
    for sign_in in history:
        session = str(sign_in.session_id or "")
        entries.append(((sign_in.at, 0, session), sign_in, None, sign_in.at))
        for visit in sign_in.visits:
            at = max(visit.at, sign_in.at)
            entries.append(((at, 1, session), sign_in, visit, at))
    entries.sort(key=lambda entry: entry[0])
    return [(sign_in, visit, at) for _, sign_in, visit, at in entries]


def _fold(
    history: Sequence[SignIn], now: datetime, t: Thresholds
) -> Iterator[tuple[SignIn, list[Flag], bool]]:
    """Each sign-in of ``history`` (summaries aside), oldest first, with the flags it raised
    against the memory of everything before it and whether it taught (see module doc)."""
    memory = _Memory()
    taught: dict[int, bool] = {}  # by id() of the sign-in that carries the visits
    for sign_in, visit, at in _timeline(history):
        if visit is not None:
            if taught.get(id(sign_in)):
                memory.learn_visit(visit, at)
            continue
        if sign_in.summary:  # trusted sign-ins that left the log: they teach, nothing else
            memory.seen += sign_in.count
            memory.learn(sign_in, t)
            continue
        flags = _sign_in_flags(sign_in, memory, t)
        memory.seen += 1
        taught[id(sign_in)] = teaches(sign_in, flags, now, t)
        if taught[id(sign_in)]:
            memory.learn(sign_in, t)
        yield sign_in, flags, taught[id(sign_in)]


def taught_sign_ins(
    history: Sequence[SignIn], now: datetime, thresholds: Thresholds | None = None
) -> list[SignIn]:
    """The sign-ins of ``history`` (summaries aside) that taught, oldest first: what a summary
    of the history may keep (``account_security.risk_summary``)."""
    t = thresholds or Thresholds.from_settings()
    return [sign_in for sign_in, _, taught in _fold(history, now, t) if taught]


def assess(
    history: Sequence[SignIn], now: datetime, thresholds: Thresholds | None = None
) -> dict[Hashable, tuple[Flag, ...]]:
    """The flags of every signed-in session (``active_at`` set) in ``history``, by session id.

    Several sign-ins of one session (a second sign-in on the same browser) count as history;
    the session is judged by its latest one. ``is_warning`` tells a warning from a note.
    """
    t = thresholds or Thresholds.from_settings()
    at_sign_in: dict[Hashable, list[Flag]] = {}
    latest: dict[Hashable, SignIn] = {}
    for sign_in, flags, _ in _fold(history, now, t):
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
    active = _active_countries(list(latest.values()), now, t)
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
