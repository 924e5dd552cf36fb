"""A checkout where an administrator often puts it, under root's 0700 home, grades like any other: the
sandbox's uid cannot walk to the virtualenv or the grader package there, and must not need to."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]

# In a mount namespace of its own, this checkout's directory becomes a 0700 directory of root's holding the
# same entries: every path is unchanged (the virtualenv's own links included), but no other uid can walk it.
CLOSE_THE_CHECKOUT = """
set -e
stage="$1"; repo="$2"; shift 2
mount --bind "$repo" "$stage"
mount -t tmpfs -o mode=0700 private-home "$repo"
for entry in "$stage"/* "$stage"/.[!.]*; do
  [ -e "$entry" ] || continue
  name=$(basename "$entry")
  if [ -d "$entry" ]; then mkdir "$repo/$name"; else touch "$repo/$name"; fi
  mount --bind "$entry" "$repo/$name"
done
cd "$repo"
test "$(stat -c %a "$repo")" = 700
exec "$@"
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="only root's runs change uid (CI runs as root)")
def test_a_clone_under_a_private_directory_grades(tmp_path: Path) -> None:
    grader = Path(sys.executable).parent / "grader"
    stage = tmp_path / "stage"
    stage.mkdir()
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", CLOSE_THE_CHECKOUT, "sh",
         str(stage), str(REPO), str(grader), "grade", "lab-add-hidden-16",
         str(REPO / "exercises/samples/lab-add-hidden-16/ana.py"), "--workers", "1", "--format", "json",
         "--db", f"sqlite:///{tmp_path / 'g.sqlite3'}"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    (result,) = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert (result["status"], result["score"]) == ("graded", 10.0), done.stderr[-3000:]
    assert "Permission denied" not in done.stderr
