"""deploy/: the shipped systemd units, cron example, compose file and Dockerfile.

What can be checked here is: ``systemd-analyze verify`` on the units (with only the install
path replaced, like tests/nginx_support.py does for nginx), the compose file's shape and that
every variable it gives PixelUnion is documented, and that the Dockerfile copies files that
exist. The gate's nginx configuration, which compose mounts, is run by ``nginx -t`` and real
nginx in tests/test_immich_gate.py. ``docker compose config`` cannot run here (the docker
client has no compose plugin, and no registry is reachable).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pixelunion.tasks import SCHEDULED_COMMANDS
from tests.live import skip_or_fail
from tests.test_configuration import documented

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("pixelunion-*"))


def test_there_is_a_web_unit_a_worker_unit_and_timers():
    names = {unit.name for unit in UNITS}
    assert {"pixelunion-web.service", "pixelunion-worker.service", "pixelunion-daily.timer"} <= names


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        skip_or_fail("systemd-analyze not found")
    app = tmp_path / "app" / ".venv" / "bin"
    app.mkdir(parents=True)
    for tool in ("python", "gunicorn"):
        (app / tool).symlink_to(ROOT / ".venv" / "bin" / tool)
    (tmp_path / "pixelunion.env").write_text("")
    units = tmp_path / "units"
    units.mkdir()
    for unit in UNITS:
        text = unit.read_text().replace("/etc/pixelunion/pixelunion.env", str(tmp_path / "pixelunion.env"))
        (units / unit.name).write_text(text.replace("/opt/pixelunion", str(tmp_path / "app")))
    result = subprocess.run(
        [analyze, "verify", *sorted(p.name for p in units.iterdir())],
        cwd=units, capture_output=True, text=True, timeout=120,
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_the_scheduled_runs_are_commands_the_worker_may_run():
    lines = [
        line
        for path in [*UNITS, DEPLOY / "cron" / "pixelunion"]
        for line in path.read_text().splitlines()
        if "manage.py enqueue" in line
    ]
    assert lines
    for line in lines:
        names = line.split("manage.py enqueue", 1)[1].split()
        assert names and set(names) <= SCHEDULED_COMMANDS, line


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_runs_web_worker_postgres_redis_and_the_gate(compose):
    services = compose["services"]
    assert {"pixelunion", "worker", "postgres", "redis", "gate", "migrate"} == set(services)
    assert services["worker"]["command"] == ["python", "manage.py", "worker"]
    assert services["gate"]["networks"] == ["pixelunion", "immich"]
    assert compose["networks"]["immich"] == {"external": True, "name": "immich_default"}


def test_compose_mounts_files_that_exist(compose):
    for volume in compose["services"]["gate"]["volumes"]:
        source = volume.split(":")[0]
        if "secret" not in source:  # the operator's own secret file
            assert (DEPLOY / source).is_file(), source
    assert (DEPLOY / compose["x-pixelunion"]["build"]["context"] / "deploy" / "Dockerfile").is_file()


def test_every_variable_compose_gives_pixelunion_is_documented(compose):
    for name in ("pixelunion", "worker", "migrate"):
        missing = sorted(set(compose["services"][name]["environment"]) - documented())
        assert missing == [], (name, missing)


def test_the_dockerfile_copies_what_exists_and_starts_gunicorn():
    text = (DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (?:--\S+ )*(\S+) ", text, re.M):
        assert (ROOT / source).exists(), source
    assert "gunicorn -c gunicorn.conf.py pixelunion.wsgi" in text
    assert "check --deploy --fail-level ERROR" in text


def test_the_example_environment_is_documented():
    names = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "pixelunion.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert names and names <= documented()
