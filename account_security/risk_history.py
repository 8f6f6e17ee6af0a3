"""The account's sign-in history for ``account_security.risk``, read in two queries.

One query reads the security log's sign-in events (they outlive ended sessions and say where
and with what each sign-in happened) together with the summaries of the trusted sign-ins the
log has pruned (``account_security.risk_summary``: rows of the same table, so the same query),
one the live session rows (where each session is now,
when it was last active). Each query carries the user's "Det var jag" / "Det var inte jag"
answer as a subquery, so the cost stays two queries however many sessions and sign-ins there
are. A live session is judged by its latest sign-in event; a session without one (started
before the log existed, or by a path that logs nothing) by its row.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery

from account_security.models import SignInReview, Verdict
from account_security.risk import assess
from account_security.risk_facts import Flag, SignIn, Thresholds, device_key
from accounts.models import PLACE_FIELDS, EventKind, SecurityEvent
from sessions_ui.devices import snapshot_title
from sessions_ui.models import SNAPSHOT_FIELDS, Session
from sessions_ui.networks import is_hosting_network
from sessions_ui.places import visits

# Session columns the signals need on top of what the device list shows.
SESSION_FIELDS = (
    "public_id",
    "client",
    "created_at",
    "last_activity",
    "time_zone",
    "latitude",
    "longitude",
    "places",
    *SNAPSHOT_FIELDS,
)
EVENT_FIELDS = (
    "id",
    "created_at",
    "session_public_id",
    *SNAPSHOT_FIELDS,
    *PLACE_FIELDS,
    "details",
)


def verdict_of(public_id_field: str) -> Subquery:
    """The user's answer about the session named by ``public_id_field`` of the outer row."""
    return Subquery(
        SignInReview.objects.filter(
            user=OuterRef("user"), session_public_id=OuterRef(public_id_field)
        ).values("verdict")[:1]
    )


def sessions_for_risk(user) -> QuerySet[Session]:
    """The user's live sessions with everything the signals need (``verdict`` annotated)."""
    return (
        Session.objects.of_user(user)
        .only(*SESSION_FIELDS)
        .annotate(verdict=verdict_of("public_id"))
    )


def _events(user, now: datetime, exclude_event: int | None) -> list[dict[str, Any]]:
    """The sign-in events of the window and the summaries of older ones, in one query."""
    since = now - timedelta(days=settings.RISK_HISTORY_DAYS)
    summaries_since = now - timedelta(days=settings.RISK_SUMMARY_DAYS)
    events = SecurityEvent.objects.filter(
        Q(kind=EventKind.SIGN_IN, created_at__gte=since)
        | Q(kind=EventKind.SIGN_IN_SUMMARY, created_at__gte=summaries_since),
        user=user,
        created_at__lte=now,
    )
    if exclude_event is not None:
        events = events.exclude(pk=exclude_event)
    events = events.annotate(verdict=verdict_of("session_public_id")).order_by("-created_at", "-id")
    columns = (*EVENT_FIELDS, "kind", "verdict")
    return list(events.values(*columns)[: settings.RISK_HISTORY_LIMIT])


def _device(source: Any) -> tuple[str, str]:
    get = source.get if isinstance(source, dict) else lambda name: getattr(source, name)
    kind, browser, os, model = (
        get(n) or "" for n in ("device_kind", "browser", "os", "device_model")
    )
    title = snapshot_title(source, with_version=False, blank_if_unknown=True)
    return device_key(kind, browser, os, model), title


def sign_in_from_event(event: dict[str, Any], **extra: Any) -> SignIn:
    key, title = _device(event)
    # Events keep the time zone, coordinates and network of their address; events written
    # before they did have none, and the caller passes them when the live row for the same
    # address has them.
    facts = {name: event.get(name) for name in ("time_zone", "latitude", "longitude")}
    facts |= {k: v for k, v in extra.items() if v not in (None, "")}
    asn = event.get("asn")
    details = event.get("details") or {}
    summary = event.get("kind") == EventKind.SIGN_IN_SUMMARY
    return SignIn(
        at=event["created_at"],
        country_code=event.get("country_code") or "",
        city=event.get("city") or "",
        device_key=key,
        device=title,
        latitude=facts["latitude"],
        longitude=facts["longitude"],
        time_zone=facts["time_zone"] or "",
        confirmed=event.get("verdict") == Verdict.MINE,
        session_id=event.get("session_public_id"),
        asn=asn,
        network=event.get("network") or "",
        hosting=is_hosting_network(asn),
        method=str(details.get("method") or ""),
        browser=str(details.get("browser") or ""),
        summary=summary,
        count=max(1, int(details.get("sign_ins") or 1)) if summary else 1,
    )


def _sign_in_from_row(row: Session) -> SignIn:
    key, title = _device(row)
    return SignIn(
        at=row.created_at,
        country_code=row.country_code,
        city=row.city,
        device_key=key,
        device=title,
        latitude=row.latitude,
        longitude=row.longitude,
        time_zone=row.time_zone,
        confirmed=getattr(row, "verdict", None) == Verdict.MINE,
        session_id=row.public_id,
        active_at=row.last_activity,
        visits=visits(row.places),
    )


def _attach(sign_in: SignIn, row: Session, same_ip: bool) -> SignIn:
    """A live session's latest sign-in event, told where the session is now and has been."""
    changes: dict[str, Any] = {
        "active_at": row.last_activity,
        "current_country": row.country_code,
        "visits": visits(row.places),
        "confirmed": sign_in.confirmed or getattr(row, "verdict", None) == Verdict.MINE,
    }
    if same_ip:  # the row's GeoIP facts describe the very address it signed in from
        if sign_in.latitude is None and row.latitude is not None:
            changes |= {"latitude": row.latitude, "longitude": row.longitude}
        if not sign_in.time_zone:
            changes["time_zone"] = row.time_zone
    return replace(sign_in, **changes)


def sign_in_history(
    user,
    now: datetime,
    *,
    sessions: Iterable[Session] | None = None,
    exclude_session: uuid.UUID | None = None,
    exclude_event: int | None = None,
) -> list[SignIn]:
    """Every sign-in of the last ``RISK_HISTORY_DAYS`` the signals may learn from.

    ``sessions`` are rows from ``sessions_for_risk`` when the caller already has them (the
    device list does); otherwise they are read here. Disowned sign-ins are left out.
    """
    events = _events(user, now, exclude_event)
    rows = list(sessions) if sessions is not None else list(sessions_for_risk(user))
    history: list[SignIn] = []
    latest: dict[Hashable, int] = {}
    ips: dict[int, str | None] = {}
    for event in events:  # newest first
        if event.get("verdict") == Verdict.NOT_MINE:
            continue
        session_id = event.get("session_public_id")
        if exclude_session is not None and session_id == exclude_session:
            continue
        if session_id is not None and session_id not in latest:
            latest[session_id] = len(history)
            ips[len(history)] = event.get("ip")
        history.append(sign_in_from_event(event))
    for row in rows:
        if getattr(row, "verdict", None) == Verdict.NOT_MINE:
            continue
        if exclude_session is not None and row.public_id == exclude_session:
            continue
        index = latest.get(row.public_id)
        if index is None:
            history.append(_sign_in_from_row(row))
        else:
            history[index] = _attach(history[index], row, same_ip=ips[index] == row.ip)
    return history


def session_flags(
    user,
    now: datetime,
    *,
    sessions: Sequence[Session] | None = None,
    current: uuid.UUID | None = None,
) -> dict[uuid.UUID, tuple[Flag, ...]]:
    """Flags of each of the user's live sessions, by public id."""
    return session_flags_and_methods(user, now, sessions=sessions, current=current)[0]


def session_flags_and_methods(
    user,
    now: datetime,
    *,
    sessions: Sequence[Session] | None = None,
    current: uuid.UUID | None = None,
) -> tuple[dict[uuid.UUID, tuple[Flag, ...]], dict[uuid.UUID, str]]:
    """Flags of each live session, and how each signed in (from the same two queries).

    ``current`` is the session of the person looking: it is active now, whenever its row last
    recorded activity (a person back after two days is in their country now, and a session
    signed in abroad meanwhile is in another one: "Flera länder").
    """
    history = sign_in_history(user, now, sessions=sessions)
    if current is not None:
        history = [
            replace(sign_in, active_at=now)
            if sign_in.session_id == current and sign_in.active_at is not None
            else sign_in
            for sign_in in history
        ]
    flags = dict(assess(history, now, Thresholds.from_settings()).items())
    methods = {
        s.session_id: s.method
        for s in history
        if s.active_at is not None and s.session_id is not None and s.method
    }
    return flags, methods
