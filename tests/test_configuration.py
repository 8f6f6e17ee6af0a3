"""Every environment variable the code reads has a row in the README's configuration table,
and only pixelunion/settings.py and gunicorn.conf.py read the environment."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "tests", "benchmarks", "node_modules", "staticfiles"}
# os.environ.get("X"…), os.environ["X"], os.getenv("X"…), and settings.py's env_bool/env_int/env_float/env_list.
READ = re.compile(r"""(?:os\.environ(?:\.get|\.setdefault)?|os\.getenv|env_(?:bool|int|float|list))\s*[\(\[]\s*["']([A-Z][A-Z0-9_]*)["']""")
READERS = {"pixelunion/settings.py", "gunicorn.conf.py"}
# Django's own: where manage.py, wsgi.py and asgi.py find the settings.
DJANGO_OWN = {"DJANGO_SETTINGS_MODULE"}


def sources() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if not SKIP & set(p.relative_to(ROOT).parts)]


def variables_read() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sources():
        for name in READ.findall(path.read_text()):
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def documented() -> set[str]:
    """Backticked names in the first column of the README's configuration table."""
    text = (ROOT / "README.md").read_text()
    table = text[text.index("## Configuration") :]
    table = table[: table.index("\n## ", 3)]
    names: set[str] = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split(" | ")[0]))
    return names


def test_the_reader_finds_what_settings_read():
    found = variables_read()
    assert {"DJANGO_SECRET_KEY", "REDIS_URL", "SESSION_IDLE_TIMEOUT", "GUNICORN_TIMEOUT"} <= set(found)


def test_every_variable_read_has_a_row_in_the_readme():
    missing = sorted(set(variables_read()) - documented() - DJANGO_OWN)
    assert missing == [], f"add a row to the README's configuration table for: {missing}"


def test_every_row_names_a_variable_that_is_read():
    stale = sorted(documented() - set(variables_read()))
    assert stale == [], f"the README documents variables nothing reads: {stale}"


def test_only_the_settings_and_gunicorn_read_the_environment():
    elsewhere = {
        name: sorted(paths - READERS)
        for name, paths in variables_read().items()
        if paths - READERS and name not in DJANGO_OWN
    }
    assert elsewhere == {}
