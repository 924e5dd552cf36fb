"""`grader serve` (what `make run` starts): the course loaded, demo logins printed and usable, /healthz up."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.ports import free_port

pytestmark = pytest.mark.slow

GRADER = Path(sys.executable).parent / "grader"


def test_serve_prints_demo_logins_that_work_and_reports_healthy_workers(tmp_path: Path) -> None:
    """The printed teacher password logs in through the real form; /healthz says database and workers ok."""
    port = free_port()
    proc = subprocess.Popen([str(GRADER), "serve", "--port", str(port), "--workers", "1", "--database-url",
                             f"sqlite:///{tmp_path / 'demo.sqlite3'}"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=tmp_path, env={**os.environ})
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line, "grader serve exited:\n" + "".join(lines)
            lines.append(line)
            if "Sirviendo en" in line:
                break
        output = "".join(lines)
        assert "Curso cargado: 22 tareas" in output
        teacher = re.search(r"usuario: profesor\s+contraseña: (\S+)", output)
        assert teacher, output
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
            assert json.load(response) == {"status": "ok", "database": "ok", "workers": "ok"}

        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = opener.open(f"{base}/login", timeout=10).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        form = urllib.parse.urlencode({"username": "profesor", "password": teacher.group(1),
                                       "csrf_token": token}).encode()
        landed = opener.open(f"{base}/login", data=form, timeout=10)
        assert landed.geturl().endswith("/teacher/")
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_serve_on_a_busy_port_says_what_to_do(tmp_path: Path) -> None:
    """A port already taken is a one-line error naming the port and the option, not a traceback."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([str(GRADER), "serve", "--port", str(port), "--workers", "1", "--no-demo",
                                 "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}"], capture_output=True,
                                text=True, cwd=tmp_path, timeout=180)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.stderr
