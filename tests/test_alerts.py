"""Ny inloggning på ditt PixelUnion-konto: one email for a sign-in from a new device or place,
with the right facts; none for a known device and place; never a broken sign-in."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client

from account_security import alerts
from accounts.models import EventKind, SecurityEvent
from sessions_ui.keys import hash_key
from sessions_ui.models import Session
from tests import agents
from tests.conftest import PASSWORD
from tests.task_worker import FAILED, READY, SUCCESSFUL, results, run_worker, statuses

# transaction=True: the alert is a task the real worker runs; it commits, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # 13:00 in Stockholm, 12:00 in London
SUBJECT_EN = "New sign-in to your PixelUnion account"


class BrokenBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")


@pytest.fixture
def signs_in(django_capture_on_commit_callbacks):
    """Sign in through the login form; after the commit the alert is queued, and the worker runs."""

    def sign_in(
        email: str,
        *,
        user_agent: str = agents.CHROME_WINDOWS,
        ip: str = agents.IP_STOCKHOLM,
        language: str = "en",
    ) -> Client:
        browser = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=language)
        with django_capture_on_commit_callbacks(execute=True):
            response = browser.post("/accounts/login/", {"login": email, "password": PASSWORD})
        assert response.status_code == 302, response.content[:300]
        run_worker()
        return browser

    return sign_in


def body_lines(message) -> set[str]:
    return {line.strip() for line in message.body.splitlines()}


def test_first_sign_in_of_a_new_account_sends_nothing(user, signs_in):
    signs_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    assert mail.outbox == []


def test_known_device_and_place_send_nothing(user, signs_in):
    signs_in(user.email)
    signs_in(user.email)
    signs_in(user.email, language="sv")
    assert mail.outbox == []
    assert not SecurityEvent.objects.filter(kind=EventKind.NEW_SIGN_IN_ALERT).exists()


def test_new_device_and_place_send_one_email_with_the_facts(user, signs_in):
    with time_machine.travel(T0 - timedelta(days=3), tick=False):
        signs_in(user.email)
    with time_machine.travel(T0, tick=False):
        phone = signs_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == SUBJECT_EN
    assert message.to == [user.email]
    lines = body_lines(message)
    assert "Device: Safari on iPhone" in lines
    assert "Approximate location: Germany" in lines
    assert "IP address: 5.9.0.1" in lines
    # The German address has no time zone in the database: the site's (Stockholm) is used.
    assert "Time: Nov. 27, 2026, 1 p.m. (Europe/Stockholm)" in lines
    assert "- New place: first sign-in from Germany" in lines
    assert "- Unknown device: first sign-in with Safari on iPhone" in lines
    assert "Device activity: https://testserver/account/security/devices/" in lines
    # Säkerhetslogg: the alert, for the session that signed in.
    alert = SecurityEvent.objects.get(kind=EventKind.NEW_SIGN_IN_ALERT)
    session = Session.objects.get(key_hash=hash_key(phone.cookies["sessionid"].value))
    assert alert.session_public_id == session.public_id
    assert alert.ip == agents.IP_GERMANY and alert.country_code == "DE"
    assert alert.details["reasons"] == ["new_place", "new_device"]
    assert phone.get("/account/security/log/").status_code == 200  # Säkerhetslogg shows it


def test_time_is_in_the_time_zone_of_the_place_and_the_language_of_the_sign_in(user, signs_in):
    with time_machine.travel(T0 - timedelta(days=3), tick=False):
        signs_in(user.email)
    with time_machine.travel(T0, tick=False):
        signs_in(user.email, user_agent=agents.FIREFOX_LINUX, ip=agents.IP_BRITAIN, language="sv")
    [message] = mail.outbox
    assert "27 november 2026 12:00 (Europe/London)" in message.body
    assert "Willesden, Storbritannien" in message.body


def test_a_new_device_at_home_is_a_quiet_note_not_an_email(user, signs_in):
    signs_in(user.email)
    signs_in(user.email, user_agent=agents.SAFARI_IPHONE)  # a new phone, at home
    assert mail.outbox == []
    assert not SecurityEvent.objects.filter(kind=EventKind.NEW_SIGN_IN_ALERT).exists()


def test_a_new_device_abroad_is_worth_an_email_and_then_not_again_once_confirmed(user, signs_in):
    with time_machine.travel(T0 - timedelta(days=3), tick=False):
        signs_in(user.email)
    with time_machine.travel(T0, tick=False):
        phone = signs_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
        assert [m.subject for m in mail.outbox] == [SUBJECT_EN]
        # "Det var jag": the iPhone in Germany is the account's own from now on.
        session = Session.objects.get(key_hash=hash_key(phone.cookies["sessionid"].value))
        url = f"/account/security/devices/{session.public_id}/it-was-me/"
        assert phone.post(url).status_code == 302
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        signs_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    assert len(mail.outbox) == 1


def test_impossible_travel_from_an_ended_session_is_worth_an_email(user, signs_in):
    """Sign-in events keep coordinates: travel is measured from sessions that have ended."""
    with time_machine.travel(T0 - timedelta(minutes=30), tick=False):
        home = signs_in(user.email)
        home.post("/accounts/logout/")
    assert not Session.objects.filter(user=user).exists()
    with time_machine.travel(T0, tick=False):
        signs_in(user.email, ip=agents.IP_GERMANY)  # the usual browser, 1,000 km in 30 minutes
    [message] = mail.outbox
    assert "- Impossible travel: 1,043 km from Stockholm, Sweden in 30" in message.body


def test_with_2fa_the_email_waits_for_the_code(user, signs_in, django_capture_on_commit_callbacks):
    from tests.two_factor_support import CODE_STEP, add_authenticator, code_for

    signs_in(user.email)
    device = add_authenticator(user)
    browser = signs_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    assert mail.outbox == [], "the password alone is not a sign-in yet"
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post(CODE_STEP, {"code": code_for(device)}).status_code == 302
    run_worker()
    assert [m.subject for m in mail.outbox] == [SUBJECT_EN]


def test_app_sign_in_through_the_api_sends_the_email(
    user, signs_in, django_capture_on_commit_callbacks
):
    from tests.api_support import APP_HEADERS, login

    signs_in(user.email)
    app = Client(
        HTTP_USER_AGENT=agents.IMMICH_ANDROID,
        REMOTE_ADDR=agents.IP_GERMANY,
        headers={**APP_HEADERS, "Accept-Language": "en"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = login(app, user.email)
    assert response.status_code == 201
    run_worker()
    [message] = mail.outbox
    assert "Device: Immich mobile app on Android · Pixel 8" in body_lines(message)


def test_a_mail_server_that_is_down_never_breaks_the_sign_in_and_is_retried(
    user, signs_in, settings, caplog
):
    with time_machine.travel(T0 - timedelta(days=3), tick=False):
        signs_in(user.email)
    settings.EMAIL_BACKEND = "tests.test_alerts.BrokenBackend"
    with time_machine.travel(T0, tick=False):
        with caplog.at_level(logging.WARNING, logger="background.retry"):
            phone = signs_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
        assert phone.get("/account/security/").status_code == 200  # signed in all the same
    assert mail.outbox == []
    assert "send_sign_in_alert failed (attempt 1 of 8, ConnectionRefusedError)" in caplog.text
    failed, retry = results("send_sign_in_alert")[-2:]
    assert failed.status == FAILED and "SMTP server unreachable" in failed.traceback
    assert retry.status == READY and retry.run_after == T0 + timedelta(seconds=30)
    assert retry.args_kwargs["kwargs"] == {"attempt": 2}
    # Not before it is due; then the mail server is back.
    with time_machine.travel(T0 + timedelta(seconds=20), tick=False):
        run_worker()
    retry.refresh_from_db()
    assert retry.status == READY and mail.outbox == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(T0 + timedelta(seconds=31), tick=False):
        run_worker()
    retry.refresh_from_db()
    assert retry.status == SUCCESSFUL and retry.return_value == "sent"
    assert [m.subject for m in mail.outbox] == [SUBJECT_EN]
    assert SecurityEvent.objects.filter(kind=EventKind.NEW_SIGN_IN_ALERT).count() == 1


def test_the_retries_back_off_and_then_give_up(user, signs_in, settings, caplog):
    settings.TASK_RETRY_ATTEMPTS = 3
    with time_machine.travel(T0 - timedelta(days=3), tick=False):
        signs_in(user.email)
    settings.EMAIL_BACKEND = "tests.test_alerts.BrokenBackend"
    with time_machine.travel(T0, tick=False):
        signs_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    with caplog.at_level(logging.WARNING, logger="background.retry"):
        with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
            run_worker()  # attempt 2
        with time_machine.travel(T0 + timedelta(seconds=90), tick=False):
            run_worker()  # attempt 3, the last
        with time_machine.travel(T0 + timedelta(days=1), tick=False):
            run_worker()  # nothing left
    rows = results("send_sign_in_alert")[-3:]
    assert [row.status for row in rows] == [FAILED, FAILED, FAILED]
    # 30 s after the first failure, 60 s after the second.
    assert [row.run_after - T0 for row in rows[1:]] == [timedelta(seconds=30), timedelta(seconds=90)]
    assert "send_sign_in_alert gave up after 3 attempts: ConnectionRefusedError" in caplog.text
    assert mail.outbox == []


def test_the_alert_is_a_row_in_the_database_until_a_worker_runs_it(user, signs_in, django_capture_on_commit_callbacks):
    """A sign-in does no SMTP: it leaves a READY task, which survives any process."""
    signs_in(user.email)
    browser = Client(HTTP_USER_AGENT=agents.SAFARI_IPHONE, REMOTE_ADDR=agents.IP_GERMANY,
                     HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert mail.outbox == []
    assert statuses("send_sign_in_alert")[-1] == READY
    run_worker()
    assert [m.subject for m in mail.outbox] == [SUBJECT_EN]


def test_run_twice_it_sends_once(user, signs_in):
    signs_in(user.email)
    signs_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    assert len(mail.outbox) == 1
    event = SecurityEvent.objects.filter(kind=EventKind.SIGN_IN).latest("pk")
    assert alerts.send_sign_in_alert.call(event.pk, "en") == "already sent"
    assert len(mail.outbox) == 1


def test_an_error_while_preparing_the_alert_never_breaks_the_sign_in(
    user, signs_in, settings, caplog
):
    settings.RISK_HISTORY_DAYS = "a year"  # a broken setting: the alert fails, not the sign-in
    signs_in(user.email)
    with caplog.at_level(logging.WARNING, logger="background.retry"):
        phone = signs_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    session = Session.objects.get(key_hash=hash_key(phone.cookies["sessionid"].value))
    assert session.user_id == user.pk  # signed in all the same
    assert "send_sign_in_alert failed (attempt 1 of 8, TypeError)" in caplog.text
    assert mail.outbox == []


def test_alerts_can_be_turned_off(user, signs_in, settings):
    settings.SIGN_IN_ALERTS = False
    signs_in(user.email)
    signs_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    assert mail.outbox == []
