"""Ny inloggning på ditt PixelUnion-konto: an email when a sign-in's signals together are a
warning (``account_security.risk.is_warning``: a new country with a new device, a new device in
a new town, a hosting network, impossible travel…), none for a single weak signal (a new phone
at home, a new town in the home country: those are a quiet note on the session).

The trigger is the security log's ``sign_in`` event, not Django's ``user_logged_in``: that event
is written exactly when a sign-in is complete on every path — the password form without 2FA,
the code step with 2FA (``user_logged_in`` fired a step earlier, before the code), and the
app's API login (which never sends ``user_logged_in``) — and it already holds the session, IP,
device and place of that moment.

Nothing here may break or slow a sign-in: once the transaction commits, the sign-in only
enqueues ``send_sign_in_alert``; the worker (``manage.py worker``) weighs the signals and talks to
the mail server. A mail server that is down is retried with back-off (background.retry), and a
worker killed meanwhile loses nothing (background.recovery): the task is a row in the database
until it has run. Run twice, it sends once: an alert already in the security log for that
sign-in is not sent again.
"""

from __future__ import annotations

import logging
from datetime import datetime

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

from account_security.risk import flags_for, is_warning
from account_security.risk_facts import Flag, Thresholds, local_time
from account_security.risk_history import sign_in_from_event, sign_in_history
from account_security.risk_text import flag_text
from accounts.models import PLACE_FIELDS, EventKind, SecurityEvent
from accounts.security_log import SNAPSHOT_FIELDS
from background.retry import retrying_task
from sessions_ui.devices import snapshot_title
from sessions_ui.geo import location_label

logger = logging.getLogger(__name__)


@receiver(post_save, sender=SecurityEvent, dispatch_uid="account_security.alerts.sign_in")
def _sign_in_logged(sender, instance: SecurityEvent, created: bool, **kwargs) -> None:
    if not created or instance.kind != EventKind.SIGN_IN or not settings.SIGN_IN_ALERTS:
        return
    # The request's language, while it is still the active one.
    language = translation.get_language() or settings.LANGUAGE_CODE
    event_id = instance.pk
    transaction.on_commit(lambda: enqueue_alert(event_id, language))


def enqueue_alert(event_id: int, language: str) -> None:
    try:
        send_sign_in_alert.enqueue(event_id, language)
    except Exception:  # noqa: BLE001 - the sign-in has committed; it must stand
        logger.exception("Could not queue the new sign-in alert (event %s)", event_id)


@retrying_task
def send_sign_in_alert(event_id: int, language: str) -> str:
    """The worker's side: the email if the sign-in is a warning, once."""
    event = SecurityEvent.objects.filter(pk=event_id, kind=EventKind.SIGN_IN).first()
    if event is None:
        return "no sign-in"
    if SecurityEvent.objects.filter(
        kind=EventKind.NEW_SIGN_IN_ALERT, details__sign_in_event=event_id
    ).exists():
        return "already sent"
    # The signals as they stood at the sign-in, however late the worker runs.
    flags = alert_new_sign_in(event, language=language, now=event.created_at)
    return "sent" if flags else "no warning"


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
    message.send()  # an SMTP error raises: the task is retried
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


def _log_alert(event: SecurityEvent, flags: list[Flag]) -> None:
    """Säkerhetslogg: "Alert about a new sign-in sent", with the sign-in's own snapshot."""
    SecurityEvent.objects.create(
        user_id=event.user_id,
        kind=EventKind.NEW_SIGN_IN_ALERT,
        session_public_id=event.session_public_id,
        details={"sign_in_event": event.pk, "reasons": [str(flag.kind) for flag in flags]},
        **{field: getattr(event, field) for field in SNAPSHOT_FIELDS},
    )
