"""The Content-Security-Policy in a real browser: Chromium reports no violation on the account
pages, and the stylesheet, the icons and the QR code still show."""

from __future__ import annotations

import pytest

from tests import agents
from tests.conftest import make_account
from tests.e2e.browser_support import sign_in

pytestmark = pytest.mark.e2e

PAGES = [
    "/account/security/",
    "/account/security/devices/",
    "/account/security/log/",
    "/account/security/two-factor/enable/",
    "/accounts/password/change/",
]
API_DOCS = "/api/docs"  # django-ninja's Swagger UI, from our static files: its own styles


def test_no_violation_on_the_account_pages(live_server, new_context):
    user = make_account("anna@example.com")
    context = new_context(agents.CHROME_WINDOWS)
    violations: list[str] = []
    context.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page = sign_in(context, live_server.url, user.email)
    page.evaluate(
        "() => document.addEventListener('securitypolicyviolation',"
        " e => console.error('Content Security Policy: ' + e.violatedDirective))"
    )
    for path in [*PAGES, API_DOCS]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.evaluate(
            "() => document.addEventListener('securitypolicyviolation',"
            " e => console.error('Content Security Policy: ' + e.violatedDirective))"
        )
        if path == API_DOCS:
            page.wait_for_selector(".swagger-ui .info")  # Swagger UI's scripts ran and drew
            continue
        # The stylesheet applied: the body's font is not the browser's default serif.
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "Times" not in font and font != "serif", (path, font)
    assert violations == []
