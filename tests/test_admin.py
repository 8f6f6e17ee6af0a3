"""Support ends a user's sessions in the admin (the seed's "Kontakta support" path)."""

from __future__ import annotations

import pytest
from django.test import Client

from sessions_ui.keys import hash_key
from sessions_ui.models import Session
from tests.conftest import make_account, sign_in

pytestmark = pytest.mark.django_db

LIST = "/admin/sessions_ui/session/"


@pytest.fixture
def staff(db) -> Client:
    admin = make_account("support@pixelunion.example")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return sign_in(admin.email)


def test_staff_find_sessions_by_email_without_seeing_keys(staff, user, browser):
    response = staff.get(LIST, {"q": user.email})
    html = response.content.decode()
    assert response.status_code == 200
    assert user.email in html and "Chrome" in html
    key = browser.cookies["sessionid"].value
    assert key not in html and hash_key(key) not in html
    row = Session.objects.get(user=user)
    detail = staff.get(f"{LIST}{row.pk}/change/").content.decode()
    assert hash_key(key) not in detail and "session_data" not in detail


def test_staff_end_selected_sessions_and_the_device_is_signed_out(staff, user, browser):
    row = Session.objects.get(user=user)
    response = staff.post(
        LIST, {"action": "end_sessions", "_selected_action": [row.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not Session.objects.filter(pk=row.pk).exists()
    assert browser.get("/account/security/").status_code == 302


def test_no_add_or_edit(staff):
    assert staff.get(f"{LIST}add/").status_code == 403


def test_non_staff_cannot_reach_the_admin(browser):
    response = browser.get(LIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_see_answers_about_flagged_sign_ins(staff, user, browser, phone):
    from account_security.models import SignInReview

    target = Session.objects.get(key_hash=hash_key(phone.cookies["sessionid"].value)).public_id
    browser.post(f"/account/security/devices/{target}/it-was-me/")
    response = staff.get("/admin/account_security/signinreview/", {"q": user.email})
    assert response.status_code == 200
    assert str(target) in response.content.decode()
    assert SignInReview.objects.get().session_public_id == target
