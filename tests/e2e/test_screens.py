"""Every page on a 1280 px desktop and a 375×812 phone, in Chromium: nothing wider than the
screen, no word broken inside a word, each confirmation page's action above the fold, a phone's
session card about a third of the screen, and a screenshot of every page.

Broken words are found the way a reader sees them: each word (``Intl.Segmenter`` boundaries of
the page's language) whose letters sit on two lines is a break, unless the line ends at a soft
hyphen or a hyphen. That is what ``overflow-wrap: anywhere`` on ``body`` did to "2 decem/ber"
and "Tvåfaktorsautentiseri/ng".

Screenshots go to ``test-results/screens/`` (the run's artifacts, not committed); with
``UPDATE_SCREENSHOTS=1`` the ones the README shows are copied into ``docs/screens/``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests import agents
from tests.api_support import app_client, token_for
from tests.conftest import make_account
from tests.e2e.browser_support import LOGIN_PATH, password_step, sign_in
from tests.live import report
from tests.two_factor_support import BACKUP_CODES, CODE_STEP, add_authenticator

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-results" / "screens"
DOCS = ROOT / "docs" / "screens"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
SCREENS = (("desktop", DESKTOP), ("phone", PHONE))
HUB = "/account/security/"
DEVICES = "/account/security/devices/"
# The README's pictures (docs/screens/<name>.png).
IN_README = {
    "kontosakerhet-desktop",
    "kontosakerhet-phone",
    "enhetsaktivitet-desktop",
    "enhetsaktivitet-phone",
    "sakerhetslogg-desktop",
    "sakerhetslogg-phone",
    "det-var-inte-jag-phone",
}

BROKEN_WORDS_JS = r"""
() => {
  const lang = document.documentElement.lang || 'sv';
  const words = new Intl.Segmenter(lang, {granularity: 'word'});
  const root = document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const found = [];
  const skip = '.visually-hidden, script, style, svg, code, .secret, .mono, [hidden], option';
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.data.trim() || !parent || parent.closest(skip)) continue;
    if (!parent.getClientRects().length) continue;  // not rendered
    for (const {segment, index, isWordLike} of words.segment(node.data)) {
      if (!isWordLike || segment.length < 2) continue;
      range.setStart(node, index);
      range.setEnd(node, index + segment.length);
      const rects = [...range.getClientRects()];
      if (rects.length < 2) continue;
      let previous = null;
      for (let i = 0; i < segment.length; i++) {
        range.setStart(node, index + i);
        range.setEnd(node, index + i + 1);
        const box = range.getBoundingClientRect();
        if (!box.width && !box.height) continue;
        if (previous && box.top >= previous.bottom - 1) {
          const before = segment.slice(0, i);
          if (!/[\u00ad\-]$/.test(before)) {
            found.push(before + '/' + segment.slice(i) + ' in <' + parent.tagName.toLowerCase()
                       + (parent.className ? '.' + parent.className.split(' ')[0] : '') + '>');
          }
        }
        previous = box;
      }
    }
  }
  return [...new Set(found)];
}
"""

PRIMARY_ACTION_JS = """
() => {
  const button = document.querySelector(
    'main form button.btn--primary, main form button.btn--danger');
  if (!button) return null;
  const box = button.getBoundingClientRect();
  return {bottom: box.bottom + window.scrollY, text: button.innerText.trim()};
}
"""


@pytest.fixture(autouse=True)
def behind_local_proxy(settings) -> None:
    """Each browser context forwards an address of its own, so places are real lookups."""
    settings.TRUSTED_PROXIES = ["127.0.0.0/8", "::1"]


@pytest.fixture
def anna(live_server, new_context):
    """Anna with five sessions: this laptop, her phone and tablet at home, the Immich app, and
    a stranger's browser in Germany (a warning), so every kind of card is on the pages."""
    user = make_account("anna.lindqvist-johansson@example.com")
    home = {"X-Forwarded-For": agents.IP_STOCKHOLM}
    for agent in (agents.SAFARI_IPHONE,):
        sign_in(new_context(agent, extra_http_headers=home), live_server.url, user.email)
    token_for(app_client(ip="83.251.0.1"), user.email)
    sign_in(
        new_context(
            agents.FIREFOX_LINUX, extra_http_headers={"X-Forwarded-For": agents.IP_GERMANY}
        ),
        live_server.url,
        user.email,
    )
    return user


def signed_in_tabs(live_server, new_context, user) -> dict[str, object]:
    """One signed-in tab per screen size, both at home in Stockholm (two more sessions)."""
    tabs = {}
    for label, viewport in SCREENS:
        context = new_context(
            agents.CHROME_WINDOWS,
            viewport=viewport,
            extra_http_headers={"X-Forwarded-For": agents.IP_STOCKHOLM},
        )
        tabs[label] = sign_in(context, live_server.url, user.email)
    return tabs


def save(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1" and name in IN_README:
        DOCS.mkdir(parents=True, exist_ok=True)
        (DOCS / path.name).write_bytes(path.read_bytes())
    return path


def slug(title: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", " ": "-"})
    return re.sub(r"[^a-z0-9-]", "", title.lower().translate(table))


def flagged_id(page) -> str:
    return page.locator("li.session--flagged").first.get_attribute("data-session")


def account_pages(page, base: str) -> list[tuple[str, str, bool]]:
    """(title, path, is a confirmation page) for every signed-in page."""
    page.goto(base + DEVICES)
    stranger = flagged_id(page)
    return [
        ("Kontosäkerhet", HUB, False),
        ("Enhetsaktivitet", DEVICES, False),
        ("Säkerhetslogg", "/account/security/log/", False),
        ("Logga ut enhet", f"{DEVICES}{stranger}/sign-out/", True),
        ("Logga ut från alla enheter", f"{DEVICES}sign-out-others/", True),
        ("Var det du", f"{DEVICES}{stranger}/it-was-me/", True),
        ("Det var inte jag", f"{DEVICES}{stranger}/not-me/", True),
        ("Säkra ditt konto", f"{DEVICES}secure-your-account/", False),
        ("Ändra lösenord", "/accounts/password/change/", False),
        ("E-postadresser", "/accounts/email/", False),
        ("Aktivera tvåfaktorsautentisering", "/account/security/two-factor/enable/", False),
    ]


ANONYMOUS_PAGES = [
    ("Logga in", LOGIN_PATH),
    ("Skapa konto", "/accounts/signup/"),
    ("Återställ lösenord", "/accounts/password/reset/"),
]


def check(tab, base: str, title: str, path: str, label: str, problems: dict) -> None:
    response = tab.goto(base + path)
    assert response.status == 200, (title, label, response.status)
    width = (DESKTOP if label == "desktop" else PHONE)["width"]
    scroll = tab.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        problems.setdefault("wider than the screen", {})[f"{title} ({label})"] = scroll
    broken = tab.evaluate(BROKEN_WORDS_JS)
    if broken:
        problems.setdefault("words broken inside", {})[f"{title} ({label})"] = broken
    save(tab, f"{slug(title)}-{label}")


def test_every_page_fits_both_screens_without_broken_words(live_server, new_context, anna, request):
    base = live_server.url
    tabs = signed_in_tabs(live_server, new_context, anna)
    problems: dict[str, dict] = {}
    folds: dict[str, int] = {}
    pages = account_pages(tabs["desktop"], base)
    for title, path, is_confirmation in pages:
        for label, tab in tabs.items():
            check(tab, base, title, path, label, problems)
            if is_confirmation and label == "phone":
                action = tab.evaluate(PRIMARY_ACTION_JS)
                assert action is not None, f"{title}: no primary action in a form"
                folds[title] = round(action["bottom"])
                if action["bottom"] > PHONE["height"]:
                    problems.setdefault("action below the fold", {})[title] = action
    for label, viewport in SCREENS:
        tab = new_context(agents.FIREFOX_LINUX, viewport=viewport).new_page()
        for title, path in ANONYMOUS_PAGES:
            check(tab, base, title, path, label, problems)
    report(
        request,
        "screens",
        {
            "page_views": 2 * (len(pages) + len(ANONYMOUS_PAGES)),
            "primary_action_bottom_px_at_375x812": folds,
            "problems": problems or "none",
        },
    )
    assert problems == {}


def test_a_phone_shows_this_device_first_in_cards_a_third_of_the_screen(
    live_server, new_context, anna, request
):
    tab = signed_in_tabs(live_server, new_context, anna)["phone"]
    tab.goto(live_server.url + DEVICES)
    heights = tab.evaluate(
        "[...document.querySelectorAll('li.session')].map(li => ["
        "li.classList.contains('session--current'), li.classList.contains('session--flagged'),"
        " Math.round(li.getBoundingClientRect().height)])"
    )
    header = tab.evaluate("Math.round(document.querySelector('.site-header').offsetHeight)")
    page_height = tab.evaluate("document.documentElement.scrollHeight")
    report(
        request,
        "phone cards",
        {"card_heights_px": [h for *_, h in heights], "header_px": header, "page_px": page_height},
    )
    assert len(heights) == 5
    assert heights[0][0], "the current device comes first"
    assert tab.locator("#this-device").inner_text().strip() == "Den här enheten"
    # A card is about a third of a 812 px screen; a warning's reasons add a line or two each.
    for _is_current, is_flagged, height in heights:
        assert height <= (PHONE["height"] // 3 + (120 if is_flagged else 20)), heights
    assert header <= 120
    # The device type is text on the card, not only an icon's tooltip.
    types = tab.locator("[data-device-type]").all_inner_texts()
    assert {"Dator", "Mobil", "Mobilapp"} <= set(types)


def test_kontosakerhet_on_a_desktop_gives_the_sessions_the_whole_width(
    live_server, new_context, anna
):
    tab = signed_in_tabs(live_server, new_context, anna)["desktop"]
    tab.goto(live_server.url + HUB)
    card = tab.locator("section[aria-labelledby=hub-devices]").bounding_box()
    main = tab.locator("main").bounding_box()
    assert card["width"] > 0.85 * main["width"]
    assert card["height"] < 600
    assert tab.get_by_role("link", name="Kontakta support").count() == 1


def test_the_code_step_and_the_password_check_fit_both_screens(live_server, new_context, db):
    """The two pages only a 2FA account sees: the code step after the password, and "Bekräfta
    att det är du" before a sensitive change (a 2FA account confirms with a code too)."""
    user = make_account("erik.sundqvist-lindberg@example.com")
    add_authenticator(user)
    base = live_server.url
    problems: dict[str, dict] = {}
    for index, (label, viewport) in enumerate(SCREENS):
        context = new_context(
            agents.CHROME_WINDOWS, viewport=viewport,
            extra_http_headers={"X-Forwarded-For": agents.IP_STOCKHOLM},
        )
        tab = password_step(context, base, user.email)
        assert tab.url.startswith(base + CODE_STEP), tab.url
        check(tab, base, "Ange kod", CODE_STEP, label, problems)
        # A backup code each: one authenticator code works once, in one 30-second step.
        tab.locator("input[name=code]").fill(BACKUP_CODES[index])
        with tab.expect_navigation():
            tab.locator("input[name=code]").press("Enter")
        assert CODE_STEP not in tab.url and LOGIN_PATH not in tab.url, tab.url
        check(tab, base, "Bekräfta att det är du", "/account/security/confirm-password/", label, problems)
    assert problems == {}
