"""How a stored session reads on a page: labels from stored fields, no parsing, no lookups."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from account_security.risk import is_warning
from account_security.risk_facts import Flag
from account_security.risk_history import session_flags_and_methods, sessions_for_risk
from account_security.risk_text import WordedFlag, worded
from accounts.sign_in import PASSKEY_METHODS
from sessions_ui.devices import snapshot_title
from sessions_ui.geo import location_label
from sessions_ui.models import ClientKind, DeviceKind, Session

ICONS = {kind.value for kind in DeviceKind}


@dataclass(frozen=True, slots=True)
class SessionCard:
    public_id: uuid.UUID
    title: str
    icon: str
    kind_label: str
    location: str
    ip: str
    last_activity: datetime
    last_activity_label: str
    created_at: datetime
    is_current: bool
    is_app: bool
    # A session of the Immich server, signed in through PixelUnion (client "immich").
    is_immich: bool = False
    # Signs (account_security.risk): a warning when they add up (never on the device in hand,
    # which cannot be an intruder to the person holding it), otherwise a quiet note.
    flags: tuple[WordedFlag, ...] = ()
    is_warning: bool = False
    # Signed in with a passkey (after the password, or alone): "Inloggad med nyckel".
    with_passkey: bool = False

    @property
    def is_flagged(self) -> bool:
        """A warning: highlighted, listed first, counted in the Kontosäkerhet banner."""
        return self.is_warning

    @property
    def is_noted(self) -> bool:
        return bool(self.flags) and not self.is_warning


def activity_label(moment: datetime, now: datetime | None = None) -> str:
    """ "Active now" inside twice the activity interval (the row may lag by one interval)."""
    now = now or timezone.now()
    if now - moment < timedelta(seconds=max(2 * settings.SESSION_ACTIVITY_INTERVAL, 120)):
        return _("Active now")
    return _("%(delta)s ago") % {"delta": timesince(moment, now, depth=1)}


def session_card(
    session: Session,
    current_public_id: uuid.UUID | None,
    now: datetime,
    flags: tuple[Flag, ...] = (),
    method: str = "",
) -> SessionCard:
    icon = session.device_kind if session.device_kind in ICONS else DeviceKind.UNKNOWN
    is_current = session.public_id == current_public_id
    return SessionCard(
        public_id=session.public_id,
        title=snapshot_title(session),
        icon=icon,
        kind_label=str(DeviceKind(icon).label),
        location=location_label(session.country_code, session.city),
        ip=session.ip or "",
        last_activity=session.last_activity,
        last_activity_label=activity_label(session.last_activity, now),
        created_at=session.created_at,
        is_current=is_current,
        is_app=session.client == "app",
        is_immich=session.client == ClientKind.IMMICH,
        flags=tuple(worded(flag) for flag in flags),
        is_warning=not is_current and is_warning(flags),
        with_passkey=method in PASSKEY_METHODS,
    )


def session_cards(user, current_public_id: uuid.UUID | None) -> list[SessionCard]:
    """The user's active sessions: the current one first (as GitHub, Google and Immich list
    it, under a heading of its own), then warnings, most signs first, then most recent activity
    first. Two queries: the sessions, and the sign-in events the flags need."""
    now = timezone.now()
    rows = list(sessions_for_risk(user).order_by("-last_activity"))
    flags, methods = session_flags_and_methods(user, now, sessions=rows, current=current_public_id)
    cards = [
        session_card(
            row, current_public_id, now, flags.get(row.public_id, ()), methods.get(row.public_id, "")
        )
        for row in rows
    ]
    # The query's order (recent activity) inside; a quiet note does not move a session up.
    cards.sort(
        key=lambda card: (
            not card.is_current,
            not card.is_warning,
            -len(card.flags) * card.is_warning,
        )
    )
    return cards
