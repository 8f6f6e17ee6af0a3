"""sessions_ui.places: the distinct places a session has been used from, kept on its row.

Written by the session store in the UPDATE that records a new address (no read, no extra
query), read back as ``Visit``s. Locations come from tests/geoip_fixtures.
"""

# ruff: noqa: F811

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from sessions_ui import places
from sessions_ui.backends.db import SessionStore
from sessions_ui.client import ClientInfo
from sessions_ui.keys import hash_key
from sessions_ui.models import ClientKind, Session
from sessions_ui.signin import start_session
from tests import agents
from tests.geoip_fixtures import geoip_db, geoip_reset  # noqa: F401  (fixtures)

IP_STOCKHOLM = "203.0.113.7"
IP_BERLIN = "89.160.20.112"
STOCKHOLM = {"country_code": "SE", "city": "Stockholm", "latitude": 59.33, "longitude": 18.06}
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _places(store) -> str:
    return Session.objects.values_list("places", flat=True).get(
        key_hash=hash_key(store.session_key)
    )


def _use(store, ip: str, at: datetime) -> bool:
    with time_machine.travel(at, tick=False):
        again = SessionStore(store.session_key, client=ClientInfo(ip, agents.IMMICH_ANDROID))
        again.load()
        return again.record_activity()


class TestLines:
    def test_a_line_reads_back_as_the_visit(self):
        line = places.line(STOCKHOLM, 3301, T0)
        assert places.visits(line) == (places.Visit(T0, "SE", "Stockholm", 59.33, 18.06, 3301),)

    def test_an_unplaced_address_gives_no_line(self):
        assert places.line({"country_code": "", "city": ""}, 3301, T0) == ""

    def test_a_city_cannot_break_the_format(self):
        line = places.line({**STOCKHOLM, "city": "Sto|ck\nholm"}, None, T0)
        assert [v.city for v in places.visits(line)] == ["Sto ck holm"]

    def test_garbage_is_skipped_and_visits_come_oldest_first(self):
        text = places.line(STOCKHOLM, None, T1) + "nonsense\n1|2\n" + places.line(STOCKHOLM, 1, T0)
        assert [v.at for v in places.visits(text)] == [T0, T1]


@pytest.mark.django_db
class TestThroughTheStore:
    def test_each_new_place_is_added_once_in_the_same_update(
        self, geoip_db, user, django_assert_num_queries
    ):
        with time_machine.travel(T0, tick=False):
            store = start_session(user, ClientInfo(IP_STOCKHOLM, agents.IMMICH_ANDROID))
        assert [v.city for v in places.visits(_places(store))] == ["Stockholm"]
        with django_assert_num_queries(2):  # the row's load and the one UPDATE
            assert _use(store, IP_BERLIN, T1)
        assert _use(store, IP_STOCKHOLM, T1.replace(hour=20))  # back home: already known
        assert _use(store, IP_BERLIN, T1.replace(hour=21))
        found = places.visits(_places(store))
        assert [(v.city, v.at) for v in found] == [("Stockholm", T0), ("Berlin", T1)]

    def test_a_place_used_again_in_a_later_period_is_written_again(self, geoip_db, user):
        """The office month after month: a line per 30 days, so it counts as often as it was
        come back to and its latest visit is recent."""
        with time_machine.travel(T0, tick=False):
            store = start_session(user, ClientInfo(IP_STOCKHOLM, agents.IMMICH_ANDROID))
        later = T0 + timedelta(days=31)
        assert _use(store, IP_BERLIN, T1)
        assert _use(store, IP_STOCKHOLM, later)
        assert _use(store, IP_BERLIN, later + timedelta(hours=1))
        assert _use(store, IP_STOCKHOLM, later + timedelta(hours=2))  # same period: known
        found = [(v.city, v.at) for v in places.visits(_places(store))]
        assert found == [
            ("Stockholm", T0),
            ("Berlin", T1),
            ("Stockholm", later),
            ("Berlin", later + timedelta(hours=1)),
        ]

    def test_the_text_stops_growing_when_full(self, geoip_db, user):
        with time_machine.travel(T0, tick=False):
            store = start_session(user, ClientInfo(IP_STOCKHOLM, agents.IMMICH_ANDROID))
        full = "x" * places.MAX_CHARS
        Session.objects.filter(key_hash=hash_key(store.session_key)).update(places=full)
        assert _use(store, IP_BERLIN, T1)
        assert _places(store) == full

    def test_a_web_session_keeps_its_places_too(self, geoip_db, user):
        with time_machine.travel(T0, tick=False):
            store = start_session(
                user, ClientInfo(IP_BERLIN, agents.CHROME_WINDOWS), kind=ClientKind.WEB
            )
        assert [v.city for v in places.visits(_places(store))] == ["Berlin"]
