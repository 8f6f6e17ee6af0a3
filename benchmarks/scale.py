"""Costs that must not grow with the number of sessions, on the whole product (PostgreSQL,
Redis): the Enhetsaktivitet page at 1/10/100/1,000 sessions, "sign out all others" at
100/1,000/10,000. Prints one JSON line for run.py."""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import timedelta
from typing import Any

os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.configs.project_site"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from sessions_ui.keys import hash_key, new_key  # noqa: E402
from sessions_ui.models import Session  # noqa: E402
from sessions_ui.revocation import revoke_other_sessions  # noqa: E402

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"


def add_sessions(user, count: int) -> None:
    now = timezone.now()
    Session.objects.bulk_create(
        [
            Session(
                key_hash=hash_key(new_key()),
                session_data="",
                user=user,
                client="app" if i % 3 == 0 else "web",
                created_at=now - timedelta(days=2),
                last_activity=now - timedelta(minutes=i),
                expire_date=now + timedelta(days=7),
                ip="5.9.0.1",
                user_agent=USER_AGENT,
                device_kind="desktop",
                browser="Firefox",
                os="Linux",
                country_code="DE",
                city="Nürnberg",
            )
            for i in range(count)
        ],
        batch_size=1000,
    )


class RoundTrips:
    """Counts what redis-py sends: one call of ``send_packed_command`` is one round-trip (a
    pipeline is sent whole). A measuring device for this script only."""

    count = 0

    @classmethod
    def install(cls) -> None:
        import redis.connection

        original = redis.connection.Connection.send_packed_command

        def counted(self, command, check_health=True):
            cls.count += 1
            return original(self, command, check_health)

        redis.connection.Connection.send_packed_command = counted


def median_ms(action, runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def signed_in_browser(username: str, backend: str) -> tuple[Any, Client]:
    """A migrated database, ``username`` with no sessions but the test client's, signed in."""
    call_command("migrate", "--noinput", verbosity=0)
    users = get_user_model().objects
    user = users.filter(username=username).first() or users.create_user(
        username, f"{username}@example.com", f"{username}-password-123"
    )
    Session.objects.filter(user=user).delete()
    browser = Client(HTTP_USER_AGENT=USER_AGENT, REMOTE_ADDR="127.0.0.1")
    browser.force_login(user, backend=backend)
    return user, browser


def main() -> None:
    RoundTrips.install()
    user, browser = signed_in_browser("scale", "django.contrib.auth.backends.ModelBackend")
    keep = Session.objects.get(user=user).public_id

    def page() -> None:
        response = browser.get("/account/security/devices/")
        assert response.status_code == 200, response.status_code

    devices = {}
    for count in (1, 10, 100, 1000):
        Session.objects.filter(user=user).exclude(public_id=keep).delete()
        add_sessions(user, count - 1)
        page()
        page()  # the first view after a change may save the session (and refill the cache)
        with CaptureQueriesContext(connection) as captured:
            page()
        queries = len(captured.captured_queries)  # now: the next request resets the log
        devices[count] = {"ms": median_ms(page, 15), "queries": queries}

    Session.objects.filter(user=user).exclude(public_id=keep).delete()
    sign_out = {}
    for count in (100, 1000, 10_000):
        timings, queries = [], 0
        for _ in range(3):
            add_sessions(user, count)
            sent = RoundTrips.count
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                ended = revoke_other_sessions(user, keep)
                timings.append((time.perf_counter() - start) * 1000)
                queries = len(captured.captured_queries)
            trips = RoundTrips.count - sent
            assert len(ended) == count
        sign_out[count] = {"ms": statistics.median(timings), "queries": queries, "trips": trips}
    Session.objects.filter(user=user).delete()
    print(json.dumps({"devices": devices, "sign_out_others": sign_out}))


if __name__ == "__main__":
    main()
