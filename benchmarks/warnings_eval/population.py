"""Seeded user-years: what each simulated person does, and when, before anything is run.

A user-year is a list of ``Step``s in time order. The steps are only intentions (this device is
used from this address at this moment, an attacker signs in); ``drive`` performs them through
the product's own HTTP paths, and the product decides when a session has expired and a device
must sign in again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from benchmarks.warnings_eval import geography as geo

YEAR_START = datetime(2026, 1, 5, tzinfo=UTC)
DAYS = 365
KINDS = ("home", "commuter", "traveller", "mobile", "phone_changer")
TAKEOVERS = ("foreign", "foreign_same_browser", "domestic", "vpn_home")

BROWSERS = {
    "chrome_windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "edge_windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87",
    "firefox_linux": "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "safari_mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/17.5 Safari/605.1.15",
    "firefox_windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 "
    "Firefox/127.0",
    "safari_iphone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "chrome_android": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36",
}
PHONES = [
    ("Immich_Android_1.132.3", "Pixel 8", "android"),
    ("Immich_iOS_1.132.3", "iPhone15,2", "ios"),
    ("Immich_Android_1.132.3", "SM-S918B", "android"),
    ("Immich_iOS_1.132.3", "iPhone16,1", "ios"),
    ("Immich_Android_1.132.3", "Pixel 9", "android"),
]
DESKTOPS = ["chrome_windows", "edge_windows", "firefox_linux", "safari_mac"]


@dataclass
class Device:
    name: str
    app: bool
    user_agent: str
    model: str = ""
    device_type: str = ""


@dataclass
class Step:
    at: datetime
    action: str  # "use", "sign_in", "check", "attack", "attack_end", "retire"
    device: str = ""
    ip: str = ""
    takeover: str = ""
    new_device: Device | None = None


@dataclass
class UserYear:
    index: int
    kind: str
    email: str
    home: geo.Place
    devices: dict[str, Device]
    steps: list[Step] = field(default_factory=list)


def _moment(rng: random.Random, day: int, hours: list[int], zone: str, odd: float) -> datetime:
    hour = rng.randrange(24) if rng.random() < odd else rng.choice(hours)
    local = (YEAR_START + timedelta(days=day)).astimezone(ZoneInfo(zone)).date()
    naive = datetime(local.year, local.month, local.day, hour, rng.randrange(60))
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


class Addresses:
    """One user's addresses: the home line (a new one every month or so), the carrier."""

    def __init__(self, rng: random.Random, book: geo.AddressBook, home: geo.Place) -> None:
        self.rng, self.book, self.home = rng, book, home
        self.broadband = rng.choice(geo.BROADBAND_SE)
        self.carrier = rng.choice(geo.CARRIERS_SE)
        self.home_ip = self._home_line()
        self.near = [p for p in geo.SWEDEN if geo.km(p, home) <= 450]

    def _home_line(self) -> str:
        place = self.home
        if self.rng.random() < 0.15:  # GeoIP puts this line in the neighbouring town
            place = geo.PLACES[geo.NEIGHBOUR[self.home.city]]
        return self.book.address(place, self.broadband, self.rng.randrange(60000))

    def at_home(self, day: int) -> str:
        if self.rng.random() < 1 / 30:  # the ISP hands out a new address
            self.home_ip = self._home_line()
        return self.home_ip

    def on_carrier(self) -> str:
        place = self.home if self.rng.random() < 0.4 else self.rng.choice(self.near)
        return self.book.address(place, self.carrier, self.rng.randrange(60000))

    def at(self, place: geo.Place, network: geo.Network) -> str:
        return self.book.address(place, network, self.rng.randrange(60000))


def _phone(rng: random.Random, name: str, index: int) -> Device:
    agent, model, kind = PHONES[index % len(PHONES)]
    return Device(name, True, agent, model, kind)


def make_user(index: int, kind: str, seed: int, book: geo.AddressBook) -> UserYear:
    rng = random.Random(f"{seed}-{index}")
    home = geo.PLACES[geo.HOMES[index % len(geo.HOMES)]]
    laptop = Device("laptop", False, BROWSERS[DESKTOPS[index % len(DESKTOPS)]])
    phone = _phone(rng, "phone", index)
    devices = {"laptop": laptop, "phone": phone}
    user = UserYear(index, kind, f"user{index}-{seed}@example.com", home, devices)
    hours = sorted(rng.sample([7, 8, 9, 12, 17, 18, 19, 20, 21, 22], 4))
    where = Addresses(rng, book, home)
    zone = home.time_zone
    steps = user.steps
    steps.append(Step(_moment(rng, 0, hours, zone, 0), "use", "laptop", where.at_home(0)))
    steps.append(
        Step(_moment(rng, 0, hours, zone, 0) + timedelta(hours=1), "use", "phone", where.at_home(0))
    )
    trips = _trips(rng) if kind == "traveller" else []
    work_place = work_net = None
    if kind == "commuter":
        work_place = min(
            (p for p in geo.SWEDEN if 40 <= geo.km(p, home) <= 200),
            key=lambda p: geo.km(p, home),
            default=geo.PLACES["Stockholm"],
        )
        work_net = rng.choice(geo.WORK_SE)
        devices["work"] = Device("work", False, BROWSERS["edge_windows"])
    if kind == "mobile":
        devices["mobile_web"] = Device(
            "mobile_web", False, BROWSERS["safari_iphone" if index % 2 else "chrome_android"]
        )
    changes = sorted(rng.sample(range(60, 330), 2)) if kind == "phone_changer" else []
    for day in range(1, DAYS):
        trip = next((t for t in trips if t[0] <= day < t[0] + t[1]), None)
        if trip is not None:
            place = geo.PLACES[trip[2]]
            hotel = geo.broadband_abroad(place.country)
            steps.append(
                Step(
                    _moment(rng, day, hours, place.time_zone, 0.03),
                    "use",
                    "phone",
                    where.at(place, hotel),
                )
            )
            if rng.random() < 0.5:
                steps.append(
                    Step(
                        _moment(rng, day, hours, place.time_zone, 0.03),
                        "use",
                        "laptop",
                        where.at(place, hotel),
                    )
                )
            if rng.random() < 0.3:  # someone at home uses the desktop left signed in
                steps.append(
                    Step(_moment(rng, day, hours, zone, 0.03), "use", "desktop", where.at_home(day))
                )
            continue
        weekday = (YEAR_START + timedelta(days=day)).weekday() < 5
        if kind == "commuter" and weekday:
            steps.append(
                Step(
                    _moment(rng, day, [8, 9, 10, 13, 15], zone, 0.02),
                    "use",
                    "work",
                    where.at(work_place, work_net),
                )
            )
            steps.append(
                Step(
                    _moment(rng, day, [8, 16], zone, 0.02),
                    "use",
                    "phone",
                    where.on_carrier() if rng.random() < 0.5 else where.at(work_place, work_net),
                )
            )
        if kind == "mobile":
            for _ in range(2):
                steps.append(
                    Step(_moment(rng, day, hours, zone, 0.04), "use", "phone", where.on_carrier())
                )
            if rng.random() < 0.3:
                steps.append(
                    Step(
                        _moment(rng, day, hours, zone, 0.04),
                        "use",
                        "mobile_web",
                        where.on_carrier(),
                    )
                )
            if rng.random() < 0.3:
                steps.append(
                    Step(_moment(rng, day, hours, zone, 0.03), "use", "laptop", where.at_home(day))
                )
        else:
            if rng.random() < 0.6:
                steps.append(
                    Step(_moment(rng, day, hours, zone, 0.03), "use", "laptop", where.at_home(day))
                )
            if rng.random() < 0.7:
                ip = where.at_home(day) if rng.random() < 0.7 else where.on_carrier()
                steps.append(Step(_moment(rng, day, hours, zone, 0.03), "use", "phone", ip))
        if day in changes:  # a new phone (the old one is retired), or a new browser
            number = changes.index(day) + 1
            moment = _moment(rng, day, hours, zone, 0)
            steps.append(Step(moment, "retire", "phone"))
            steps.append(
                Step(
                    moment + timedelta(minutes=5),
                    "use",
                    "phone",
                    where.at_home(day),
                    new_device=_phone(rng, "phone", index + number),
                )
            )
        if rng.random() < 1 / 40:  # cookies cleared, or a sign-out: the laptop signs in anew
            steps.append(
                Step(_moment(rng, day, hours, zone, 0.03), "sign_in", "laptop", where.at_home(day))
            )
        if day % 7 == 3:
            steps.append(Step(_moment(rng, day, hours, zone, 0), "check"))
    if kind == "traveller":
        devices["desktop"] = Device("desktop", False, BROWSERS["firefox_windows"])
        steps.insert(
            0, Step(steps[0].at - timedelta(minutes=30), "use", "desktop", where.at_home(0))
        )
    _takeovers(user, rng, where, hours, book)
    steps.sort(key=lambda step: step.at)
    return user


def _trips(rng: random.Random) -> list[tuple[int, int, str]]:
    trips, day = [], rng.randrange(20, 60)
    while day < DAYS - 10:
        length = rng.randrange(3, 11)
        trips.append((day, length, rng.choice(geo.HOLIDAYS)))
        day += length + rng.randrange(35, 80)
    return trips


def _takeovers(user: UserYear, rng, where: Addresses, hours: list[int], book) -> None:
    """Two takeovers a year, in the first and second half, of two kinds taken in turn."""
    laptop_ua = user.devices["laptop"].user_agent
    for half, day in enumerate((rng.randrange(100, 170), rng.randrange(250, 330))):
        kind = TAKEOVERS[(user.index * 2 + half) % len(TAKEOVERS)]
        if kind == "vpn_home":
            # The hardest: a VPN exit in the victim's own country (its capital, or the victim's
            # own town), at one of the victim's usual hours, with the victim's browser.
            exit_city = user.home if rng.random() < 0.5 else geo.PLACES["Stockholm"]
            ip = where.at(exit_city, rng.choice(geo.HOSTING))
            at, agent = _moment(rng, day, hours, user.home.time_zone, 0), laptop_ua
        elif kind == "domestic":
            far = [p for p in geo.SWEDEN if geo.km(p, user.home) > 150]
            place = rng.choice(far)
            ip = where.at(place, rng.choice(geo.BROADBAND_SE))
            at = _moment(rng, day, list(range(24)), place.time_zone, 0)
            agent = rng.choice([BROWSERS[b] for b in BROWSERS if BROWSERS[b] != laptop_ua])
        else:
            place = geo.PLACES[rng.choice(geo.ATTACKER_COUNTRIES)]
            ip = where.at(place, geo.broadband_abroad(place.country))
            at = _moment(rng, day, list(range(24)), place.time_zone, 0)
            agent = (
                laptop_ua
                if kind == "foreign_same_browser"
                else rng.choice([BROWSERS[b] for b in BROWSERS if BROWSERS[b] != laptop_ua])
            )
        user.steps.append(
            Step(at, "attack", ip=ip, takeover=kind, new_device=Device("attacker", False, agent))
        )
        user.steps.append(Step(at + timedelta(days=2), "attack_end", takeover=kind))
