"""Ny inloggning på ditt PixelUnion-konto: an email when a sign-in's signals together are a
warning (``account_security.risk.is_warning``: a new country with a new device, a new device in
a new town, a hosting network, impossible travel…), none for a single weak signal (a new phone
at home, a new town in the home country: those are a quiet note on the session).

The trigger is the security log's ``sign_in`` event, not Django's ``user_logged_in``: that event
is written exactly when a sign-in is complete on every path — the password form without 2FA,
the code step with 2FA (``user_logged_in`` fired a step earlier, before the code), and the
app's API login (which never sends ``user_logged_in``) — and it already holds the session, IP,
device and place of that moment.

Nothing here may break a sign-in: the work runs after the transaction commits, every error is
logged and swallowed, and with ``SIGN_IN_ALERT_IN_BACKGROUND`` the SMTP conversation happens on
a background thread.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from account_security.risk import Flag, Thresholds, flags_for, is_warning, local_time
from account_security.risk_history import sign_in_from_event, sign_in_history
from account_security.risk_text import flag_text
from accounts.models import PLACE_FIELDS, EventKind, SecurityEvent
from accounts.security_log import SNAPSHOT_FIELDS
from sessions_ui.devices import snapshot_title
from sessions_ui.geo import location_label

logger = logging.getLogger(__name__)

_executor: ThreadPoolExecutor | None = None


@receiver(post_save, sender=SecurityEvent, dispatch_uid="account_security.alerts.sign_in")
def _sign_in_logged(sender, instance: SecurityEvent, created: bool, **kwargs) -> None:
    if not created or instance.kind != EventKind.SIGN_IN or not settings.SIGN_IN_ALERTS:
        return
    # The request's language, while it is still the active one.
    language = translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(partial(alert_safely, instance, language))


def alert_safely(event: SecurityEvent, language: str) -> None:
    try:
        alert_new_sign_in(event, language=language)
    except Exception:  # noqa: BLE001 - an alert must never break the sign-in
        logger.exception("New sign-in alert failed (session %s)", event.session_public_id)


def alert_new_sign_in(
    event: SecurityEvent, *, language: str, now: datetime | None = None
) -> list[Flag] | None:
    """Send the email if the sign-in of ``event`` is a warning.

    Returns the flags the email named, or None when no email was due.
    """
    now = now or timezone.now()
    user = get_user_model().objects.filter(pk=event.user_id).first()
    if user is None or not user.email:
        return None
    fields = ("created_at", "session_public_id", "details", *SNAPSHOT_FIELDS, *PLACE_FIELDS)
    sign_in = sign_in_from_event({f: getattr(event, f) for f in fields})
    history = sign_in_history(
        user, now, exclude_session=event.session_public_id, exclude_event=event.pk
    )
    thresholds = Thresholds.from_settings()
    flags = flags_for(sign_in, history, now, thresholds)
    if not is_warning(flags):
        return None
    with translation.override(language):
        message = _message(user, event, flags, local_time(sign_in, thresholds))
    deliver(message)
    _log_alert(event, flags)
    return flags


def _message(user, event: SecurityEvent, flags: list[Flag], moment: datetime) -> EmailMessage:
    context = {
        "device": snapshot_title(event, with_version=False, blank_if_unknown=True)
        or _("Unknown device"),
        "location": location_label(event.country_code, event.city),
        "ip": event.ip or "–",
        "time": formats.date_format(moment, "DATETIME_FORMAT"),
        "time_zone": str(moment.tzinfo),
        "reasons": [flag_text(flag) for flag in flags],
        "devices_url": f"{settings.SITE_URL}{reverse('account_security:devices')}",
        "support_email": settings.SUPPORT_EMAIL,
    }
    return EmailMessage(
        subject=_("New sign-in to your PixelUnion account"),
        body=render_to_string("account_security/email/new_sign_in.txt", context).strip() + "\n",
        to=[user.email],
    )


def deliver(message: EmailMessage) -> None:
    """Send now, or on the background thread; failures are logged, never raised."""
    global _executor
    if settings.SIGN_IN_ALERT_IN_BACKGROUND:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sign-in-alert")
        _executor.submit(_send, message)
    else:
        _send(message)


def _send(message: EmailMessage) -> None:
    try:
        message.send()
    except Exception:  # noqa: BLE001 - SMTP down, refused, timed out: the sign-in stands
        logger.exception("Could not send the new sign-in alert to the account's address")


def _log_alert(event: SecurityEvent, flags: list[Flag]) -> None:
    """Säkerhetslogg: "Alert about a new sign-in sent", with the sign-in's own snapshot."""
    SecurityEvent.objects.create(
        user_id=event.user_id,
        kind=EventKind.NEW_SIGN_IN_ALERT,
        session_public_id=event.session_public_id,
        details={"sign_in_event": event.pk, "reasons": [str(flag.kind) for flag in flags]},
        **{field: getattr(event, field) for field in SNAPSHOT_FIELDS},
    )
