"""Sign-in with 2FA: password, then the code step; until then the session is signed in for
nothing else, on every path (pages, admin, API)."""

from __future__ import annotations

import pytest
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.translation import gettext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from accounts.middleware import TwoFactorMiddleware
from accounts.models import EventKind, SecurityEvent
from sessions_ui.keys import hash_key
from sessions_ui.models import Session
from sessions_ui.revocation import session_store_class
from tests import agents
from tests.conftest import browser_fingerprint_of, make_account, sign_in
from tests.two_factor_support import BACKUP_CODES, CODE_STEP, add_authenticator, code_for

pytestmark = pytest.mark.django_db

HUB = "/account/security/"


@pytest.fixture
def device(user):
    return add_authenticator(user)


@pytest.fixture
def half(user, device) -> Client:
    """Anna's browser after the right password, before the code."""
    return sign_in(user.email)


def session_row(browser: Client) -> Session:
    return Session.objects.get(key_hash=hash_key(browser.cookies["sessionid"].value))


@pytest.mark.parametrize(
    "path",
    [
        HUB,
        "/account/security/devices/",
        "/account/security/log/",
        "/account/security/confirm-password/",
        "/account/security/two-factor/disable/",
        "/accounts/password/change/",
        "/accounts/email/",
        "/accounts/login/",
        "/admin/",
        "/admin/accounts/securityevent/",
    ],
)
def test_before_the_code_every_page_sends_to_the_code_step(half, path):
    response = half.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(CODE_STEP + "?next=")


def test_before_the_code_a_post_changes_nothing(user, half, phone):
    target = session_row(phone).public_id
    response = half.post(f"/account/security/devices/{target}/sign-out/")
    assert response.status_code == 302 and response["Location"].startswith(CODE_STEP)
    assert Session.objects.filter(public_id=target).exists()


def test_before_the_code_the_admin_treats_a_superuser_as_signed_out(db):
    boss = make_account("boss@pixelunion.example")
    boss.is_staff = boss.is_superuser = True
    boss.save()
    add_authenticator(boss)
    browser = sign_in(boss.email)
    response = browser.get("/admin/sessions_ui/session/")
    assert response.status_code == 302 and "/admin/" not in response["Location"].split("?")[0]
    # Even straight to the admin's own (replaced) login page: no way round the code.
    assert browser.get("/admin/login/")["Location"].startswith(CODE_STEP)


def test_the_api_sees_no_user_before_the_code(half, device):
    """A cookie of a half-signed-in session gives the API no user (and no redirect)."""
    seen = []

    def view(request):
        seen.append((request.user.is_authenticated, request.user.is_anonymous))
        return HttpResponse("ok")

    chain = AuthenticationMiddleware(OTPMiddleware(TwoFactorMiddleware(view)))

    def call(path):
        request = RequestFactory().get(path)
        request.session = session_store_class()(half.cookies["sessionid"].value)
        return chain(request)

    assert call("/api/sessions").status_code == 200
    assert seen == [(False, True)]
    assert call("/account/security/").status_code == 302
    half.post(CODE_STEP, {"code": code_for(device)})
    assert call("/api/sessions").status_code == 200
    assert seen[-1] == (True, False)


def test_the_code_step_signs_in_rotates_the_key_and_is_logged(user, half, device):
    before = half.cookies["sessionid"].value
    row = session_row(half)
    response = half.post(CODE_STEP + "?next=/account/security/log/", {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/account/security/log/"
    after = half.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(key_hash=hash_key(before)).exists()
    assert session_row(half).public_id == row.public_id  # same session, new key
    assert half.get(HUB).status_code == 200
    event = SecurityEvent.objects.get(user=user, kind=EventKind.SIGN_IN)
    assert event.details == {"method": "totp", "browser": browser_fingerprint_of(half)}
    assert event.session_public_id == row.public_id
    assert event.ip == agents.IP_STOCKHOLM and event.browser == "Chrome"


def test_the_password_alone_is_not_logged_as_a_sign_in(user, half):
    assert not SecurityEvent.objects.filter(user=user, kind=EventKind.SIGN_IN).exists()


def test_a_wrong_code_is_refused_logged_and_throttled(user, half, device):
    right = code_for(device)
    wrong = "000000" if right != "000000" else "111111"
    response = half.post(CODE_STEP, {"code": wrong})
    assert response.status_code == 200
    assert half.get(HUB).status_code == 302
    failed = SecurityEvent.objects.get(user=user, kind=EventKind.SIGN_IN_FAILED)
    assert failed.details == {"step": "code", "purpose": "sign_in"}
    throttled = half.post(CODE_STEP, {"code": right})
    assert throttled.status_code == 429
    with translation.override("sv"):
        assert (
            gettext("Too many wrong codes. Wait %(seconds)d second and try again.").split("%")[0]
            in throttled.content.decode()
        )


def test_a_backup_code_signs_in_once(user, device, phone):
    # ``phone`` signed in before 2FA was on: it owes a code now too.
    assert phone.get(HUB).status_code == 302
    response = phone.post(CODE_STEP, {"code": BACKUP_CODES[5]})
    assert response.status_code == 302
    assert phone.get(HUB).status_code == 200
    second = sign_in(user.email, user_agent=agents.FIREFOX_LINUX)
    assert second.post(CODE_STEP, {"code": BACKUP_CODES[5]}).status_code == 200
    assert second.get(HUB).status_code == 302
    kinds = list(SecurityEvent.objects.filter(user=user).values_list("kind", flat=True))
    assert kinds.count(EventKind.BACKUP_CODE_USED) == 1


def test_signing_out_half_way_wipes_the_session(user, half):
    row = session_row(half)
    response = half.post("/accounts/logout/")
    assert response.status_code == 302
    assert not Session.objects.filter(pk=row.pk).exists()
    assert half.get(CODE_STEP).status_code == 302  # to the login page now
    assert half.get(HUB)["Location"].startswith("/accounts/login/")
    assert SecurityEvent.objects.filter(user=user, kind=EventKind.SIGN_OUT).count() == 1


def test_the_code_step_is_for_half_signed_in_sessions_only(user, client):
    assert client.get(CODE_STEP)["Location"] == "/accounts/login/"
    browser = sign_in(user.email)  # no 2FA on this account
    assert browser.get(CODE_STEP + "?next=/account/security/log/")["Location"] == (
        "/account/security/log/"
    )
    # next never leaves the site
    assert browser.get(CODE_STEP + "?next=https://evil.example/")["Location"] == HUB


def test_a_signed_in_session_keeps_its_device_id_for_django_otp(user, half, device):
    half.post(CODE_STEP, {"code": code_for(device)})
    assert half.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_failed_password_is_logged_on_the_account(user, client):
    client.post("/accounts/login/", {"login": user.email, "password": "fel lösenord"})
    client.post("/accounts/login/", {"login": "nobody@example.com", "password": "x"})
    event = SecurityEvent.objects.get(kind=EventKind.SIGN_IN_FAILED)
    assert event.user == user and event.details == {"step": "password"}


def test_sign_in_and_sign_out_without_2fa_are_logged(user):
    browser = sign_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    row = session_row(browser)
    browser.post("/accounts/logout/")
    sign_in_event, sign_out_event = SecurityEvent.objects.filter(user=user).order_by("id")
    assert sign_in_event.kind == EventKind.SIGN_IN and sign_in_event.details == {
        "method": "password",
        "browser": browser_fingerprint_of(browser),
    }
    assert sign_out_event.kind == EventKind.SIGN_OUT
    for event in (sign_in_event, sign_out_event):
        assert event.session_public_id == row.public_id
        assert event.country_code == "DE" and event.device_model == "iPhone"


def test_enforcing_2fa_costs_no_query_of_its_own(user, browser):
    """The 2FA status comes with the query that loads the user (accounts.backends)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser.get("/account/security/devices/")
    with CaptureQueriesContext(connection) as queries:
        assert browser.get("/account/security/devices/").status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    with_devices = [s for s in sql if "otp_totp_totpdevice" in s]
    assert len(with_devices) == 1 and '"auth_user"' in with_devices[0]


def test_signed_in_is_said_only_after_the_code(user, device):
    from django.utils.translation import gettext

    with translation.override("sv"):
        said = gettext("Successfully signed in as %(name)s.").split("%")[0]
    browser = sign_in(user.email)
    code_page = browser.get(CODE_STEP).content.decode()
    assert said not in code_page
    response = browser.post(CODE_STEP, {"code": code_for(device)}, follow=True)
    assert said in response.content.decode()


class TestAmrOf:
    @pytest.mark.parametrize(
        "method, amr",
        [
            ("password", ["pwd"]),
            ("totp", ["pwd", "otp", "mfa"]),
            ("backup_code", ["pwd", "otp", "mfa"]),
            ("passkey", ["pwd", "hwk", "user", "mfa"]),
            ("passkey_only", ["hwk", "user", "mfa"]),
        ],
    )
    def test_each_method_has_its_rfc_8176_values(self, method, amr):
        from accounts.sign_in import SIGN_IN_METHOD_SESSION_KEY, amr_of

        assert amr_of({SIGN_IN_METHOD_SESSION_KEY: method}) == amr

    @pytest.mark.parametrize("session", [None, {}, {"accounts_sign_in_method": "magic"}])
    def test_an_unknown_or_missing_method_says_nothing(self, session):
        from accounts.sign_in import amr_of

        assert amr_of(session) is None

    def test_a_password_sign_in_keeps_its_method_in_the_session(self, user):
        from accounts.sign_in import SIGN_IN_METHOD_SESSION_KEY

        browser = sign_in(user.email)
        assert browser.session[SIGN_IN_METHOD_SESSION_KEY] == "password"
