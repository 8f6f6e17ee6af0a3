"""Revoked keys: a durable debt in the database that every process reads, so a cache that comes
back with old data (a Redis restarted from its dump, a promoted replica, a healed partition)
cannot bring a signed-out session back on any app server, whichever worker exits meanwhile.

Why not only the cache: a tombstone that could not be written while Redis was away is a debt
that lived in the memory of the one worker that made it; the other workers read the old entry
until that worker paid, and never if it exited. Here the debt is a row (``RevokedKey``) written
in the very transaction that deletes the session, and each process reads the rows added since
its last look at most every ``SESSION_REVOCATION_CHECK_INTERVAL`` seconds (0.5 by default):
one indexed query per process per interval, whatever the traffic, and none at all on a request
inside the interval. A cached entry whose key hash is in this process's set is refused.

New rows are found by id (``id > last seen``). For that to be safe, ids must become visible in
the order they were handed out: on PostgreSQL writers take a table lock that only they
conflict on (readers never wait), so two revocations commit in id order; SQLite serialises
writers anyway. Rows are needed only while a cache can still hold an entry filled before the
revocation: ``SESSION_CACHE_TTL`` plus the longest request (``HORIZON_MARGIN``); older ones are
dropped from memory at once and from the table by ``clearsessions``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.dispatch import receiver
from django.utils import timezone

from sessions_ui.models import RevokedKey

# Longer than any request can sit between its read of a row and its fill of the cache
# (gunicorn kills a worker after 30 s).
HORIZON_MARGIN = 60


def horizon() -> timedelta:
    """How long a revoked key is remembered: as long as a cache can hold its old entry."""
    return timedelta(seconds=int(getattr(settings, "SESSION_CACHE_TTL", 300)) + HORIZON_MARGIN)


def check_interval() -> float:
    return float(getattr(settings, "SESSION_REVOCATION_CHECK_INTERVAL", 0.5))


class _Known:
    """This process's copy of the recent rows: key hash → when it was revoked (epoch s)."""

    def __init__(self) -> None:
        self.hashes: dict[str, float] = {}
        self.last_id: int | None = None  # None: never read; the first read takes the horizon
        self.next_check = float("-inf")
        self.lock = threading.Lock()


_known = _Known()


@receiver(setting_changed)
def _reset_on_settings_change(*, setting: str, **kwargs: Any) -> None:
    if setting in {"SESSION_CACHE_TTL", "SESSION_REVOCATION_CHECK_INTERVAL", "DATABASES"}:
        reset()


def reset() -> None:
    """Forget what this process read (a test's database was rolled back, mostly)."""
    global _known
    _known = _Known()


def record(key_hashes: Iterable[str]) -> None:
    """Remember ``key_hashes`` as revoked, inside the caller's transaction (the one that
    deletes or rekeys their rows), so the debt commits or rolls back with the revocation."""
    key_hashes = list(dict.fromkeys(key_hashes))
    if not key_hashes:
        return
    now = timezone.now()
    table = connection.ops.quote_name(RevokedKey._meta.db_table)
    when = RevokedKey._meta.get_field("revoked_at").get_db_prep_value(now, connection)
    # One statement however many keys (10,000 sessions signed out at once cost what 10 do).
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Conflicts only with itself: writers commit in id order, readers never wait.
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(
                f"INSERT INTO {table} (key_hash, revoked_at)"  # noqa: S608 - fixed identifiers
                " SELECT h, %s FROM unnest(%s::varchar[]) AS h",
                [when, key_hashes],
            )
        else:
            cursor.execute(
                f"INSERT INTO {table} (key_hash, revoked_at)"  # noqa: S608 - fixed identifiers
                " SELECT value, %s FROM json_each(%s)",
                [when, json.dumps(key_hashes)],
            )
    # This process knows at once (once committed); the others at their next check.
    revoked_at = now.timestamp()
    transaction.on_commit(lambda: _learn((h, revoked_at) for h in key_hashes), robust=True)


def _learn(items: Iterable[tuple[str, float]]) -> None:
    known = _known
    with known.lock:
        known.hashes.update(items)


def is_revoked(key_hash: str) -> bool:
    """Whether ``key_hash`` was revoked lately, on any app server, as of at most one check
    interval ago. A failed check raises (the database error): better a 503 than a session
    served without knowing whether it ended."""
    known = _known
    if time.monotonic() >= known.next_check:
        refresh(known)
    return key_hash in known.hashes


def refresh(known: _Known | None = None) -> None:
    """Read the rows added since the last read (all rows within the horizon, the first time)."""
    known = known or _known
    with known.lock:
        if time.monotonic() < known.next_check:
            return  # another thread just did
        now = timezone.now()
        rows = RevokedKey.objects.order_by("id")
        if known.last_id is None:
            # The first look: everything still relevant, and the newest id even if it is old.
            newest = RevokedKey.objects.order_by("-id").values("id")[:1]
            rows = rows.filter(revoked_at__gt=now - horizon()) | rows.filter(id__in=newest)
        else:
            rows = rows.filter(id__gt=known.last_id)
        found = list(rows.values_list("id", "key_hash", "revoked_at"))
        for _row_id, key_hash, revoked_at in found:
            known.hashes[key_hash] = revoked_at.timestamp()
        if found:
            known.last_id = found[-1][0]
        elif known.last_id is None:
            known.last_id = 0
        cutoff = (now - horizon()).timestamp()
        if found or known.hashes:
            for key_hash in [h for h, at in known.hashes.items() if at < cutoff]:
                del known.hashes[key_hash]
        known.next_check = time.monotonic() + check_interval()


def prune(now=None) -> int:
    """Drop rows no cache can still need (``clearsessions``); how many went."""
    cutoff = (now or timezone.now()) - horizon()
    deleted, _ = RevokedKey.objects.filter(revoked_at__lt=cutoff).delete()
    return deleted
