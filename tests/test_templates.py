"""No inline script or style in any template: the Content-Security-Policy allows neither."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(
    path
    for pattern in ("templates/**/*", "*/templates/**/*")
    for path in ROOT.glob(pattern)
    if path.is_file() and path.suffix in {".html", ".svg", ".txt"} and ".venv" not in path.parts
)

INLINE = {
    # <script> without src= (a JSON data block, type="application/json", is not executed).
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "style= attribute": re.compile(r"\sstyle\s*=", re.I),
    "on…= event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def inline_code(text: str) -> list[str]:
    return [name for name, pattern in INLINE.items() if pattern.search(text)]


def test_there_are_templates_to_read():
    assert len(TEMPLATES) > 20


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_inline_script_or_style(path):
    assert inline_code(path.read_text()) == []


@pytest.mark.parametrize(
    ("markup", "found"),
    [
        ('<script>alert(1)</script>', ["inline <script>"]),
        ('<script src="/static/x.js"></script>', []),
        ('<style>p{}</style>', ["<style> element"]),
        ('<p style="color:red">', ["style= attribute"]),
        ('<button onclick="go()">', ["on…= event handler"]),
        ('<a href="javascript:go()">', ["javascript: URL"]),
        ('<svg class="icon" stroke-width="2">', []),
    ],
)
def test_the_reader_finds_each_kind(markup, found):
    """The scan above is only as good as these patterns."""
    assert inline_code(markup) == found


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/account/security/", "/account/security/devices/", "/account/security/log/",
             "/account/security/two-factor/enable/", "/accounts/password/change/"]
)
def test_rendered_pages_have_none_either(browser, path):
    """Templates of libraries (allauth) included: what the browser gets."""
    response = browser.get(path, follow=True)
    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []
