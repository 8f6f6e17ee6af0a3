"""The monthly reminder to review your sessions: opt in, opt out, and the email.

The help article recommends checking your sessions "Månadsvis – som en regelbunden
säkerhetsrutin". Whoever asks for it gets, once a month, an email listing the devices signed in
right now, a link to Enhetsaktivitet and a one-click unsubscribe link. ``manage.py
send_session_reminders`` (daily, from cron) enqueues one task per account that is due; the
worker (``manage.py worker``) sends it, retrying with back-off. A task claims its reminder with one conditional
UPDATE, so two cron runs or two workers never send the same month twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from account_security.models import ReviewReminder
from account_security.presentation import activity_label
from background.retry import retrying_task
from sessions_ui.devices import snapshot_title
from sessions_ui.geo import location_label
from sessions_ui.models import Session

INTERVAL = timedelta(days=30)


def turn_reminders_on(user) -> ReviewReminder:
    reminder, _created = ReviewReminder.objects.get_or_create(user=user)
    return reminder


def turn_reminders_off(user) -> bool:
    return bool(ReviewReminder.objects.filter(user=user).delete()[0])


def unsubscribe(token) -> bool:
    """The one-click link: True if a reminder was turned off (an unknown token: False)."""
    return bool(ReviewReminder.objects.filter(token=token).delete()[0])


def due_reminders(now: datetime | None = None) -> QuerySet[ReviewReminder]:
    """Reminders never sent, or last sent a month ago or more."""
    now = now or timezone.now()
    return ReviewReminder.objects.filter(
        Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - INTERVAL)
    )


def enqueue_due_reminders(now: datetime | None = None) -> int:
    ids = list(due_reminders(now).values_list("pk", flat=True))
    for pk in ids:
        send_review_reminder.enqueue(pk)
    return len(ids)


@retrying_task
def send_review_reminder(reminder_id: int) -> bool:
    """The worker's side: claim this month's reminder, then send it. False if not due.

    Claim and send are one transaction: a mail server that refuses rolls the claim back, so
    the retry (``background.retry``) finds the reminder still due instead of lost; the claimed
    row stays locked while sending, so a second worker with the same task waits, then skips."""
    now = timezone.now()
    with transaction.atomic():
        claimed = due_reminders(now).filter(pk=reminder_id).update(last_sent_at=now)
        if not claimed:
            return False
        reminder = ReviewReminder.objects.select_related("user").get(pk=reminder_id)
        if not reminder.user.email:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            reminder_message(reminder, now).send()
    return True


def reminder_message(reminder: ReviewReminder, now: datetime) -> EmailMessage:
    sessions = Session.objects.of_user(reminder.user).order_by("-last_activity")
    devices = [
        {
            "title": snapshot_title(row),
            "location": location_label(row.country_code, row.city),
            "ip": row.ip or "–",
            "last_activity": activity_label(row.last_activity, now),
        }
        for row in sessions
    ]
    unsubscribe_url = settings.SITE_URL + reverse(
        "review_reminder_unsubscribe", args=[reminder.token]
    )
    body = render_to_string(
        "account_security/email/review_reminder.txt",
        {
            "devices": devices,
            "devices_url": settings.SITE_URL + reverse("account_security:devices"),
            "unsubscribe_url": unsubscribe_url,
            "support_email": settings.SUPPORT_EMAIL,
        },
    )
    return EmailMessage(
        subject=_("Review the devices signed in to your PixelUnion account"),
        body=body.strip() + "\n",
        to=[reminder.user.email],
        # RFC 8058: mail programs offer their own one-click "unsubscribe" button.
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
