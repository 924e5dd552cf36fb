"""The stored 'spec version' of an exercise: its spec and the code that grades it.

A result stored under another version is never reused. The fingerprint reads (never imports) the files
that can change a grade: the pure core (specs, checks, questions, scoring...) and the engine (sandbox,
evaluator, pipeline, shipped data). The web, the CLI, the queue and the course pages are not in it:
editing a page or a message there keeps every stored result reusable.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from grader.core.specs.models import ExerciseSpec

PACKAGE = Path(__file__).resolve().parents[1]
# The folders of the grader package whose files decide a grade.
GRADING_CODE = ("core", "engine")


def fingerprint(root: Path = PACKAGE) -> str:
    """A hash of the grading code and shipped data under `root` (the grader package)."""
    digest = hashlib.sha256()
    files = (p for folder in GRADING_CODE for p in (root / folder).rglob("*")
             if p.suffix in {".py", ".csv"} and "__pycache__" not in p.parts)
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@cache
def grading_fingerprint() -> str:
    """The fingerprint of this installation's grading code (computed once per process)."""
    return fingerprint()


def version_hash(spec: ExerciseSpec) -> str:
    """The stored 'spec version': the spec's content hash combined with the grading code's fingerprint."""
    return hashlib.sha256(f"{spec.spec_hash()}:{grading_fingerprint()}".encode()).hexdigest()
