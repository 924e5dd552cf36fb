"""Similarity flags: which hand-ins of one exercise were probably copied, with evidence a teacher can show.

Pure core: documents in, flagged pairs out. Nothing here runs student code, changes a score or is shown
to students. See docs/similarity.md for how the signals are weighed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from grader.core.similarity.boilerplate import Boilerplate, build_boilerplate
from grader.core.similarity.compare import DEFAULT_THRESHOLD, Evidence, PairFlag, Span, compare_class, profile
from grader.core.similarity.document import Document, read_document
from grader.core.specs.models import ExerciseSpec

__all__ = ["DEFAULT_THRESHOLD", "Boilerplate", "Document", "Evidence", "PairFlag", "Span", "build_boilerplate",
           "find_similar", "read_document"]


def find_similar(*, documents: Sequence[Document], spec: ExerciseSpec, exercises_dir: Path,
                 threshold: float = DEFAULT_THRESHOLD) -> list[PairFlag]:
    """The pairs of `documents` (hand-ins of exercise `spec`) scoring at least `threshold`, best first;
    the exercise's material under `exercises_dir` is discounted as boilerplate."""
    boilerplate = build_boilerplate(spec=spec, exercises_dir=exercises_dir)
    return compare_class(profiles=[profile(doc, boilerplate) for doc in documents], threshold=threshold)
