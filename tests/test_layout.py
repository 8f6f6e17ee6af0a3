"""The three floors (README "Where things are"): each app imports only from the floors below it.

Read from the source with ``ast`` (imports inside functions included), so a shortcut that
works at run time still fails here. Migrations are left out: they name apps by label only.
"""

from __future__ import annotations

import ast
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. Apps on one floor do not import each other either: they are neighbours.
FLOORS: list[set[str]] = [
    {"sessions_ui", "background"},  # the session engine; background work (retries, worker)
    {"accounts"},  # identity
    {"account_security", "api", "immich"},  # pages and features
    {"pixelunion"},  # settings, URLs, WSGI/ASGI, error pages: nothing imports it
]
FLOOR_OF = {app: level for level, apps in enumerate(FLOORS) for app in apps}


def modules() -> dict[str, Path]:
    found = {}
    for app in FLOOR_OF:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imported(path: Path, module: str) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def project_imports() -> dict[str, set[str]]:
    known = modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in known.items():
        for name in imported(path, module):
            if name.split(".")[0] in FLOOR_OF:
                target = name if name in known else name.rpartition(".")[0]
                if target in known and target != module:
                    graph[module].add(target)
    return graph


def app_of(module: str) -> str:
    return module.split(".")[0]


def test_every_app_is_on_a_floor():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")} | {"pixelunion"}
    assert apps == set(FLOOR_OF), "add the new app to FLOORS (and to the README)"


def test_no_app_imports_a_higher_floor_or_a_neighbour():
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in project_imports().items()
        for target in targets
        if app_of(target) != app_of(module) and FLOOR_OF[app_of(target)] >= FLOOR_OF[app_of(module)]
    )
    assert wrong == []


def test_no_import_cycles():
    graph = project_imports()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(modules()):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from accounts.models import SecurityEvent", {"accounts.models"}),
        ("def f():\n    from account_security import risk", {"account_security.risk"}),
        ("import api.errors", {"api.errors"}),
    ],
)
def test_the_reader_sees_every_kind_of_import(tmp_path, source, expected):
    """The checks above are only as good as this reader: plain, from-, and in-function imports."""
    path = tmp_path / "probe.py"
    path.write_text(source)
    found = {name for name in imported(path, "sessions_ui.probe") if name.split(".")[0] in FLOOR_OF}
    assert expected <= found


def test_no_symlinks_are_committed():
    """A committed symlink points into the machine it was made on: a clean clone then used
    another checkout's venv (``.venv``) and node_modules, so CI proved nothing about a fresh
    machine. ``git ls-files -s`` shows symlinks as mode 120000."""
    listed = subprocess.run(["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True)
    links = [line.split("\t", 1)[1] for line in listed.stdout.splitlines() if line.startswith("120000 ")]
    assert links == []
