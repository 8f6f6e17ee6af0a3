"""What the browser tests share: the login page, filled in the way a person does."""

from __future__ import annotations

from tests.conftest import PASSWORD

LOGIN_PATH = "/accounts/login/"


def password_step(context, base_url: str, email: str, password: str = PASSWORD):
    """A new page in ``context`` that typed email and password and pressed Enter; where it
    lands (the account, the code step, the login page again) is the caller's to check."""
    page = context.new_page()
    page.goto(base_url + LOGIN_PATH)
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    return page


def sign_in(context, base_url: str, email: str, password: str = PASSWORD):
    """``password_step`` for an account without 2FA: it must end off the login page."""
    page = password_step(context, base_url, email, password)
    assert LOGIN_PATH not in page.url, "sign-in failed: still on the login page"
    return page
