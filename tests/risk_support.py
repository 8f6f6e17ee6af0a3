"""Sign-ins built by hand for the tests of account_security.risk and its modules (test_risk,
test_risk_facts, test_risk_memory, test_risk_signals): places, devices, a fixed clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from account_security.risk_facts import FlagKind, SignIn, Thresholds, device_key
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


def fields_of(sign_in: SignIn) -> dict:
    return {name: getattr(sign_in, name) for name in SignIn.__slots__}


def local(hour: int, minute: int = 0, days_ago: int = 0, zone: str = "Europe/Stockholm"):
    from zoneinfo import ZoneInfo

    day = (NOW - timedelta(days=days_ago)).astimezone(ZoneInfo(zone)).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


def at_local(moment: datetime, place: dict = STOCKHOLM, device: dict = LAPTOP, **kw) -> SignIn:
    return SignIn(at=moment.astimezone(UTC), **place, **device, **kw)


UMEA = {"country_code": "SE", "city": "Umeå", "latitude": 63.83, "longitude": 20.26}
SUNDSVALL = {"country_code": "SE", "city": "Sundsvall", "latitude": 62.39, "longitude": 17.31}
OREBRO = {"country_code": "SE", "city": "Örebro", "latitude": 59.27, "longitude": 15.21}
CARRIER = {"asn": 1257, "network": "Tele2"}


def visit(ago: timedelta, place: dict, asn: int | None = None) -> Visit:
    return Visit(
        at(ago), place["country_code"], place["city"], place["latitude"], place["longitude"], asn
    )


def summary(ago: timedelta, count: int, place: dict = STOCKHOLM, device: dict = LAPTOP) -> SignIn:
    return replace(signed_in(ago, place, device), summary=True, count=count)
