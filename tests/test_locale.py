"""The Swedish catalogue is complete: every English msgid in the code has a Swedish string.

The test runs ``makemessages`` over a copy of the source, so a new untranslated string anywhere
in the product fails it, not just an empty entry already in the file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
# Every package of the product (the apps and pixelunion/), plus what they share.
SOURCES = [
    *sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in {"tests", "benchmarks"}),
    "templates",
    "locale",
    "manage.py",
]


def untranslated(po_path: Path) -> list[str]:
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="sv")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def test_the_committed_catalogue_has_no_gaps():
    assert untranslated(ROOT / "locale/sv/LC_MESSAGES/django.po") == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext (xgettext)")
def test_every_msgid_in_the_code_is_translated(tmp_path):
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, tmp_path / name)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "sv", "--no-location", "-v", "0"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "1", "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert untranslated(tmp_path / "locale/sv/LC_MESSAGES/django.po") == []


def test_the_compiled_catalogue_matches_the_source():
    """The .mo Django reads says what the .po says (a stale .mo shows English to Swedish users)."""
    import gettext

    with (ROOT / "locale/sv/LC_MESSAGES/django.po").open("rb") as handle:
        catalog = read_po(handle, locale="sv")
    with (ROOT / "locale/sv/LC_MESSAGES/django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for message in catalog:
        if not message.id or not message.string or message.fuzzy:
            continue
        if isinstance(message.id, str):
            key = message.id if not message.context else f"{message.context}\x04{message.id}"
            if compiled._catalog.get(key) != message.string:
                stale.append(message.id)
        elif compiled._catalog.get((message.id[0], 0)) != message.string[0]:
            stale.append(message.id[0])
    assert stale == []
