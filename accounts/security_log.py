"""Säkerhetslogg: writing, reading and pruning the account's security events.

Events are written by the functions that perform the actions (sign-in receivers, the 2FA and
password operations, the ``sessions_ended`` signal of ``sessions_ui.revocation``), never by views.
Each event copies the IP address, device and location of its session as they were at that
moment (time zone, coordinates and network included), because the session row itself is
deleted when the session ends.

Ended sessions are logged so that "Logga ut från alla enheter" on 10,000 sessions still costs a
constant number of queries: ending *one* session (by the user from another device, by staff,
or the session signing itself out through the API) writes one event per ended session; ending
*all others* (the button, the API, a password change or reset) writes one
``other_sessions_ended`` event with the count and the first ``LISTED_SESSIONS`` devices.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import LOG_HIDDEN_KINDS, PLACE_FIELDS, EventKind, SecurityEvent
from sessions_ui.client import ClientInfo, client_from_request
from sessions_ui.middleware import current_public_id
from sessions_ui.models import SNAPSHOT_FIELDS, DeviceKind, Session
from sessions_ui.revocation import EndedSession, Reason, SessionNotFound, parse_public_id
from sessions_ui.tracking import device_fields, location_fields, network_fields

# How many ended devices an ``other_sessions_ended`` event names (the count is always exact).
LISTED_SESSIONS = 20
BULK_REASONS = frozenset({Reason.OTHERS, Reason.PASSWORD})

# Sent by ``prune_events`` inside its transaction, before anything is deleted, with ``cutoff``
# (events older than it go) and ``now``: what must outlive the events is kept here (the risk
# signals' summary of trusted sign-ins, account_security.risk_summary), in the same transaction.
events_pruning = Signal()


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    out = {field: values.get(field) or "" for field in SNAPSHOT_FIELDS}
    out["ip"] = out["ip"] or None
    out["device_kind"] = out["device_kind"] or DeviceKind.UNKNOWN
    return out


def _copy(source: object) -> dict[str, Any]:
    return _clean({field: getattr(source, field, None) for field in SNAPSHOT_FIELDS})


def _place(source: object | dict) -> dict[str, Any]:
    """Time zone, coordinates and network of the address (what ``PLACE_FIELDS`` keep)."""
    get = source.get if isinstance(source, dict) else lambda name: getattr(source, name, None)
    out = {field: get(field) for field in PLACE_FIELDS}
    out["time_zone"] = out["time_zone"] or ""
    out["network"] = out["network"] or ""
    return out


def _from_client(client: ClientInfo) -> dict[str, Any]:
    where = {**location_fields(client.ip), **network_fields(client.ip)}
    return {**_clean({**device_fields(client), **where, "ip": client.ip}), **_place(where)}


def snapshot(session: object | None = None, request: HttpRequest | None = None) -> dict[str, Any]:
    """Session public id, IP, device and location for an event, as they are right now.

    ``session`` may be a ``Session`` row or an ``EndedSession`` (copied as stored), a session
    store or its ``Row`` (public id from it, the client from ``request`` or the row's IP and
    user agent), or None: then the session and client of ``request``, if any.
    """
    if isinstance(session, (Session, EndedSession)):
        return {"session_public_id": session.public_id, **_copy(session), **_place(session)}
    if session is None:
        public_id = current_public_id(request)
        client = client_from_request(request) if request is not None else None
        return {"session_public_id": public_id, **(_from_client(client) if client else {})}
    row = getattr(session, "row", session)
    public_id = getattr(row, "public_id", None)
    if request is not None:
        client = client_from_request(request)
    else:
        client = ClientInfo(ip=getattr(row, "ip", None), user_agent=getattr(row, "user_agent", ""))
    return {"session_public_id": public_id, **_from_client(client)}


def _jsonable(details: dict | None) -> dict:
    """UUIDs and the like become strings, so the JSON column accepts them on every database."""
    out: dict[str, Any] = {}
    for key, value in (details or {}).items():
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, dict):
            value = _jsonable(value)
        elif isinstance(value, (list, tuple)):
            value = [_jsonable(v) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


def record_event(
    kind: str,
    *,
    user,
    request: HttpRequest | None = None,
    session: object | None = None,
    details: dict | None = None,
) -> SecurityEvent:
    """Write one event of ``kind`` (an ``EventKind`` value) to ``user``'s security log."""
    kind = EventKind(kind)
    return SecurityEvent.objects.create(
        user_id=getattr(user, "pk", user),
        kind=kind,
        details=_jsonable(details),
        **snapshot(session, request),
    )


def _device(session: object) -> dict[str, Any]:
    """The short description of a session kept inside another event's details."""
    return {"session": str(session.public_id), **_copy(session)}


def _acting_session(by_session: object | None) -> Session | None:
    """The session the user acted from, still alive (it was kept), for "by which device"."""
    if not by_session:
        return None
    try:
        public_id = parse_public_id(by_session)
    except SessionNotFound:
        return None
    return Session.objects.only("public_id", *SNAPSHOT_FIELDS).filter(public_id=public_id).first()


def record_sessions_ended(
    user, ended: list[EndedSession], reason: str, by_session: object | None = None
) -> list[SecurityEvent]:
    """The security log's side of ``sessions_ui.signals.sessions_ended`` (see module doc)."""
    reason = Reason(reason)
    if not ended or reason == Reason.EXPIRED:
        # A session that ran out of time is nothing the person or anyone else did: the log
        # keeps its sign-in, and Enhetsaktivitet simply no longer lists it.
        return []
    acting = _acting_session(by_session)
    by = {"by_session": str(by_session) if by_session else None}
    if acting is not None:
        by["by_device"] = _device(acting)
    if reason in BULK_REASONS and user is not None:
        details = {
            "reason": reason.value,
            **by,
            "count": len(ended),
            "sessions": [_device(s) for s in ended[:LISTED_SESSIONS]],
        }
        fields = snapshot(acting) if acting is not None else {"session_public_id": None}
        event = SecurityEvent.objects.create(
            user_id=user.pk, kind=EventKind.OTHER_SESSIONS_ENDED, details=details, **fields
        )
        return [event]
    kind = EventKind.SIGN_OUT if reason == Reason.SIGN_OUT else EventKind.SESSION_ENDED
    events = [
        SecurityEvent(
            user_id=session.user_id if user is None else user.pk,
            kind=kind,
            details={"reason": reason.value, **by},
            **snapshot(session),
        )
        for session in ended
        if session.user_id is not None or user is not None
    ]
    return SecurityEvent.objects.bulk_create(events)


def events_for(user) -> QuerySet[SecurityEvent]:
    """The account's events, newest first (the Säkerhetslogg page pages through this)."""
    return (
        SecurityEvent.objects.filter(user=user)
        .exclude(kind__in=LOG_HIDDEN_KINDS)
        .order_by("-created_at", "-id")
    )


def prune_events(*, days: int | None = None, now=None) -> int:
    """Delete events older than the retention period; returns how many went.

    Receivers of ``events_pruning`` first keep what must outlive them, in the same transaction:
    the events go only if that is written. Rows of ``LOG_HIDDEN_KINDS`` are not events; their
    owner prunes them.
    """
    days = settings.SECURITY_LOG_RETENTION_DAYS if days is None else days
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    with transaction.atomic():
        events_pruning.send(sender=SecurityEvent, cutoff=cutoff, now=now)
        old = SecurityEvent.objects.filter(created_at__lt=cutoff).exclude(kind__in=LOG_HIDDEN_KINDS)
        deleted, _ = old.delete()
    return deleted
