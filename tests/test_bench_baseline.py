"""The benchmark's baseline (bench/fresh_process_grade.py, one fresh interpreter per submission) grades the lab's
samples as the sandboxed grader does: the speed ratio in `make bench` compares the same work, and the baseline
keeps running when the harness it borrows from changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "exercises" / "samples" / "lab-add-hidden-16"


@pytest.mark.parametrize("name", ["ana.py", "gabriela.py", "tomas.py"])
def test_the_fresh_process_baseline_scores_a_sample_as_the_grader_does(name: str, grader_nodb: Any,
                                                                        tmp_path: Path) -> None:
    path = SAMPLES / name
    done = subprocess.run([sys.executable, str(REPO / "bench" / "fresh_process_grade.py"), "lab-add-hidden-16",
                           str(path)], capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-2000:]
    baseline = json.loads(done.stdout.strip().splitlines()[-1])
    graded = grader_nodb.grade_bytes(spec=grader_nodb.catalog.get("lab-add-hidden-16"), filename=name,
                                     data=path.read_bytes(), student=path.stem)
    assert baseline["status"] == graded.status == "graded"
    assert (baseline["score"], baseline["max_score"]) == (graded.score, graded.max_score)
