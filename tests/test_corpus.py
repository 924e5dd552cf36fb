"""The realistic-student corpus (tests/corpus/): every file graded through the CLI gets the teacher's score.

tests/corpus/expected.yaml holds, per file, the score a fair teacher gives reading the code against the
exercise's statement (with a tolerance where two teachers could differ) and why. These expectations are
never adjusted to the grader's output: a mismatch is a grader bug or a missing piece of the course
environment (Kaggle/Colab paths, learntools, keras.datasets, old Keras spellings...).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: dict[str, dict] = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))["files"]
SUBMISSION_SUFFIXES = {".py", ".ipynb"}


def _grader_command() -> str:
    local = Path(sys.executable).parent / "grader"
    if local.exists():
        return str(local)
    found = shutil.which("grader")
    if found is None:
        pytest.fail("the grader command is not installed (make install)")
    return found


def _exercises() -> list[str]:
    return sorted({entry["exercise"] for entry in EXPECTED.values()})


def test_every_corpus_file_has_an_expectation() -> None:
    on_disk = {
        path.relative_to(CORPUS).as_posix()
        for path in CORPUS.rglob("*")
        if path.is_file() and path.suffix in SUBMISSION_SUFFIXES
    }
    assert on_disk == set(EXPECTED), (
        f"files without an expectation: {sorted(on_disk - set(EXPECTED))}; "
        f"expectations without a file: {sorted(set(EXPECTED) - on_disk)}"
    )
    for rel, entry in EXPECTED.items():
        assert rel.split("/")[0] == entry["exercise"], f"{rel} is not in its exercise's folder"
        assert isinstance(entry["score"], (int, float)), rel
        assert entry.get("why"), f"{rel} has no why"


def _describe(result: dict | None) -> str:
    if result is None:
        return "    (no result line for this file)"
    lines = [f"    status={result.get('status')} error={result.get('error')!r}"]
    for key in ("notes", "warnings"):
        if result.get(key):
            lines.append(f"    {key}: {result[key]}")
    for check in result.get("checks") or []:
        mark = "ok " if check.get("passed") else "NO "
        lines.append(
            f"    {mark}{check.get('id')}: {check.get('points')}/{check.get('max_points')} {check.get('message')}"
        )
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("exercise", _exercises())
def test_corpus_scores(exercise: str, tmp_path: Path) -> None:
    folder = CORPUS / exercise
    env = dict(os.environ)
    env.pop("GRADER_BROKER_URL", None)  # grade here, never enqueue to a shared broker
    proc = subprocess.run(
        [
            _grader_command(),
            "grade",
            exercise,
            str(folder),
            "--format",
            "json",
            "--workers",
            "2",
            "--force",
            "--db",
            f"sqlite:///{tmp_path / 'corpus.sqlite3'}",
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, f"grader exited {proc.returncode}:\n{proc.stderr[-3000:]}"

    results: dict[str, dict] = {}
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            row = json.loads(line)
            results[Path(row["path"]).name] = row

    rows, mismatches = [], []
    for rel, entry in sorted(EXPECTED.items()):
        if entry["exercise"] != exercise:
            continue
        name = rel.split("/", 1)[1]
        result = results.get(name)
        got = None if result is None else result.get("score")
        want, tol = float(entry["score"]), float(entry.get("tolerance", 0))
        ok = got is not None and abs(float(got) - want) <= tol + 1e-9
        status = None if result is None else result.get("status")
        rows.append(f"{'ok  ' if ok else 'FAIL'} {rel:58s} expected {want:g}±{tol:g}  got {got} ({status})")
        if not ok:
            mismatches.append(
                f"{rel}: expected {want:g} (±{tol:g}), got {got}\n    why: {entry['why']}\n{_describe(result)}"
            )
    print("\n" + "\n".join(rows))
    assert not mismatches, f"{len(mismatches)} of {len(rows)} corpus files off:\n\n" + "\n\n".join(mismatches) + \
        f"\n\nthe grader's log ends:\n{proc.stderr[-4000:]}"
