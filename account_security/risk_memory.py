"""The account's *memory*: what its trusted sign-ins, and the places its trusted sessions went,
make familiar (places by distance and network, roaming networks, devices and browsers, hours).

Folded oldest first by ``account_security.risk``, whose docstring states the rules: what
teaches, home versus a one-off trip, roaming networks, visits, summaries of pruned sign-ins.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from account_security.risk_facts import SignIn, Thresholds, haversine_km, local_time
from sessions_ui.places import Visit

# A network the account's own sign-ins used from this many spots, further apart than
# ROAMING_KM, roams (a carrier's); see the module docstring.
ROAMING_KM = 150.0
ROAMING_SPOTS = 3


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
class Memory:
    """What the trusted sign-ins so far teach (the summary of the history, see module doc)."""

    seen: int = 0  # sign-ins so far, trusted or not
    places: dict[tuple[str, str], _ByNetwork] = field(default_factory=dict)
    countries: set[str] = field(default_factory=set)
    spots: dict[tuple[float, float], _ByNetwork] = field(default_factory=dict)
    devices: set[str] = field(default_factory=set)
    browsers: set[str] = field(default_factory=set)  # fingerprints of trusted browsers
    # Devices trusted from sign-ins that carry no browser fingerprint (logged before there was
    # one): for them the kind of device is all that is known, and it is enough.
    unidentified: set[str] = field(default_factory=set)
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
            if sign_in.browser:
                self.browsers.add(sign_in.browser)
            else:
                self.unidentified.add(sign_in.device_key)
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
        less than a sign-in: it extends familiarity in a known country, never opens a new one,
        and counts for the window only: a visit never makes a home)."""
        if visit.country_code not in self.countries:
            return
        if visit.country_code:
            _remember(self.places, (visit.country_code, ""), at, visit.asn, 0)
            if visit.city:
                _remember(self.places, (visit.country_code, visit.city), at, visit.asn, 0)
        spot = None
        if visit.latitude is not None and visit.longitude is not None:
            spot = (visit.latitude, visit.longitude)
            _remember(self.spots, spot, at, visit.asn, 0)
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


def still_familiar(
    by_network: _ByNetwork | None, at: datetime, memory: Memory, t: Thresholds
) -> bool:
    """Whether trusted sign-ins at a place still make it familiar at ``at``: a home (many of
    them) or recent enough, through a network whose positions mean a place (not one that roams:
    a carrier's GeoIP position says where its gateway is, not where the phone was)."""
    return any(
        (seen.count >= t.home_sign_ins or at - seen.last <= timedelta(days=t.new_place_days))
        and asn not in memory.roaming
        for asn, seen in (by_network or {}).items()
    )


def familiar_place(sign_in: SignIn, memory: Memory, t: Thresholds) -> bool:
    place = memory.places.get((sign_in.country_code, sign_in.city))
    if still_familiar(place, sign_in.at, memory, t):
        return True
    spot = sign_in.spot
    if spot is not None and any(
        haversine_km(*spot, *other) <= t.near_km and still_familiar(seen, sign_in.at, memory, t)
        for other, seen in memory.spots.items()
    ):
        return True
    return (
        sign_in.asn in memory.roaming
        and not sign_in.hosting
        and sign_in.country_code in memory.network_countries.get(sign_in.asn, ())
    )
