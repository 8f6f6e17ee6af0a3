"""Enhetsaktivitet as a user sees it: the list, Logga ut, Logga ut från alla enheter."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from sessions_ui.models import Session
from tests import agents
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

DEVICES = "/account/security/devices/"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def other_id(user, browser) -> str:
    current = browser.session.public_id if hasattr(browser.session, "public_id") else None
    return str(Session.objects.filter(user=user).exclude(public_id=current).get().public_id)


def session_of(client: Client) -> Session:
    from sessions_ui.keys import hash_key

    return Session.objects.get(key_hash=hash_key(client.cookies["sessionid"].value))


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(DEVICES)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_list_shows_every_device_with_location_ip_and_current_marked(user, browser, phone):
    with translation.override("en"):
        response = browser.get(DEVICES, HTTP_ACCEPT_LANGUAGE="en")
    page = text(response)
    assert response.status_code == 200
    assert "Chrome on Windows" in page and "Safari on iPhone" in page
    assert "Stockholm, Sweden" in page and "Germany" in page
    assert agents.IP_STOCKHOLM in page and agents.IP_GERMANY in page
    assert page.count("This device") == 1
    current = session_of(browser)
    assert f'data-session="{current.public_id}"' in response.content.decode()


def test_list_is_swedish_by_default(user, browser, phone):
    page = text(browser.get(DEVICES))
    assert "Enhetsaktivitet" in page
    assert "Den här enheten" in page
    assert "Chrome på Windows" in page and "Safari på iPhone" in page
    assert "Stockholm, Sverige" in page and "Tyskland" in page
    assert "Aktiv nu" in page
    assert "Logga ut från alla enheter" in page


def test_most_recent_activity_first_after_the_current_one(user, browser, phone):
    from datetime import timedelta

    from django.utils import timezone

    third = sign_in(user.email, user_agent=agents.FIREFOX_LINUX, ip=agents.IP_BRITAIN)
    Session.objects.filter(pk=session_of(phone).pk).update(
        last_activity=timezone.now() - timedelta(hours=2)
    )
    Session.objects.filter(pk=session_of(third).pk).update(
        last_activity=timezone.now() - timedelta(hours=1)
    )
    # Both were new places and devices: "Det var jag", so no warning reorders the list.
    for client in (phone, third):
        browser.post(f"{DEVICES}{session_of(client).public_id}/it-was-me/")
    html = browser.get(DEVICES).content.decode()
    assert "session--flagged" not in html
    order = re.findall(r'data-session="([0-9a-f-]+)"', html)
    assert order == [str(session_of(c).public_id) for c in (browser, third, phone)]


def test_other_users_sessions_are_not_listed(user, browser, other_user):
    stranger = sign_in(other_user.email)
    html = browser.get(DEVICES).content.decode()
    assert str(session_of(stranger).public_id) not in html


def test_constant_queries_whatever_the_number_of_sessions(
    user, browser, django_assert_max_num_queries
):
    from sessions_ui.client import ClientInfo
    from sessions_ui.signin import start_session

    browser.get(DEVICES)  # settle activity writes

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert browser.get(DEVICES).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for i in range(49):
        start_session(user, ClientInfo(f"5.9.0.{i + 1}", agents.SAFARI_IPHONE))
    assert Session.objects.filter(user=user).count() == 50
    assert count() == one
    # session, user, the list, the sign-in events behind its warning flags (+ nothing per row)
    assert one <= 5


def test_sign_out_one_device_confirms_then_ends_it(user, browser, phone):
    target = str(session_of(phone).public_id)
    url = f"{DEVICES}{target}/sign-out/"
    confirm = browser.get(url)
    assert confirm.status_code == 200
    assert Session.objects.filter(public_id=target).exists(), "GET must never revoke"
    response = browser.post(url, follow=True)
    assert response.status_code == 200
    assert "Safari på iPhone loggades ut." in text(response)
    assert not Session.objects.filter(public_id=target).exists()
    # The phone's very next request is anonymous and lands on the login page.
    next_page = phone.get("/account/security/")
    assert next_page.status_code == 302 and next_page["Location"].startswith("/accounts/login/")


def test_sign_out_others_keeps_this_device(user, browser, phone):
    sign_in(user.email, user_agent=agents.FIREFOX_LINUX, ip=agents.IP_BRITAIN)
    confirm = browser.get(f"{DEVICES}sign-out-others/")
    assert "2 andra enheter" in text(confirm)
    response = browser.post(f"{DEVICES}sign-out-others/", follow=True)
    assert "2 enheter loggades ut." in text(response)
    assert list(Session.objects.filter(user=user)) == [session_of(browser)]
    assert browser.get(DEVICES).status_code == 200
    assert phone.get(DEVICES).status_code == 302


def test_sign_out_others_is_one_delete(user, browser, phone, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        browser.post(f"{DEVICES}sign-out-others/")
    deletes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 1 and "RETURNING" in deletes[0]


def test_another_users_session_is_404_and_untouched(user, browser, other_user):
    stranger = sign_in(other_user.email)
    target = session_of(stranger).public_id
    for method in ("get", "post"):
        response = getattr(browser, method)(f"{DEVICES}{target}/sign-out/")
        assert response.status_code == 404
    assert Session.objects.filter(public_id=target).exists()
    assert stranger.get(DEVICES).status_code == 200


def test_unknown_and_malformed_ids(browser):
    assert (
        browser.post(f"{DEVICES}00000000-0000-0000-0000-000000000000/sign-out/").status_code == 404
    )
    assert browser.post(f"{DEVICES}not-a-uuid/sign-out/").status_code == 404


def test_missing_csrf_token_is_403_and_changes_nothing(user, phone):
    strict = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=agents.CHROME_WINDOWS)
    strict.post("/accounts/login/", {"login": user.email, "password": "x"})  # no token: refused
    strict.force_login(user)
    target = session_of(phone).public_id
    before = Session.objects.count()
    assert strict.post(f"{DEVICES}{target}/sign-out/").status_code == 403
    assert strict.post(f"{DEVICES}sign-out-others/").status_code == 403
    assert Session.objects.count() == before


def test_wrong_method_is_405(browser):
    assert browser.delete(f"{DEVICES}sign-out-others/").status_code == 405
    assert browser.post(DEVICES).status_code == 405


def test_current_device_sign_out_goes_to_the_normal_sign_out(browser):
    current = session_of(browser).public_id
    response = browser.get(f"{DEVICES}{current}/sign-out/")
    assert response.status_code == 302 and response["Location"] == "/accounts/logout/"


def test_user_agent_is_escaped(user, browser):
    evil = '<script>alert("x")</script> Firefox/1'
    sign_in(user.email, user_agent=evil, ip="127.0.0.1")
    html = browser.get(DEVICES).content.decode()
    assert "<script>alert" not in html


def test_keys_and_hashes_never_reach_the_page(user, browser, phone):
    html = (
        browser.get(DEVICES).content.decode() + browser.get("/account/security/").content.decode()
    )
    for client in (browser, phone):
        key = client.cookies["sessionid"].value
        assert key not in html
        assert session_of(client).key_hash not in html


def test_hub_links_to_device_activity_and_offers_sign_out_all(user, browser, phone):
    page = browser.get("/account/security/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/account/security/devices/"' in html
    assert 'href="/account/security/devices/sign-out-others/"' in html
    assert "Kontosäkerhet" in text(page)


def test_navigation_links_to_account_security(browser):
    html = browser.get("/account/security/devices/").content.decode()
    assert re.search(r'<nav[^>]*>.*href="/account/security/".*</nav>', html, re.DOTALL)


def test_english_is_selectable(browser):
    response = browser.post("/i18n/setlang/", {"language": "en", "next": DEVICES}, follow=True)
    assert "Device activity" in text(response)


@pytest.mark.parametrize(
    "path",
    [
        "/account/security/",
        DEVICES,
        "/account/security/log/",
        "/accounts/password/change/",
        "/accounts/email/",
        "/account/security/two-factor/enable/",
    ],
)
def test_kontosakerhet_is_the_current_section_on_every_account_page(user, browser, path):
    response = browser.get(path)
    assert response.status_code == 200
    nav = re.search(r'<nav class="site-nav".*?</nav>', response.content.decode(), re.DOTALL)
    assert re.search(r'<a href="/account/security/"\s+aria-current="(page|true)"', nav.group(0))


def test_support_is_one_click_away(user, browser):
    for path in ("/account/security/", DEVICES):
        html = browser.get(path).content.decode()
        assert re.search(r'<a href="mailto:support@pixelunion\.example">Kontakta support</a>', html)


def test_the_device_type_is_written_out(user, browser, phone):
    html = browser.get(DEVICES).content.decode()
    assert re.findall(r"<dd data-device-type>([^<]+)</dd>", html) == ["Dator", "Mobil"]


# The session, the user (with its 2FA status), then per page: Kontosäkerhet and Enhetsaktivitet
# the sessions and the sign-in events behind their signs (Kontosäkerhet also the passkeys of
# the 2FA card, Enhetsaktivitet the monthly reminder switch); Säkerhetslogg the count and the
# page of events.
@pytest.mark.parametrize(
    ("path", "queries"),
    [("/account/security/", 5), (DEVICES, 5), ("/account/security/log/", 4)],
)
def test_page_queries(user, browser, phone, path, queries, django_assert_num_queries):
    browser.get(path)  # settle the activity write
    with django_assert_num_queries(queries):
        assert browser.get(path).status_code == 200
