"""How a security event reads on the Säkerhetslogg page: labels from stored fields only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import EventKind, SecurityEvent
from sessions_ui.devices import snapshot_title
from sessions_ui.geo import location_label

ICONS = {
    EventKind.SIGN_IN: "key",
    EventKind.SIGN_IN_FAILED: "warning",
    EventKind.SIGN_OUT: "logout",
    EventKind.SESSION_ENDED: "logout",
    EventKind.OTHER_SESSIONS_ENDED: "logout",
    EventKind.NEW_SIGN_IN_ALERT: "warning",
    EventKind.PASSKEY_ADDED: "key",
    EventKind.PASSKEY_REMOVED: "key",
    EventKind.PASSKEY_USED: "key",
}
WARNINGS = {
    EventKind.SIGN_IN_FAILED,
    EventKind.TWO_FACTOR_DISABLED,
    EventKind.APP_SIGN_OUT_FAILED,
}


@dataclass(frozen=True, slots=True)
class EventRow:
    kind: str
    title: str
    detail: str
    icon: str
    device: str
    location: str
    ip: str
    created_at: datetime
    is_this_session: bool
    is_warning: bool


def _where(fields: dict) -> str:
    return location_label(fields.get("country_code", ""), fields.get("city", ""))


def _by_whom(details: dict, current: uuid.UUID | None) -> str:
    reason = details.get("reason")
    if reason == "staff":
        return _("by PixelUnion support")
    if reason == "password":
        return _("because the password was changed")
    if reason == "sign_out":
        return _("by the device itself")
    by_session = details.get("by_session")
    if current is not None and by_session == str(current):
        return _("by you, from this device")
    by_device = details.get("by_device")
    if by_device:
        return _("by you, from %(device)s") % {"device": snapshot_title(by_device)}
    return _("by you, from another device")


def _detail(event: SecurityEvent, current: uuid.UUID | None) -> str:
    details = event.details or {}
    kind = event.kind
    if kind == EventKind.APP_SIGN_OUT_FAILED:
        return _(
            "%(app)s could not be told that the session ended, after %(attempts)s attempts. "
            "Sign out in %(app)s too, or contact support."
        ) % {"app": details.get("app") or "Immich", "attempts": details.get("attempts", "?")}
    if kind == EventKind.SIGN_IN:
        method = details.get("method")
        if method == "totp":
            return _("With password and a code from the authenticator app.")
        if method == "backup_code":
            return _("With password and a backup code.")
        if method == "passkey":
            return _("With password and the passkey “%(name)s”.") % {
                "name": details.get("passkey") or _("Passkey")
            }
        if method == "passkey_only":
            return _("With the passkey “%(name)s” alone.") % {
                "name": details.get("passkey") or _("Passkey")
            }
        return _("With password.")
    if kind in (EventKind.PASSKEY_ADDED, EventKind.PASSKEY_REMOVED) and details.get("passkey"):
        return _("“%(name)s”.") % {"name": details["passkey"]}
    if kind == EventKind.PASSKEY_USED:
        return _("“%(name)s”, to confirm an action.") % {"name": details.get("passkey") or ""}
    if kind == EventKind.SIGN_IN_FAILED:
        wrong = _("Wrong code") if details.get("step") == "code" else _("Wrong password")
        if details.get("purpose") == "reauthentication":
            return _("%(wrong)s when confirming an action.") % {"wrong": wrong}
        return _("%(wrong)s.") % {"wrong": wrong}
    if kind in (EventKind.SESSION_ENDED, EventKind.SIGN_OUT) and details.get("reason"):
        return _("Signed out %(by)s.") % {"by": _by_whom(details, current)}
    if kind == EventKind.OTHER_SESSIONS_ENDED:
        count = int(details.get("count") or 0)
        listed = details.get("sessions") or []
        names = ", ".join(f"{snapshot_title(s)} ({_where(s)})" for s in listed)
        if count > len(listed):
            names += " " + _("and %(count)d more") % {"count": count - len(listed)}
        head = ngettext(
            "%(count)d device signed out %(by)s",
            "%(count)d devices signed out %(by)s",
            count,
        ) % {"count": count, "by": _by_whom(details, current)}
        return f"{head}: {names}." if names else f"{head}."
    if kind in (EventKind.PASSWORD_CHANGED, EventKind.PASSWORD_RESET):
        count = int(details.get("signed_out") or 0)
        return ngettext(
            "%(count)d other device was signed out.",
            "%(count)d other devices were signed out.",
            count,
        ) % {"count": count}
    if kind == EventKind.EMAIL_CHANGED and details.get("email"):
        labels = {"added": _("Added: %(email)s"), "removed": _("Removed: %(email)s")}
        label = labels.get(details.get("action"), _("New primary address: %(email)s"))
        return label % {"email": details["email"]}
    if kind == EventKind.BACKUP_CODE_USED and "remaining" in details:
        count = int(details["remaining"])
        return ngettext("%(count)d backup code left.", "%(count)d backup codes left.", count) % {
            "count": count
        }
    return ""


def event_row(event: SecurityEvent, current: uuid.UUID | None) -> EventRow:
    """``current`` is the public id of the session looking at the page."""
    kind = EventKind(event.kind)
    return EventRow(
        kind=kind.value,
        title=str(kind.label),
        detail=_detail(event, current),
        icon=ICONS.get(kind, "shield"),
        device=snapshot_title(event),
        location=location_label(event.country_code, event.city),
        ip=event.ip or "",
        created_at=event.created_at,
        is_this_session=current is not None and event.session_public_id == current,
        is_warning=kind in WARNINGS,
    )
