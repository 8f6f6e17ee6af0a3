"""End to end: sign in to the Immich stand-in through PixelUnion, see the session in
Enhetsaktivitet, end it here in every way there is, and Immich has deleted it."""

from __future__ import annotations

import time

import pytest
from django.utils import translation

from accounts.models import EventKind, SecurityEvent
from immich.models import Authorization, LogoutDelivery
from immich.sync import sync_user
from sessions_ui.models import ClientKind, Session
from tests import agents
from tests.conftest import sign_in
from tests.immich_support import ANDROID_APP, immich_sign_in, run_worker

pytestmark = pytest.mark.django_db(transaction=True)
DEVICES = "/account/security/devices/"


def immich_row(user) -> Session:
    return Session.objects.get(user=user, client=ClientKind.IMMICH)


def signed_in_app(immich, user):
    """Anna's Immich app on a Pixel 8, signed in through PixelUnion, and synced."""
    phone_browser = sign_in(user.email, user_agent=agents.SAFARI_IPHONE.replace("iPhone", "Linux; Android 14; Pixel 8"))
    login = immich_sign_in(immich, phone_browser, mobile=True, headers=ANDROID_APP)
    assert immich.accepts(login["accessToken"])
    sync_user(user)
    return login


def test_the_app_session_is_listed_as_its_own_device(immich, user):
    browser = sign_in(user.email)
    signed_in_app(immich, user)
    with translation.override("sv"):
        html = browser.get(DEVICES, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    row = immich_row(user)
    assert row.app_version == "3.2.2" and row.device_model == "Pixel 8" and row.os == "Android"
    assert "Immich-mobilappen på Android · Pixel 8 · v3.2.2" in html
    assert "data-immich" in html


@pytest.mark.parametrize("how", ["one", "others", "password", "not_me"])
def test_every_way_of_ending_it_ends_it_in_immich(immich, user, password, how):
    browser = sign_in(user.email)
    login = signed_in_app(immich, user)
    row = immich_row(user)
    if how == "one":
        assert browser.post(f"{DEVICES}{row.public_id}/sign-out/").status_code == 302
    elif how == "others":
        assert browser.post(f"{DEVICES}sign-out-others/").status_code == 302
    elif how == "password":
        new = "Ett helt nytt lösenord 99"
        browser.post("/accounts/password/change/", {"oldpassword": password, "password1": new, "password2": new})
    else:
        browser.post(f"{DEVICES}{row.public_id}/not-me/")
    assert not Session.objects.filter(public_id=row.public_id).exists()
    assert LogoutDelivery.objects.get().state == LogoutDelivery.State.PENDING
    run_worker()
    assert LogoutDelivery.objects.get().state == LogoutDelivery.State.DELIVERED
    assert not immich.accepts(login["accessToken"]), "Immich still accepts the ended session"
    assert immich.logout_tokens[-1]["sid"] == str(row.public_id)
    assert immich.logout_tokens[-1]["sub"] == str(user.pk)


def test_staff_ending_it_in_the_admin_ends_it_in_immich(immich, user, admin_client):
    login = signed_in_app(immich, user)
    row = immich_row(user)
    admin_client.post("/admin/sessions_ui/session/", {"action": "end_sessions", "_selected_action": [row.pk]})
    if Session.objects.filter(pk=row.pk).exists():  # the admin's action asks first
        admin_client.post("/admin/sessions_ui/session/", {"action": "end_sessions", "_selected_action": [row.pk], "post": "yes"})
    assert not Session.objects.filter(pk=row.pk).exists()
    run_worker()
    assert not immich.accepts(login["accessToken"])


def test_only_the_ended_session_goes(immich, user):
    browser = sign_in(user.email)
    first = immich_sign_in(immich, sign_in(user.email))
    second = immich_sign_in(immich, sign_in(user.email))
    ended = Session.objects.get(public_id=first["_claims"]["sid"])
    browser.post(f"{DEVICES}{ended.public_id}/sign-out/")
    run_worker()
    assert not immich.accepts(first["accessToken"])
    assert immich.accepts(second["accessToken"])


def test_immich_down_then_up_delivers_with_a_fresh_token(immich, user):
    browser = sign_in(user.email)
    login = signed_in_app(immich, user)
    row = immich_row(user)
    immich.stop()
    browser.post(f"{DEVICES}{row.public_id}/sign-out/")
    run_worker()  # refused: connection refused
    delivery = LogoutDelivery.objects.get()
    assert delivery.state == LogoutDelivery.State.PENDING and delivery.attempts == 1
    assert delivery.last_error
    immich.start()  # same port
    time.sleep(1.2)  # the back-off (BACKCHANNEL_FIRST_DELAY = 1 s here)
    run_worker()
    delivery.refresh_from_db()
    assert delivery.state == LogoutDelivery.State.DELIVERED and delivery.attempts == 2
    assert not immich.accepts(login["accessToken"])
    assert immich.rejected == []


def test_a_delivery_that_never_succeeds_is_in_the_security_log(immich, user, settings):
    settings.BACKCHANNEL_ATTEMPTS = 2
    settings.BACKCHANNEL_FIRST_DELAY = 0
    browser = sign_in(user.email)
    signed_in_app(immich, user)
    row = immich_row(user)
    immich.stop()
    browser.post(f"{DEVICES}{row.public_id}/sign-out/")
    run_worker()
    run_worker()
    assert LogoutDelivery.objects.get().state == LogoutDelivery.State.FAILED
    event = SecurityEvent.objects.get(kind=EventKind.APP_SIGN_OUT_FAILED)
    assert event.details["session"] == str(row.public_id) and event.details["attempts"] == 2
    assert 'data-event="app_sign_out_failed"' in browser.get("/account/security/log/").content.decode()


def test_signing_out_in_immich_removes_it_from_the_list(immich, user):
    login = signed_in_app(immich, user)
    row = immich_row(user)
    import requests

    requests.post(f"{immich.url}/api/auth/logout", headers={"Authorization": f"Bearer {login['accessToken']}"}, timeout=5)
    result = sync_user(user)
    assert [s.public_id for s in result.ended] == [row.public_id]
    assert not Session.objects.filter(client=ClientKind.IMMICH).exists()
    assert not Authorization.objects.exists()
