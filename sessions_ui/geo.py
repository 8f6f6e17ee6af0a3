"""Approximate location of an IP address, and its label in the reader's language.

The GeoIP database (``settings.GEOIP_DB``, or the GeoLite2-City file embedded in the
``maxminddb-geolite2`` package) is opened once per process and reopened when the file on disk
is replaced, so a database update needs no restart. Every failure — missing or corrupt file,
private address, address not in the database — is an empty :class:`Location`, shown as
"Unknown location"; a broken file is logged once, not on every lookup.

Replace the database file atomically (write elsewhere, then rename over it), as
``geoipupdate`` does: the reader memory-maps the file.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import logging
import math
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geoip2.database
from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.dispatch import receiver
from django.test.signals import setting_changed
from django.utils import translation
from django.utils.translation import gettext as _

from sessions_ui.client import address_from_text

logger = logging.getLogger(__name__)

_CITY_MAX = 128
_TIME_ZONE_MAX = 64

# Documentation ranges are never in a real database, so allowing them costs nothing in
# production and lets test databases use the addresses meant for examples.
_DOCUMENTATION_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)


@dataclass(frozen=True, slots=True)
class Location:
    """Where an address is, as far as the database knows; all empty when unknown."""

    country_code: str = ""
    city: str = ""
    time_zone: str = ""
    latitude: float | None = None
    longitude: float | None = None


EMPTY_LOCATION = Location()

# Signature of the file the reader was opened from: a replaced file differs in one of these.
_Signature = tuple[int, int, int, int]


@dataclass(slots=True)
class _OpenDatabase:
    path: str
    signature: _Signature
    reader: geoip2.database.Reader | None  # None: this very file failed to open


_lock = threading.Lock()
_databases: dict[str, _OpenDatabase] = {}  # by role: "city", "asn"
_reported: set[str] = set()  # paths whose failure has been logged


def reset_reader() -> None:
    """Forget the open database (and which failures were logged); the next lookup reopens.

    The old reader is not closed explicitly: another thread may be mid-lookup with it, and it
    closes itself when the last reference goes.
    """
    with _lock:
        _databases.clear()
        _reported.clear()


@receiver(setting_changed)
def _geoip_setting_changed(*, setting: str, **kwargs: object) -> None:
    if setting in ("GEOIP_DB", "GEOIP_ASN_DB"):
        reset_reader()


@lru_cache(maxsize=1)
def embedded_database_path() -> str:
    """The GeoLite2-City file of ``maxminddb-geolite2``, found without importing it.

    (Importing its ``geolite2`` module pulls in ``pkg_resources``.)
    """
    spec = importlib.util.find_spec("_maxminddb_geolite2")
    if spec is None or not spec.submodule_search_locations:
        return ""
    return str(Path(next(iter(spec.submodule_search_locations))) / "GeoLite2-City.mmdb")


def _database_path() -> str:
    return str(getattr(settings, "GEOIP_DB", "") or "") or embedded_database_path()


def _report_once(path: str, message: str, error: BaseException) -> None:
    """Log a broken database once per path; callers hold ``_lock``."""
    if path not in _reported:
        _reported.add(path)
        logger.error(message, path, error)


def _reader(role: str = "city") -> geoip2.database.Reader | None:
    """The reader for the configured file of ``role``, reopened if the file was replaced."""
    path = _database_path() if role == "city" else str(getattr(settings, "GEOIP_ASN_DB", ""))
    if role != "city" and not path:
        return None  # the network database is optional: no file, no network signal
    try:
        if not path:
            raise FileNotFoundError("no GeoIP database configured or embedded")
        stat = os.stat(path)
    except OSError as error:
        with _lock:
            _databases.pop(role, None)
            _report_once(path, "GeoIP database %r is missing: %s", error)
        return None
    signature = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    current = _databases.get(role)
    if current is not None and current.path == path and current.signature == signature:
        return current.reader
    with _lock:
        current = _databases.get(role)
        if current is not None and current.path == path and current.signature == signature:
            return current.reader
        try:
            reader: geoip2.database.Reader | None = geoip2.database.Reader(path, locales=["en"])
        except Exception as error:  # noqa: BLE001 (corrupt, truncated, not an mmdb, unreadable)
            reader = None
            _report_once(path, "GeoIP database %r cannot be opened: %s", error)
        else:
            _reported.discard(path)  # a later breakage is news again
        _databases[role] = _OpenDatabase(path=path, signature=signature, reader=reader)
        return reader


def _locatable(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """False for private, loopback, link-local, reserved and other non-public addresses."""
    if (
        address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    ):
        return False
    if any(address in network for network in _DOCUMENTATION_NETWORKS):
        return True
    return address.is_global


def locate_ip(ip: str | None) -> Location:
    """Look an address up in the GeoIP database; never raises, empty when unknown."""
    if not ip or not isinstance(ip, str):
        return EMPTY_LOCATION
    try:
        address = address_from_text(ip.strip())
        if address is None or not _locatable(address):
            return EMPTY_LOCATION
        reader = _reader()
        if reader is None:
            return EMPTY_LOCATION
        try:
            record = reader.city(address)
        except TypeError:  # a Country database: no city, but still a country
            record = reader.country(address)
        return _location_from(record)
    except Exception:  # AddressNotFoundError, a malformed record, anything else
        logger.debug("No location for %r", ip, exc_info=True)
        return EMPTY_LOCATION


@dataclass(frozen=True, slots=True)
class Network:
    """The autonomous system an address belongs to (a GeoLite2-ASN / DB-IP ASN file)."""

    asn: int | None = None
    organisation: str = ""


NO_NETWORK = Network()


def locate_network(ip: str | None) -> Network:
    """The network of an address from ``GEOIP_ASN_DB``; never raises, empty when unknown or
    when no such file is configured. Opened, reopened and reported like the City file."""
    if not ip or not isinstance(ip, str):
        return NO_NETWORK
    try:
        address = address_from_text(ip.strip())
        if address is None or not _locatable(address):
            return NO_NETWORK
        reader = _reader("asn")
        if reader is None:
            return NO_NETWORK
        record = reader.asn(address)
        number = record.autonomous_system_number
        if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
            return NO_NETWORK
        return Network(number, str(record.autonomous_system_organization or "")[:_CITY_MAX])
    except Exception:  # AddressNotFoundError, a City file given as ASN file, anything else
        logger.debug("No network for %r", ip, exc_info=True)
        return NO_NETWORK


def _location_from(record: object) -> Location:
    country = getattr(record, "country", None)
    code = str(getattr(country, "iso_code", None) or "").upper()
    if not (len(code) == 2 and code.isascii() and code.isalpha()):
        code = ""
    city_record = getattr(record, "city", None)
    names = getattr(city_record, "names", None) or {}
    city = str(names.get("en") or "")[:_CITY_MAX]
    place = getattr(record, "location", None)
    time_zone = str(getattr(place, "time_zone", None) or "")[:_TIME_ZONE_MAX]
    latitude = _coordinate(getattr(place, "latitude", None), 90)
    longitude = _coordinate(getattr(place, "longitude", None), 180)
    if latitude is None or longitude is None:
        latitude = longitude = None
    location = Location(code, city, time_zone, latitude, longitude)
    return location if location != EMPTY_LOCATION else EMPTY_LOCATION


def _coordinate(value: object, limit: float) -> float | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) and -limit <= number <= limit else None


@lru_cache(maxsize=32)
def _babel_locale(language: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def _language(language: str | None) -> str:
    return language or translation.get_language() or settings.LANGUAGE_CODE or "en"


def country_name(code: str, language: str | None = None) -> str:
    """The CLDR name of a country ("SE" → "Sverige" in Swedish); "" for an unknown code."""
    code = (code or "").strip().upper()
    if not (len(code) == 2 and code.isascii() and code.isalpha()) or code == "ZZ":
        return ""
    return _babel_locale(_language(language)).territories.get(code, "")


def location_label(country_code: str, city: str, language: str | None = None) -> str:
    """One line for the device list: "Stockholm, Sverige", or only the country or the city."""
    if language is not None:
        with translation.override(language):
            return location_label(country_code, city)
    country = country_name(country_code)
    city = (city or "").strip()
    if city and country:
        return _("%(city)s, %(country)s") % {"city": city, "country": country}
    return city or country or _("Unknown location")
