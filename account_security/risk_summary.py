"""Trusted sign-ins kept in summary when the security log prunes their events.

The risk signals learn from the sign-in events of the last ``RISK_HISTORY_DAYS``; the log keeps
events ``SECURITY_LOG_RETENTION_DAYS``. Without more, a home signed in from rarely (a long-lived
session, then nothing for a year) would be forgotten the day its last events are pruned, and
its next sign-in would be "Ny plats". So ``prune_events`` (``accounts.security_log``) lets this
module fold, in its transaction and before anything is deleted, every sign-in about to go that
*taught* (``account_security.risk.taught_sign_ins``: never a disowned one, never a warning no
one confirmed) into ``sign_in_summary`` rows of the same table: one per user, place (country,
city, coordinates, network), device (kind, browser, OS, model), browser fingerprint
(``details["browser"]``, ``sessions_ui.browsers``) and local hour, with how many trusted
sign-ins it stands for (``details["sign_ins"]``) and the last of them (``created_at``).

Why rows of the security event table: ``account_security.risk_history`` reads the history in
one query of that table, and reads the summaries in the same query (an OR of two kinds), so
Kontosäkerhet and Enhetsaktivitet cost what they cost before. A summary row keeps no IP
address, user agent or session; the Säkerhetslogg page never lists it
(``accounts.models.LOG_HIDDEN_KINDS``). A summary row goes when the last sign-in it stands for
is ``RISK_SUMMARY_DAYS`` old (three years by default).
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.dispatch import receiver

from account_security.models import Verdict
from account_security.risk import taught_sign_ins
from account_security.risk_facts import SignIn, Thresholds, local_time
from account_security.risk_history import EVENT_FIELDS, sign_in_from_event, verdict_of
from accounts.models import EventKind, SecurityEvent
from accounts.security_log import events_pruning

# What a summary row keeps of its sign-ins (with the local hour): what the memory learns.
KEPT_FIELDS = (
    "country_code",
    "city",
    "latitude",
    "longitude",
    "asn",
    "network",
    "time_zone",
    "device_kind",
    "browser",
    "os",
    "device_model",
)


@receiver(events_pruning, dispatch_uid="account_security.risk_summary")
def _before_pruning(sender, cutoff: datetime, now: datetime, **kwargs: Any) -> None:
    summarise_pruned_sign_ins(cutoff, now)


def summarise_pruned_sign_ins(cutoff: datetime, now: datetime) -> int:
    """Fold every trusted sign-in older than ``cutoff`` into its user's summary, and drop
    summaries past ``RISK_SUMMARY_DAYS``; returns how many sign-ins were summarised.

    Run only just before those events are deleted (in the same transaction), so no sign-in is
    ever summarised twice.
    """
    expired = now - timedelta(days=settings.RISK_SUMMARY_DAYS)
    SecurityEvent.objects.filter(kind=EventKind.SIGN_IN_SUMMARY, created_at__lt=expired).delete()
    users = list(
        SecurityEvent.objects.filter(kind=EventKind.SIGN_IN, created_at__lt=cutoff)
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )
    thresholds = Thresholds.from_settings()
    return sum(summarise_sign_ins(user_id, cutoff, now, thresholds) for user_id in users)


NUMBERS = frozenset({"latitude", "longitude", "asn"})


def _kept(event: dict[str, Any]) -> dict[str, Any]:
    return {
        name: event.get(name) if name in NUMBERS else event.get(name) or "" for name in KEPT_FIELDS
    }


def _key(event: dict[str, Any], sign_in: SignIn, t: Thresholds) -> Hashable:
    """Sign-ins alike in everything the memory learns: one summary row."""
    return (*_kept(event).values(), sign_in.browser, local_time(sign_in, t).hour)


def _details(count: int, sign_in: SignIn) -> dict[str, Any]:
    """How many sign-ins a summary stands for, and the browser they came from, if known."""
    return {"sign_ins": count, **({"browser": sign_in.browser} if sign_in.browser else {})}


def summarise_sign_ins(user_id: int, cutoff: datetime, now: datetime, t: Thresholds) -> int:
    """One user's trusted sign-ins older than ``cutoff``, folded into their summary rows."""
    rows = (
        SecurityEvent.objects.filter(
            Q(kind=EventKind.SIGN_IN, created_at__lt=cutoff) | Q(kind=EventKind.SIGN_IN_SUMMARY),
            user_id=user_id,
        )
        .annotate(verdict=verdict_of("session_public_id"))
        .values(*EVENT_FIELDS, "kind", "verdict")
    )
    history: list[SignIn] = []
    source: dict[int, dict[str, Any]] = {}  # by id() of the sign-in
    summaries: dict[Hashable, dict[str, Any]] = {}
    for row in rows:
        if row["verdict"] == Verdict.NOT_MINE:
            continue  # "Det var inte jag": never part of the account's memory
        sign_in = sign_in_from_event(row)
        history.append(sign_in)
        source[id(sign_in)] = row
        if sign_in.summary:
            summaries[_key(row, sign_in, t)] = row
    groups: dict[Hashable, tuple[int, datetime, SignIn]] = {}
    taught = taught_sign_ins(history, now, t)
    expired = now - timedelta(days=settings.RISK_SUMMARY_DAYS)
    for sign_in in taught:
        if sign_in.at < expired:
            continue  # already older than a summary is kept
        key = _key(source[id(sign_in)], sign_in, t)
        count, last, _ = groups.get(key, (0, sign_in.at, sign_in))
        groups[key] = (count + 1, max(last, sign_in.at), sign_in)
    new = []
    # The row's own moment and time zone give its local hour: nothing else to store of it.
    for key, (count, last, sign_in) in groups.items():
        known = summaries.get(key)
        if known is not None:
            count += int((known["details"] or {}).get("sign_ins") or 1)
            SecurityEvent.objects.filter(pk=known["id"]).update(
                created_at=max(last, known["created_at"]),
                details=_details(count, sign_in),
            )
            continue
        new.append(
            SecurityEvent(
                user_id=user_id,
                kind=EventKind.SIGN_IN_SUMMARY,
                created_at=last,
                details=_details(count, sign_in),
                **_kept(source[id(sign_in)]),
            )
        )
    SecurityEvent.objects.bulk_create(new)
    return len(taught)
