"""Similarity flags for the hand-ins found under some paths: the one function the CLI and jobs call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.batch.discover import Found, discover, read_submission
from grader.core.i18n import Text, t
from grader.core.similarity import DEFAULT_THRESHOLD, Document, PairFlag, find_similar, read_document
from grader.core.sources import SubmissionError
from grader.core.specs.loader import Catalog
from grader.core.specs.models import ExerciseSpec


@dataclass(frozen=True)
class Skipped:
    """A found entry that was not compared, and why."""

    student: str
    why: Text


@dataclass(frozen=True)
class SimilarityReport:
    """The flagged pairs of one exercise's hand-ins, how many were compared, and what was left out."""

    exercise: str
    compared: int
    threshold: float
    flags: list[PairFlag]
    skipped: list[Skipped]

    @property
    def pairs(self) -> int:
        """How many pairs were compared."""
        return self.compared * (self.compared - 1) // 2


def _read(item: Found, spec: ExerciseSpec) -> Document | Skipped:
    if item.problem is not None:
        return Skipped(item.student, item.problem)
    try:
        return read_document(name=item.student, filename=item.path.name, data=read_submission(item), spec=spec)
    except SubmissionError as exc:
        return Skipped(item.student, exc.message)
    except OSError as exc:
        return Skipped(item.student, t(f"no se pudo leer {item.path}: {exc}", f"could not read {item.path}: {exc}"))


def similarity_report(*, catalog: Catalog, exercise_id: str, paths: list[Path],
                      threshold: float = DEFAULT_THRESHOLD) -> SimilarityReport:
    """Compare every hand-in under `paths` (found as `grader grade` finds them) for exercise `exercise_id`.

    Raises KeyError/SpecError for an unknown or invalid exercise and FileNotFoundError for a missing path.
    Nothing is run: the files are only read.
    """
    spec = catalog.get(exercise_id)
    documents: list[Document] = []
    skipped: list[Skipped] = []
    for item in discover(paths):
        read = _read(item, spec)
        if isinstance(read, Document):
            documents.append(read)
        else:
            skipped.append(read)
    flags = find_similar(documents=documents, spec=spec, exercises_dir=catalog.directory, threshold=threshold)
    return SimilarityReport(exercise=exercise_id, compared=len(documents), threshold=threshold, flags=flags,
                            skipped=skipped)
