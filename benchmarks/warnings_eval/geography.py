"""The simulated world: places, networks and the GeoIP files that describe them.

Every (place, network) pair the population uses gets a /16 of its own, and two MaxMind-format
files are written for them with mmdb-writer: a GeoIP2-City file (``GEOIP_DB``) and a
GeoLite2-ASN file (``GEOIP_ASN_DB``), so the product locates the simulated addresses exactly as
it locates real ones. The networks are made up but shaped like life: home broadband that GeoIP
places in the home town or a neighbouring one, carrier networks that place a phone anywhere in
a few hundred kilometres, and hosting (VPN) networks with exits in big cities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from tests.geoip_fixtures import asn_record, city_record, write_mmdb


@dataclass(frozen=True)
class Place:
    city: str
    country: str
    latitude: float
    longitude: float
    time_zone: str


@dataclass(frozen=True)
class Network:
    asn: int
    organisation: str
    kind: str  # "broadband", "carrier", "work", "hosting"
    country: str


def _se(city: str, lat: float, lon: float) -> Place:
    return Place(city, "SE", lat, lon, "Europe/Stockholm")


SWEDEN = [
    _se("Stockholm", 59.33, 18.07),
    _se("Solna", 59.36, 18.00),
    _se("Södertälje", 59.20, 17.63),
    _se("Uppsala", 59.86, 17.64),
    _se("Västerås", 59.61, 16.55),
    _se("Örebro", 59.27, 15.21),
    _se("Göteborg", 57.71, 11.97),
    _se("Mölndal", 57.66, 12.01),
    _se("Borås", 57.72, 12.94),
    _se("Malmö", 55.60, 13.00),
    _se("Lund", 55.70, 13.19),
    _se("Helsingborg", 56.05, 12.69),
    _se("Linköping", 58.41, 15.62),
    _se("Norrköping", 58.59, 16.19),
    _se("Jönköping", 57.78, 14.16),
    _se("Gävle", 60.67, 17.14),
    _se("Sundsvall", 62.39, 17.31),
    _se("Umeå", 63.83, 20.26),
    _se("Luleå", 65.58, 22.15),
    _se("Karlstad", 59.38, 13.50),
    _se("Växjö", 56.88, 14.81),
    _se("Kalmar", 56.66, 16.36),
]
HOMES = ["Stockholm", "Göteborg", "Malmö", "Uppsala", "Linköping", "Umeå", "Örebro", "Västerås"]
# Where GeoIP puts a home broadband line now and then instead of the home town itself.
NEIGHBOUR = {
    "Stockholm": "Solna",
    "Göteborg": "Mölndal",
    "Malmö": "Lund",
    "Uppsala": "Stockholm",
    "Linköping": "Norrköping",
    "Umeå": "Sundsvall",
    "Örebro": "Karlstad",
    "Västerås": "Uppsala",
}
ABROAD = [
    Place("Oslo", "NO", 59.91, 10.75, "Europe/Oslo"),
    Place("Copenhagen", "DK", 55.68, 12.57, "Europe/Copenhagen"),
    Place("Helsinki", "FI", 60.17, 24.94, "Europe/Helsinki"),
    Place("Berlin", "DE", 52.52, 13.40, "Europe/Berlin"),
    Place("Frankfurt am Main", "DE", 50.11, 8.68, "Europe/Berlin"),
    Place("London", "GB", 51.51, -0.13, "Europe/London"),
    Place("Paris", "FR", 48.86, 2.35, "Europe/Paris"),
    Place("Barcelona", "ES", 41.39, 2.17, "Europe/Madrid"),
    Place("Rome", "IT", 41.90, 12.50, "Europe/Rome"),
    Place("Amsterdam", "NL", 52.37, 4.90, "Europe/Amsterdam"),
    Place("Lisbon", "PT", 38.72, -9.14, "Europe/Lisbon"),
    Place("Athens", "GR", 37.98, 23.73, "Europe/Athens"),
    Place("New York", "US", 40.71, -74.01, "America/New_York"),
    Place("Bangkok", "TH", 13.76, 100.50, "Asia/Bangkok"),
    Place("Istanbul", "TR", 41.01, 28.98, "Europe/Istanbul"),
    Place("Lagos", "NG", 6.52, 3.38, "Africa/Lagos"),
    Place("São Paulo", "BR", -23.55, -46.63, "America/Sao_Paulo"),
    Place("Moscow", "RU", 55.76, 37.62, "Europe/Moscow"),
    Place("Hanoi", "VN", 21.03, 105.85, "Asia/Bangkok"),
    Place("Mumbai", "IN", 19.08, 72.88, "Asia/Kolkata"),
]
HOLIDAYS = [
    "Oslo",
    "Copenhagen",
    "Berlin",
    "London",
    "Paris",
    "Barcelona",
    "Rome",
    "Amsterdam",
    "Lisbon",
    "Athens",
    "New York",
    "Bangkok",
]
ATTACKER_COUNTRIES = [
    "Lagos",
    "São Paulo",
    "Moscow",
    "Hanoi",
    "Mumbai",
    "Istanbul",
    "New York",
    "Bangkok",
    "Berlin",
    "London",
]
PLACES = {place.city: place for place in [*SWEDEN, *ABROAD]}

BROADBAND_SE = [
    Network(3301, "Telia Company AB", "broadband", "SE"),
    Network(8473, "Bahnhof AB", "broadband", "SE"),
    Network(39651, "Tele2 Sverige AB (fibre)", "broadband", "SE"),
]
CARRIERS_SE = [
    Network(1257, "Tele2 Sverige AB", "carrier", "SE"),
    Network(44034, "Hi3G Access AB", "carrier", "SE"),
    Network(3308, "Telia Mobile", "carrier", "SE"),
]
WORK_SE = [Network(2603, "SUNET", "work", "SE"), Network(8434, "Telenor Sverige AB", "work", "SE")]
# Real hosting / VPN operators (the product's built-in list knows them by number).
HOSTING = [
    Network(9009, "M247 Europe SRL", "hosting", ""),
    Network(60068, "Datacamp Limited", "hosting", ""),
    Network(14061, "DigitalOcean, LLC", "hosting", ""),
    Network(16276, "OVH SAS", "hosting", ""),
]
FOREIGN_BROADBAND = {
    "NO": 2119,
    "DK": 3292,
    "FI": 1759,
    "DE": 3320,
    "GB": 2856,
    "FR": 3215,
    "ES": 3352,
    "IT": 3269,
    "NL": 1136,
    "PT": 3243,
    "GR": 6799,
    "US": 7922,
    "TH": 7470,
    "TR": 9121,
    "NG": 29465,
    "BR": 28573,
    "RU": 12389,
    "VN": 45899,
    "IN": 9829,
}


def broadband_abroad(country: str) -> Network:
    return Network(FOREIGN_BROADBAND[country], f"Broadband {country}", "broadband", country)


def km(a: Place, b: Place) -> float:
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dp, dl = p2 - p1, math.radians(b.longitude - a.longitude)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742 * math.asin(min(1.0, math.sqrt(h)))


class AddressBook:
    """Hands out one /16 per (place, network) and writes the two GeoIP files for them."""

    def __init__(self) -> None:
        self.blocks: dict[tuple[str, int], tuple[int, Place, Network]] = {}

    def address(self, place: Place, network: Network, host: int) -> str:
        key = (place.city, network.asn)
        if key not in self.blocks:
            self.blocks[key] = (len(self.blocks), place, network)
        index = self.blocks[key][0]
        # 45.0.0.0/8 onwards: public addresses, so the product looks them up.
        return f"{45 + index // 256}.{index % 256}.{(host // 250) % 250}.{1 + host % 250}"

    def write(self, folder: Path) -> tuple[Path, Path]:
        cities, networks = {}, {}
        for index, place, network in self.blocks.values():
            cidr = f"{45 + index // 256}.{index % 256}.0.0/16"
            cities[cidr] = city_record(
                place.country, place.city, place.time_zone, place.latitude, place.longitude
            )
            networks[cidr] = asn_record(network.asn, network.organisation)
        city_path = write_mmdb(
            folder / "world-city.mmdb", cities, description="warnings-eval world"
        )
        asn_path = write_mmdb(
            folder / "world-asn.mmdb",
            networks,
            database_type="GeoLite2-ASN",
            description="warnings-eval networks",
        )
        return city_path, asn_path
