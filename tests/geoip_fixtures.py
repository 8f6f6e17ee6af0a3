"""Small GeoIP2-City databases built by the tests themselves (mmdb-writer), and their fixtures.

Import the fixtures into a test module (``from tests.geoip_fixtures import geoip_db``) or into a
conftest. Records are shaped like MaxMind's GeoIP2 City records, so ``geoip2``'s ``City`` model
reads them exactly as it reads the real files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from sessions_ui.geo import reset_reader


def city_record(
    country_code: str,
    city: str = "",
    time_zone: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> dict[str, Any]:
    """A record as GeoIP2-City stores it (only the fields we read)."""
    record: dict[str, Any] = {"country": {"iso_code": country_code, "names": {"en": country_code}}}
    if city:
        record["city"] = {"names": {"en": city}}
    location: dict[str, Any] = {}
    if time_zone:
        location["time_zone"] = time_zone
    if latitude is not None and longitude is not None:
        location["latitude"] = float(latitude)
        location["longitude"] = float(longitude)
    if location:
        record["location"] = location
    return record


# Documentation and public ranges, mapped to places of our choosing.
STOCKHOLM = city_record("SE", "Stockholm", "Europe/Stockholm", 59.33, 18.06)
BERLIN = city_record("DE", "Berlin", "Europe/Berlin", 52.52, 13.40)
OSLO = city_record("NO", "Oslo", "Europe/Oslo", 59.91, 10.75)

DEFAULT_NETWORKS: Mapping[str, dict[str, Any]] = {
    "203.0.113.0/24": STOCKHOLM,
    "198.51.100.0/24": city_record("NO"),  # a country without a city
    "2001:db8:1::/48": BERLIN,
    "89.160.0.0/16": BERLIN,
    # Present in the file, yet private addresses must never be looked up.
    "10.0.0.0/8": OSLO,
    "127.0.0.0/8": OSLO,
}


def asn_record(number: int, organisation: str) -> dict[str, Any]:
    """A record as GeoLite2-ASN / DB-IP ASN Lite store it."""
    return {"autonomous_system_number": number, "autonomous_system_organization": organisation}


def write_mmdb(
    path: Path,
    networks: Mapping[str, dict[str, Any]],
    *,
    database_type: str = "GeoIP2-City",
    description: str = "PixelUnion test database",
) -> Path:
    """Write a MaxMind-format ``.mmdb`` with ``networks`` (CIDR → record) to ``path``."""
    writer = MMDBWriter(
        ip_version=6,
        ipv4_compatible=True,
        database_type=database_type,
        languages=["en"],
        description=description,
    )
    for cidr, record in networks.items():
        writer.insert_network(IPSet([cidr]), record)
    writer.to_db_file(str(path))
    return path


def write_city_db(path: Path, networks: Mapping[str, dict[str, Any]] | None = None) -> Path:
    """Write a GeoIP2-City ``.mmdb`` with ``networks`` (CIDR → record) to ``path``."""
    return write_mmdb(path, DEFAULT_NETWORKS if networks is None else networks)


def replace_file(path: Path, networks: Mapping[str, dict[str, Any]]) -> Path:
    """Swap the database under ``path`` the way geoipupdate does: write aside, then rename."""
    staging = path.with_name(path.name + ".new")
    write_city_db(staging, networks)
    os.replace(staging, path)
    return path


@pytest.fixture
def geoip_reset() -> Iterator[None]:
    """No reader or logged failure leaks between tests."""
    reset_reader()
    yield
    reset_reader()


@pytest.fixture
def geoip_db(tmp_path: Path, settings: Any, geoip_reset: None) -> Path:
    """A small City database in ``tmp_path``, configured as ``GEOIP_DB``."""
    path = write_city_db(tmp_path / "City.mmdb")
    settings.GEOIP_DB = str(path)
    return path
