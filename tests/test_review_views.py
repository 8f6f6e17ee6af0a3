"""Flagged sessions on the pages: first and highlighted on Enhetsaktivitet, a banner on
Kontosäkerhet, and the two answers — "Det var jag" and "Det var inte jag"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation

from account_security.models import SignInReview, Verdict
from accounts.models import EventKind, SecurityEvent
from sessions_ui.keys import hash_key
from sessions_ui.models import Session
from tests import agents
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

DEVICES = "/account/security/devices/"
HUB = "/account/security/"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def session_of(client: Client) -> Session:
    return Session.objects.get(key_hash=hash_key(client.cookies["sessionid"].value))


def cards(html: str) -> list[tuple[str, str]]:
    """(public id, class attribute) of each listed session, in page order."""
    return [
        (sid, cls)
        for cls, sid in re.findall(r'<li class="(session[^"]*)" data-session="([0-9a-f-]+)"', html)
    ]


def card_html(html: str, public_id) -> str:
    start = html.index(f'data-session="{public_id}"')
    return html[start : html.index("</li>", start)]


def english(client: Client, path: str):
    with translation.override("en"):
        return client.get(path, HTTP_ACCEPT_LANGUAGE="en")


# --- Enhetsaktivitet and Kontosäkerhet -------------------------------------------------------


def test_flagged_sessions_come_first_after_this_device_highlighted_with_reasons(user, browser):
    # The same browser and city again: nothing unusual.
    second = sign_in(user.email, same_browser_as=browser)
    # A new device in a new country: a warning.
    stranger = sign_in(user.email, user_agent=agents.FIREFOX_LINUX, ip=agents.IP_GERMANY)
    html = english(browser, DEVICES).content.decode()
    order = cards(html)
    assert [sid for sid, _ in order] == [
        str(session_of(c).public_id) for c in (browser, stranger, second)
    ]
    assert "session--flagged" in order[1][1]
    assert all("session--flagged" not in cls for _, cls in (order[0], *order[2:]))
    flagged = card_html(html, session_of(stranger).public_id)
    assert 'class="badge badge--warning"' in flagged
    assert "Unknown device: first sign-in with Firefox on Linux" in flagged
    assert f'href="{DEVICES}{session_of(stranger).public_id}/it-was-me/"' in flagged
    assert f'href="{DEVICES}{session_of(stranger).public_id}/not-me/"' in flagged
    assert "/it-was-me/" not in card_html(html, session_of(second).public_id)


def test_badges_name_the_place_in_the_page_language(user, browser, phone):
    html = browser.get(DEVICES).content.decode()  # Swedish by default
    badges = " ".join(re.findall(r'data-flag="new_place">.*?</span>', html, re.DOTALL))
    assert "Tyskland" in badges


def test_a_single_weak_sign_is_a_quiet_note(user, browser):
    new_phone = sign_in(user.email, user_agent=agents.SAFARI_IPHONE)  # a new device, at home
    html = english(browser, DEVICES).content.decode()
    card = card_html(html, session_of(new_phone).public_id)
    assert dict(cards(html))[str(session_of(new_phone).public_id)] == "session session--noted"
    assert "session--flagged" not in html
    assert 'class="badge badge--note" data-flag="new_device"' in card
    assert "Unknown device: first sign-in with Safari on iPhone" in card
    assert "/it-was-me/" in card and "/not-me/" in card  # it can still be answered
    assert "banner--warning" not in english(browser, HUB).content.decode()


def test_current_session_is_never_a_warning_and_never_told_to_sign_itself_out(user, browser, phone):
    # Seen from the phone (a new device in a new country), its own card is only a note.
    html = english(phone, DEVICES).content.decode()
    mine = card_html(html, session_of(phone).public_id)
    assert dict(cards(html))[str(session_of(phone).public_id)] == (
        "session session--current session--noted"
    )
    assert "New place" in mine and "badge--note" in mine
    assert "/it-was-me/" in mine and "/not-me/" not in mine and "/sign-out/" not in mine
    assert "banner--warning" not in english(phone, HUB).content.decode()
    # From the computer at home, the same session is a warning.
    seen_from_home = dict(cards(english(browser, DEVICES).content.decode()))
    assert "session--flagged" in seen_from_home[str(session_of(phone).public_id)]


def test_hub_shows_a_banner_when_a_session_is_flagged(user, browser):
    assert "banner--warning" not in browser.get(HUB).content.decode()
    sign_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    response = english(browser, HUB)
    html = response.content.decode()
    assert 'class="banner banner--warning"' in html
    # The phone in Germany; never the computer in hand.
    assert "1 session on your account looks unusual." in text(response)
    banner = html[
        html.index("banner--warning") : html.index("</div>", html.index("banner--warning"))
    ]
    assert f'href="{DEVICES}"' in banner


# --- Det var jag -------------------------------------------------------------------------------


def test_it_was_me_confirms_after_a_confirmation_page(user, browser, phone):
    target = session_of(phone).public_id
    url = f"{DEVICES}{target}/it-was-me/"
    confirm = english(browser, url)
    assert confirm.status_code == 200
    assert "Was this you?" in text(confirm) and "New place" in text(confirm)
    assert not SignInReview.objects.exists(), "GET must change nothing"

    response = browser.post(url)
    assert response.status_code == 302 and response["Location"] == DEVICES
    review = SignInReview.objects.get()
    assert (review.user, review.session_public_id, review.verdict) == (user, target, Verdict.MINE)
    html = browser.get(DEVICES).content.decode()
    assert "session--flagged" not in card_html(html, target)
    assert "session--flagged" not in html  # the computer's "several countries" went with it


def test_it_was_me_on_the_current_session(user, browser, phone):
    target = session_of(browser).public_id
    assert browser.post(f"{DEVICES}{target}/it-was-me/").status_code == 302
    assert SignInReview.objects.get().session_public_id == target


# --- Det var inte jag --------------------------------------------------------------------------


def test_it_was_not_me_signs_out_at_once_and_walks_through_the_next_steps(user, browser, phone):
    target = session_of(phone).public_id
    url = f"{DEVICES}{target}/not-me/"
    assert browser.get(url).status_code == 200
    assert Session.objects.filter(public_id=target).exists(), "GET must never revoke"

    response = browser.post(url, follow=True)
    assert response.redirect_chain == [(f"{DEVICES}secure-your-account/", 302)]
    page = text(response)
    assert "Safari på iPhone loggades ut." in page
    html = response.content.decode()
    assert 'href="/accounts/password/change/"' in html
    assert 'href="/account/security/two-factor/enable/"' in html
    assert "mailto:support@pixelunion.example" in html

    assert not Session.objects.filter(public_id=target).exists()
    assert SignInReview.objects.get(session_public_id=target).verdict == Verdict.NOT_MINE
    ended = SecurityEvent.objects.get(kind=EventKind.SESSION_ENDED)
    assert ended.session_public_id == target and ended.details["reason"] == "user"
    # The phone's next request is anonymous.
    next_page = phone.get(HUB)
    assert next_page.status_code == 302 and next_page["Location"].startswith("/accounts/login/")
    # With the intruder gone, nothing is flagged any more.
    assert "session--flagged" not in browser.get(DEVICES).content.decode()


def test_a_disowned_place_stays_new(user, browser, phone):
    browser.post(f"{DEVICES}{session_of(phone).public_id}/not-me/")
    again = sign_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    html = english(browser, DEVICES).content.decode()
    card = card_html(html, session_of(again).public_id)
    assert "New place: first sign-in from Germany" in card
    assert "Unknown device" in card


def test_walk_through_says_when_2fa_is_already_on(user, browser):
    from tests.two_factor_support import add_authenticator, pass_code_step

    pass_code_step(browser, add_authenticator(user))
    response = english(browser, f"{DEVICES}secure-your-account/")
    assert response.status_code == 200
    assert "Two-factor authentication is already on." in text(response)
    assert "/two-factor/enable/" not in response.content.decode()


def test_it_was_not_me_on_this_device_is_the_ordinary_sign_out(user, browser):
    current = session_of(browser).public_id
    response = browser.post(f"{DEVICES}{current}/not-me/")
    assert response.status_code == 302 and response["Location"] == "/accounts/logout/"
    assert Session.objects.filter(public_id=current).exists()


# --- only one's own sessions, only by POST with CSRF, sudo window -------------------------------


@pytest.mark.parametrize("answer", ["it-was-me", "not-me"])
def test_another_users_session_is_404_and_untouched(user, browser, other_user, answer):
    stranger = sign_in(other_user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    target = session_of(stranger).public_id
    for method in ("get", "post"):
        assert getattr(browser, method)(f"{DEVICES}{target}/{answer}/").status_code == 404
    assert (
        browser.post(f"{DEVICES}00000000-0000-0000-0000-000000000000/{answer}/").status_code == 404
    )
    assert Session.objects.filter(public_id=target).exists()
    assert not SignInReview.objects.exists()


@pytest.mark.parametrize("answer", ["it-was-me", "not-me"])
def test_missing_csrf_token_is_403(user, phone, answer):
    strict = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=agents.CHROME_WINDOWS)
    strict.force_login(user)
    target = session_of(phone).public_id
    assert strict.post(f"{DEVICES}{target}/{answer}/").status_code == 403
    assert Session.objects.filter(public_id=target).exists()
    assert not SignInReview.objects.exists()


def test_answers_ask_for_the_password_once_the_sudo_window_has_passed(user, browser, phone):
    target = session_of(phone).public_id
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        for answer in ("it-was-me", "not-me"):
            response = browser.post(f"{DEVICES}{target}/{answer}/")
            assert response.status_code == 302
            assert response["Location"].startswith("/account/security/confirm-password/")
    assert Session.objects.filter(public_id=target).exists()
    assert not SignInReview.objects.exists()
