"""Bringing Immich's view of a user's sessions into ours, in the background.

Run by the worker: a few seconds after each sign-in (``schedule_sync``) and from
``manage.py immich_sync`` (a timer, like ``clearsessions``). Never while a page renders: the
page reads only the session rows, which this writes Immich's details into (device, OS, app
version, last update), so Enhetsaktivitet costs the same queries with or without Immich.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from immich import api
from immich.clients import subject
from immich.linking import LINK_WINDOW, match
from immich.models import Authorization, ImmichAccount
from sessions_ui.backends.limits import expiry
from sessions_ui.models import ClientKind, DeviceKind, Session
from sessions_ui.revocation import Reason, revoke_sessions_by_id

logger = logging.getLogger(__name__)

# After this long without a matching Immich session, Immich never made one (its callback failed)
# or has already ended it: our row goes too.
UNLINKED_GRACE = timedelta(minutes=10)
SYNC_DELAYS = (timedelta(seconds=15), timedelta(seconds=90))


@dataclass
class SyncResult:
    linked: int = 0
    updated: int = 0
    ended: list = field(default_factory=list)
    skipped: str = ""


def enabled() -> bool:
    return bool(settings.IMMICH_URL and settings.IMMICH_API_KEY)


def _immich_user_id(user) -> str | None:
    account = ImmichAccount.objects.filter(user=user).first()
    if account is not None:
        return account.immich_user_id
    found = api.find_user_id(subject(user.pk))
    if found:
        ImmichAccount.objects.update_or_create(user=user, defaults={"immich_user_id": found})
    return found


def _fields_from(row: Session, immich: api.ImmichSession, mobile: bool) -> dict:
    last = max(row.last_activity, immich.updated_at)
    values = {"last_activity": last, "expire_date": expiry(ClientKind.IMMICH, row.created_at, last)}
    if mobile:
        # Immich's session of its app: deviceType is the phone model (the app's deviceModel
        # header), deviceOS the platform (server/src/utils/request.ts, getUserAgentDetails).
        values.update(
            device_kind=DeviceKind.APP,
            browser="Immich",
            os=immich.device_os[:64],
            device_model=immich.device_type[:64],
            app_version=immich.app_version[:32],
        )
    return values


def sync_user(user, *, now=None) -> SyncResult:
    """Link, refresh and prune the user's Immich session rows from Immich's admin API."""
    result = SyncResult()
    if not enabled():
        result.skipped = "not configured"
        return result
    now = now or timezone.now()
    try:
        immich_user_id = _immich_user_id(user)
        sessions = api.user_sessions(immich_user_id) if immich_user_id else []
    except api.ImmichUnavailable as error:
        logger.warning("Immich sync of user %s skipped: %s", user.pk, error)
        result.skipped = "unavailable"
        return result

    by_id = {s.id: s for s in sessions}
    rows = {row.public_id: row for row in Session.objects.filter(user=user, client=ClientKind.IMMICH)}
    auths = [
        a
        for a in Authorization.objects.filter(user=user, session_public_id__isnull=False)
        if a.session_public_id in rows
    ]
    linked_ids = {a.immich_session_id for a in auths if a.immich_session_id}
    pairs = match(
        [a for a in auths if not a.immich_session_id],
        [s for s in sessions if s.id not in linked_ids],
    )
    to_end: list[int] = []
    with transaction.atomic():
        for auth in auths:
            row = rows[auth.session_public_id]
            if auth.pk in pairs:
                auth.immich_session_id = pairs[auth.pk].id
                auth.save(update_fields=["immich_session_id"])
                result.linked += 1
            if auth.immich_session_id:
                immich = by_id.get(auth.immich_session_id)
                if immich is None:  # signed out in Immich itself
                    to_end.append(row.pk)
                    continue
                Session.objects.filter(pk=row.pk).update(**_fields_from(row, immich, auth.mobile))
                result.updated += 1
            elif auth.exchanged_at and now - auth.exchanged_at > LINK_WINDOW + UNLINKED_GRACE:
                to_end.append(row.pk)
        ImmichAccount.objects.filter(user=user).update(synced_at=now)
    if to_end:
        result.ended = revoke_sessions_by_id(to_end, reason=Reason.SIGN_OUT)
    return result


@task()
def sync_user_task(user_id: int) -> str:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return "no user"
    result = sync_user(user)
    return result.skipped or f"linked {result.linked}, updated {result.updated}, ended {len(result.ended)}"


def schedule_sync(user_id: int) -> None:
    """After a sign-in: ask Immich soon (its session exists seconds after ours), and once more."""
    if not enabled():
        return

    def enqueue() -> None:
        for delay in SYNC_DELAYS:
            sync_user_task.using(run_after=timezone.now() + delay).enqueue(user_id)

    transaction.on_commit(enqueue)


def users_due(*, now=None):
    """Users with Immich session rows not synced for ``IMMICH_SYNC_INTERVAL`` seconds."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.IMMICH_SYNC_INTERVAL)
    user_ids = Session.objects.filter(client=ClientKind.IMMICH).values("user_id")
    fresh = ImmichAccount.objects.filter(synced_at__gte=cutoff).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids).exclude(pk__in=fresh)
