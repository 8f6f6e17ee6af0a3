"""Where a session has been used from: the distinct places of its addresses, in its own row.

A session row keeps only the address it was last used from. The warning signs
(``account_security.risk``) also learn from where the account's *trusted* sessions go: the
phone that signed in at home and is then used on its carrier all over the region, the phone
used on the office network, make those places and that network the account's own. So each row
keeps a short text of one line per distinct place (country, city, coordinates, autonomous
system) with the moment it was first used from there, written in the same UPDATE that records
the new address (a conditional append: no read, no extra query), and read along with the row
by the device list (no extra query either).

A place is written again in each new ``PERIOD`` it is used from (a line per place per 30
days), so a place used month after month counts as often as it was come back to, and is not
forgotten because its first visit is old. The text is bounded (``MAX_CHARS``): once full it
stops growing; the first lines are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Case, F, Q, TextField, Value, When
from django.db.models.functions import Concat, Length
from django.db.models.lookups import GreaterThanOrEqual

# About 120 lines: a phone on a carrier network in one country for months, an office.
MAX_CHARS = 6000
PERIOD_SECONDS = 30 * 86400
_SEP = "|"


@dataclass(frozen=True, slots=True)
class Visit:
    """A place a session was used from, and when it first was."""

    at: datetime
    country_code: str
    city: str
    latitude: float | None
    longitude: float | None
    asn: int | None


def _clean(text: str) -> str:
    return text.replace(_SEP, " ").replace("\n", " ")


def _key(location: dict[str, Any], asn: int | None) -> str | None:
    """The part of a line that names the place (everything but the moment), or None when the
    address could not be placed."""
    country = location.get("country_code") or ""
    if not country:
        return None
    lat, lon = location.get("latitude"), location.get("longitude")
    spot = (f"{lat:.4f}", f"{lon:.4f}") if lat is not None and lon is not None else ("", "")
    return _SEP.join(
        ("", _clean(country), *spot, str(asn or ""), _clean(location.get("city") or ""))
    )


def line(location: dict[str, Any], asn: int | None, now: datetime) -> str:
    """The line for a place (``location_fields`` of an address and its network) in the period
    of ``now``; "" when the address has no known place."""
    key = _key(location, asn)
    if key is None:
        return ""
    moment = int(now.timestamp())
    return f"{moment}{key}{_SEP}{moment // PERIOD_SECONDS}\n"


def appended(new_line: str) -> Any:
    """An UPDATE value that adds ``new_line`` to the row's places unless that place is already
    there or the text is full."""
    if not new_line:
        return F("places")
    key = new_line[new_line.index(_SEP) :]
    return Case(
        When(Q(places__contains=key), then=F("places")),
        When(GreaterThanOrEqual(Length("places"), MAX_CHARS), then=F("places")),
        default=Concat(F("places"), Value(new_line), output_field=TextField()),
        output_field=TextField(),
    )


def _number(text: str) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def visits(text: str) -> tuple[Visit, ...]:
    """The places a row's text names, oldest first; lines that do not parse are skipped."""
    found = []
    for entry in (text or "").splitlines():
        parts = entry.split(_SEP)
        if len(parts) != 7 or not parts[0].isdigit() or not parts[1]:
            continue
        moment, country, lat, lon, asn, city, _period = parts
        latitude, longitude = _number(lat), _number(lon)
        if latitude is None or longitude is None:
            latitude = longitude = None
        found.append(
            Visit(
                at=datetime.fromtimestamp(int(moment), UTC),
                country_code=country,
                city=city,
                latitude=latitude,
                longitude=longitude,
                asn=int(asn) if asn.isdigit() else None,
            )
        )
    return tuple(sorted(found, key=lambda visit: visit.at))
