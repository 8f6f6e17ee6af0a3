"""Debian's nginx with the shipped gate configuration (deploy/nginx/immich-gate.conf), on a free
loopback port in a folder of its own, in front of the Immich stand-in.

The shipped file is used as it is, except for what differs between sites: the two upstream
addresses, the port it listens on and the path of the secret file. Everything else (the
internal location, the headers sent to the gate, the refusal and outage answers) is what runs.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.cache_support import free_port
from tests.live import ROOT, skip_or_fail, stop_process, wait_for_port

SHIPPED = ROOT / "deploy" / "nginx" / "immich-gate.conf"
SECRET_INCLUDE = "/etc/nginx/immich-gate-secret.conf"

MAIN = """\
worker_processes {workers};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/immich-gate.conf;
}}
"""


def nginx_binary() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if path is None:
        skip_or_fail("nginx not found (apt-get install nginx; .ci/run installs it)")
    return path  # type: ignore[return-value]


FAIL_CLOSED = "error_page 500 502 503 504 = @gate_down;"
FAIL_OPEN = "error_page 500 502 503 504 = @immich_unchecked;"  # the change docs/immich.md gives


def shipped_config(
    *, port: int, immich: str, gate: str, secret_file: Path, without_gate: bool = False,
    fail_open: bool = False,
) -> str:
    """The shipped file with this run's addresses, port and secret path (nothing else; the
    benchmark's ``without_gate`` turns the check off to measure what it adds, ``fail_open`` is
    the one-line change the documentation offers)."""
    text = SHIPPED.read_text()
    if without_gate:
        text = text.replace("auth_request /_pixelunion_gate;", "auth_request off;")
    if fail_open:
        assert text.count(FAIL_CLOSED) == 1, f"{FAIL_CLOSED!r} not found once in {SHIPPED}"
        text = text.replace(FAIL_CLOSED, FAIL_OPEN)
    replacements = [
        (r"server immich-server:2283;", f"server {immich};"),
        (r"server pixelunion:8000;", f"server {gate};"),
        (r"listen 80;", f"listen 127.0.0.1:{port};"),
        (re.escape(f"include {SECRET_INCLUDE};"), f"include {secret_file};"),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text)
        assert count == 1, f"{pattern!r} not found exactly once in {SHIPPED}"
    return text


@dataclass
class Nginx:
    port: int
    folder: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def error_log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def nginx_gate(
    *, immich_port: int, gate_port: int, secret: str, without_gate: bool = False,
    fail_open: bool = False,
) -> Iterator[Nginx]:
    """nginx in the foreground (``daemon off``), stopped (only it) afterwards."""
    binary = nginx_binary()
    folder = Path(tempfile.mkdtemp(prefix="pu-nginx-"))
    folder.chmod(0o755)
    port = free_port()
    secret_file = folder / "immich-gate-secret.conf"
    secret_file.write_text(f'proxy_set_header X-PixelUnion-Gate "{secret}";\n')
    (folder / "immich-gate.conf").write_text(
        shipped_config(
            port=port,
            immich=f"127.0.0.1:{immich_port}",
            gate=f"127.0.0.1:{gate_port}",
            secret_file=secret_file,
            without_gate=without_gate,
            fail_open=fail_open,
        )
    )
    (folder / "nginx.conf").write_text(MAIN.format(folder=folder, workers=1))
    check = subprocess.run(
        [binary, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")],
        capture_output=True, text=True, timeout=30,
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log"),
         "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, process, "nginx")
        yield Nginx(port, folder, process)
    finally:
        stop_process(process, signal.SIGQUIT)  # nginx's graceful shutdown
        shutil.rmtree(folder, ignore_errors=True)

