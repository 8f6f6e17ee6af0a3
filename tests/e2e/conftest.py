"""Real-browser tests: Playwright for Python driving Debian's Chromium against ``live_server``.

The browser is the system one (``/usr/bin/chromium``, from apt); Playwright's own browser
download is never used, because these machines only reach package registries. Every test in
this directory is marked ``e2e`` so ``make test`` can run them once, on SQLite, and skip them
(saying so) where no Chromium is installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

E2E_DIR = Path(__file__).resolve().parent
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google's hosts, which this
# closed network refuses many times a second; --no-sandbox because the tests run as root here.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything under tests/e2e as ``e2e`` and run it last.

    ``-m "not e2e"`` leaves the browser out. Last, because the session-wide Playwright event
    loop would otherwise sit under every later test (``asyncio.run`` refuses to start inside it).
    """
    browser_tests = []
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            browser_tests.append(item)
    if browser_tests:
        chosen = set(map(id, browser_tests))
        items[:] = [item for item in items if id(item) not in chosen] + browser_tests


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One headless Chromium for the whole run (a launch costs about a second)."""
    if not os.path.exists(CHROMIUM_PATH):
        message = f"Chromium not found at {CHROMIUM_PATH} (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)  # CI never skips
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, so Django would refuse every ORM
    # call a test makes between browser steps (SynchronousOnlyOperation). Set here rather than
    # at import, and browser tests run last (above): the rest of the suite keeps Django's check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(chromium) -> Iterator[Callable[..., object]]:
    """Factory for isolated browser contexts (own cookies), closed after the test.

    ``new_context(user_agent=..., locale="sv-SE", **options)`` passes everything on to
    ``Browser.new_context``; each context is a separate "device" for the session table.
    """
    contexts = []

    def make(user_agent: str | None = None, locale: str = "sv-SE", **options):
        options.setdefault("viewport", VIEWPORT)
        if user_agent is not None:
            options["user_agent"] = user_agent
        context = chromium.new_context(locale=locale, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
