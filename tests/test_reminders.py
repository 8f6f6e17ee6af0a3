"""The monthly reminder to review your sessions: opt in on Enhetsaktivitet, the email with the
devices, the one-click unsubscribe link, and at most one email a month (the real task worker)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from account_security.models import ReviewReminder
from tests import agents
from tests.task_worker import run_worker

# The real worker closes its database connection when done: transactional tests, as for Immich.
pytestmark = pytest.mark.django_db(transaction=True)

DEVICES = "/account/security/devices/"
SUBJECT = "Granska enheterna som är inloggade på ditt PixelUnion-konto"


def reminders(outbox) -> list:
    """The reminders among the emails (the phone's sign-in from Germany sends an alert too)."""
    return [mail for mail in outbox if mail.subject == SUBJECT]


def send_due() -> None:
    call_command("send_session_reminders", verbosity=0)
    run_worker()


def test_opting_in_on_the_device_page(user, browser):
    assert 'data-reminder="off"' in browser.get(DEVICES).content.decode()
    response = browser.post("/account/security/reminders/", {"reminder": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == DEVICES
    assert ReviewReminder.objects.filter(user=user).exists()
    assert 'data-reminder="on"' in response.content.decode()
    browser.post("/account/security/reminders/", {})
    assert not ReviewReminder.objects.filter(user=user).exists()


def test_nobody_gets_it_without_asking(user, browser, mailoutbox):
    send_due()
    assert reminders(mailoutbox) == []


def test_the_email_lists_the_devices_and_comes_once_a_month(user, browser, phone, mailoutbox):
    browser.post("/account/security/reminders/", {"reminder": "on"})
    send_due()
    send_due()  # cron twice the same day: still one email
    assert len(reminders(mailoutbox)) == 1
    mail = reminders(mailoutbox)[0]
    assert mail.to == [user.email]
    assert "Chrome på Windows" in mail.body and "Safari på iPhone" in mail.body
    assert agents.IP_GERMANY in mail.body and "Tyskland" in mail.body
    assert "http://localhost/account/security/devices/" in mail.body or DEVICES in mail.body
    link = re.search(r"https?://\S+/reminders/unsubscribe/[0-9a-f-]+/", mail.body).group(0)
    assert mail.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    ReviewReminder.objects.update(last_sent_at=timezone.now() - timedelta(days=31))
    send_due()
    assert len(reminders(mailoutbox)) == 2


def test_the_unsubscribe_link_works_in_one_click_without_signing_in(user, browser, client):
    browser.post("/account/security/reminders/", {"reminder": "on"})
    token = ReviewReminder.objects.get(user=user).token
    url = f"/account/security/reminders/unsubscribe/{token}/"
    assert client.get(url).status_code == 200  # a page with the button; nothing changed yet
    assert ReviewReminder.objects.exists()
    response = client.post(url)  # the button, or the mail program (RFC 8058)
    assert response.status_code == 200 and "data-unsubscribed" in response.content.decode()
    assert not ReviewReminder.objects.exists()
    assert client.post(url).status_code == 404
    assert client.get("/account/security/reminders/unsubscribe/not-a-token/").status_code == 404


def test_a_mail_server_that_is_down_loses_no_reminder(user, browser, settings, mailoutbox):
    """The claim of the month is rolled back with the failed send, and the retry delivers it."""
    from tests.task_worker import FAILED, READY, results

    browser.post("/account/security/reminders/", {"reminder": "on"})
    settings.EMAIL_BACKEND = "tests.test_alerts.BrokenBackend"
    send_due()
    assert reminders(mailoutbox) == []
    failed, retry = results("send_review_reminder")[-2:]
    assert failed.status == FAILED and retry.status == READY
    assert ReviewReminder.objects.get().last_sent_at is None  # still due
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retry.run_after = timezone.now()
    retry.save(update_fields=["run_after"])
    run_worker()
    assert len(reminders(mailoutbox)) == 1
