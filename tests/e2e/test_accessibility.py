"""Accessibility and looks, in Chromium: an axe-core audit of every account page, the sign-out
flow by keyboard alone, a 375 px phone screen without sideways scrolling (test_screens.py checks
every page at both sizes and takes the README's screenshots).

axe-core comes from npm (``tests/e2e/package.json``; ``scripts/test.sh`` runs ``npm ci`` when
``tests/e2e/node_modules`` is missing) and is injected into the page under test. A violation of
``serious`` or ``critical`` impact fails the test; lesser ones are printed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests import agents
from tests.api_support import app_client, token_for
from tests.conftest import make_account
from tests.e2e.browser_support import LOGIN_PATH, sign_in
from tests.e2e.conftest import E2E_DIR
from tests.live import report

AXE = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
HUB = "/account/security/"
DEVICES = "/account/security/devices/"
LOG = "/account/security/log/"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
BLOCKING = {"serious", "critical"}
SIGN_OUT = re.compile(r"^\s*(Logga ut|Sign out)\b")


@pytest.fixture(autouse=True)
def behind_local_proxy(settings) -> None:
    """Each browser context forwards an address of its own, so places are real lookups."""
    settings.TRUSTED_PROXIES = ["127.0.0.0/8", "::1"]


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.exists():
        message = f"axe-core not installed: run `npm ci --prefix {E2E_DIR}` ({AXE} missing)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return AXE


@pytest.fixture
def account(live_server, new_context):
    """Anna on a laptop (Stockholm), on an iPhone (Germany) and in the Immich app (Britain)."""
    user = make_account("anna@example.com")
    laptop = new_context(
        agents.CHROME_WINDOWS, extra_http_headers={"X-Forwarded-For": agents.IP_STOCKHOLM}
    )
    phone = new_context(
        agents.SAFARI_IPHONE, extra_http_headers={"X-Forwarded-For": agents.IP_GERMANY}
    )
    page = sign_in(laptop, live_server.url, user.email)
    sign_in(phone, live_server.url, user.email)
    token_for(app_client(ip=agents.IP_BRITAIN), user.email)
    return user, page


@pytest.fixture
def calm_account(live_server, new_context):
    """Anna as most people are: a laptop and a phone at home, the app in the next town."""
    user = make_account("anna@example.com")
    laptop = new_context(
        agents.CHROME_WINDOWS, extra_http_headers={"X-Forwarded-For": agents.IP_STOCKHOLM}
    )
    page = sign_in(laptop, live_server.url, user.email)
    token_for(app_client(ip="83.251.0.1"), user.email)
    return user, page


def audit(page, axe_script: Path) -> list[dict]:
    """axe-core's violations on the page as it is now."""
    # Through DevTools, not a <script> tag: the page's Content-Security-Policy allows no inline
    # script, and a test tool must not need it to.
    page.evaluate(axe_script.read_text() + "\n;undefined")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def describe(violations: list[dict]) -> list[str]:
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:3])
        for v in violations
    ]


def fits(page, width: int) -> tuple[bool, int]:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    return scroll <= width, scroll


def other_session_id(page) -> str:
    return page.locator("li.session:not(.session--current)").first.get_attribute("data-session")


def pages_to_check(page, base: str) -> list[tuple[str, str]]:
    page.goto(base + DEVICES)
    other = other_session_id(page)
    return [
        ("Kontosäkerhet", HUB),
        ("Enhetsaktivitet", DEVICES),
        ("Logga ut enhet (bekräfta)", f"{DEVICES}{other}/sign-out/"),
        ("Logga ut från alla enheter (bekräfta)", f"{DEVICES}sign-out-others/"),
        ("Var det du? (bekräfta)", f"{DEVICES}{other}/it-was-me/"),
        ("Det var inte jag (bekräfta)", f"{DEVICES}{other}/not-me/"),
        ("Säkerhetslogg", LOG),
    ]


def test_account_pages_pass_axe_and_fit_a_phone(
    live_server, new_context, account, axe_script, request
):
    user, page = account
    base = live_server.url
    results: dict[str, list[str]] = {}
    minor: dict[str, list[str]] = {}
    overflow: dict[str, int] = {}
    checked = pages_to_check(page, base)
    phone = new_context(
        agents.SAFARI_IPHONE, viewport=PHONE, extra_http_headers={"X-Forwarded-For": "203.0.113.20"}
    )
    phone_page = sign_in(phone, base, user.email)
    for title, path in checked:
        for label, tab, width in (
            ("desktop", page, DESKTOP["width"]),
            ("phone", phone_page, PHONE["width"]),
        ):
            response = tab.goto(base + path)
            assert response.status == 200, (title, label, response.status)
            violations = audit(tab, axe_script)
            results[f"{title} ({label})"] = describe(
                [v for v in violations if v["impact"] in BLOCKING]
            )
            minor[f"{title} ({label})"] = describe(
                [v for v in violations if v["impact"] not in BLOCKING]
            )
            if label == "phone":
                ok, scroll = fits(tab, width)
                if not ok:
                    overflow[title] = scroll
    # The login page, signed out, on both screens.
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        anonymous = new_context(agents.FIREFOX_LINUX, viewport=viewport).new_page()
        anonymous.goto(base + LOGIN_PATH)
        violations = audit(anonymous, axe_script)
        results[f"Logga in ({label})"] = describe(
            [v for v in violations if v["impact"] in BLOCKING]
        )
        minor[f"Logga in ({label})"] = describe(
            [v for v in violations if v["impact"] not in BLOCKING]
        )
        if label == "phone" and not fits(anonymous, PHONE["width"])[0]:
            overflow["Logga in"] = fits(anonymous, PHONE["width"])[1]

    report(
        request,
        "axe-core",
        {
            "page_views": len(results),
            "serious_or_critical": sum(map(len, results.values())),
            "lesser": sorted({line for lines in minor.values() for line in lines}) or "none",
            "wider_than_375px": overflow or "none",
        },
    )
    assert {page: found for page, found in results.items() if found} == {}
    assert overflow == {}


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const card = el.closest('li.session');
            return {
                tag: el.tagName, text: (el.innerText || el.value || '').trim(),
                inOtherCard: !!card && !card.classList.contains('session--current'),
                inMainForm: !!el.closest('main form'),
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
                shadow: style.boxShadow !== 'none',
            };
        }"""
    )


def tab_to(page, wanted, limit: int = 80) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = focused(page)
        if wanted(state):
            return state
    raise AssertionError(f"never reached by Tab; last focus: {focused(page)}")


def test_signing_another_device_out_by_keyboard_alone(live_server, account):
    _user, page = account
    page.goto(live_server.url + DEVICES)
    before = page.locator("li.session").count()
    target = other_session_id(page)
    page.locator("body").focus()

    state = tab_to(page, lambda s: s["inOtherCard"] and SIGN_OUT.search(s["text"]))
    assert state["outline"] or state["shadow"], "the focused link shows no focus indicator"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/sign-out/$"))

    state = tab_to(
        page, lambda s: s["inMainForm"] and s["tag"] == "BUTTON" and SIGN_OUT.search(s["text"])
    )
    assert state["outline"] or state["shadow"], "the focused button shows no focus indicator"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(DEVICES) + "$"))
    assert page.locator("li.session").count() == before - 1
    assert page.locator(f'li.session[data-session="{target}"]').count() == 0
    assert page.locator(".messages .message--success").count() == 1
