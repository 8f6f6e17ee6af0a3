"""What the warning signs are about: a sign-in, a flag, the thresholds, and the measures they
share (distance, local time, what makes a device the same).

Plain data for ``account_security.risk`` (the rules are in its docstring): no database, no
clock, no GeoIP.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sessions_ui.places import Visit

EARTH_RADIUS_KM = 6371.0088
HALF_EARTH_KM = math.pi * EARTH_RADIUS_KM  # no two places are further apart


class FlagKind(enum.StrEnum):
    NEW_PLACE = "new_place"
    NEW_DEVICE = "new_device"
    SEVERAL_COUNTRIES = "several_countries"
    UNUSUAL_TIME = "unusual_time"
    IMPOSSIBLE_TRAVEL = "impossible_travel"
    HOSTING_NETWORK = "hosting_network"


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
    # The SHA-256 fingerprint of the browser's own id (``sessions_ui.browsers``); "" for the app
    # and for sign-ins logged before browsers had one.
    browser: str = ""
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
    new_network: bool = False  # Ny plats: through a network the account has not used
    known_kind: bool = False  # Okänd enhet: a new browser of a kind that has signed in before
    network: str = ""  # Värdnätverk, Ny plats through a new network: the operator's name


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
