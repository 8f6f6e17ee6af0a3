"""Which Immich session is which sid row: time, device, order (immich.linking)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from immich.api import ImmichSession
from immich.linking import match
from immich.models import Authorization
from tests import agents
from tests.conftest import sign_in
from tests.immich_support import ANDROID_APP, immich_sign_in

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ANDROID_BROWSER = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"


def auth(pk, seconds, *, mobile, ua):
    return Authorization(pk=pk, grant_id=str(pk), user_id=1, exchanged_at=T0 + timedelta(seconds=seconds), mobile=mobile, user_agent=ua)


def immich_session(id, seconds, *, app_version="", os=""):
    at = T0 + timedelta(seconds=seconds)
    return ImmichSession(id=id, created_at=at, updated_at=at, device_type="Pixel 8" if app_version else "Chrome", device_os=os, app_version=app_version)


class TestMatch:
    def test_overlapping_sign_ins_are_told_apart_by_device(self):
        web = auth(1, 0, mobile=False, ua=agents.CHROME_WINDOWS)
        app = auth(2, 1, mobile=True, ua=ANDROID_BROWSER)
        # Immich answered the app's callback first.
        pairs = match([web, app], [immich_session("s-app", 1.5, app_version="3.2.2", os="Android"), immich_session("s-web", 2, os="Windows")])
        assert pairs[1].id == "s-web" and pairs[2].id == "s-app"

    def test_look_alike_sign_ins_pair_in_order(self):
        a = auth(1, 0, mobile=True, ua=ANDROID_BROWSER)
        b = auth(2, 3, mobile=True, ua=ANDROID_BROWSER)
        pairs = match([b, a], [immich_session("second", 3.4, app_version="3.2.2", os="Android"), immich_session("first", 0.4, app_version="3.2.2", os="Android")])
        assert pairs[1].id == "first" and pairs[2].id == "second"

    def test_the_os_must_agree(self):
        iphone = auth(1, 0, mobile=True, ua=agents.SAFARI_IPHONE)
        assert match([iphone], [immich_session("android", 1, app_version="3.2.2", os="Android")]) == {}

    def test_an_older_session_is_not_this_sign_in(self):
        a = auth(1, 0, mobile=False, ua=agents.CHROME_WINDOWS)
        assert match([a], [immich_session("old", -3600, os="Windows"), immich_session("late", 600, os="Windows")]) == {}


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_real_sign_ins_link_to_their_own_immich_sessions(immich, user):
    from immich.sync import sync_user
    from sessions_ui.models import ClientKind, Session

    laptop = immich_sign_in(immich, sign_in(user.email), headers={"User-Agent": agents.CHROME_WINDOWS})
    phone = immich_sign_in(immich, sign_in(user.email, user_agent=ANDROID_BROWSER), mobile=True, headers=ANDROID_APP)
    assert sync_user(user).linked == 2
    app_row = Session.objects.get(public_id=phone["_claims"]["sid"])
    web_row = Session.objects.get(public_id=laptop["_claims"]["sid"])
    assert (app_row.device_kind, app_row.device_model, app_row.app_version) == ("app", "Pixel 8", "3.2.2")
    assert (web_row.browser, web_row.os) == ("Chrome", "Windows")
    by_sid = {s.oauth_sid: s.id for s in immich.sessions.values()}
    assert Authorization.objects.get(session_public_id=app_row.public_id).immich_session_id == by_sid[str(app_row.public_id)]
    assert Authorization.objects.get(session_public_id=web_row.public_id).immich_session_id == by_sid[str(web_row.public_id)]
    assert Session.objects.filter(client=ClientKind.IMMICH).count() == 2
