"""A student's draft of an exercise page, addressed by exercise id as the pages and the API know it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from grader.core.specs.models import ExerciseSpec
from grader.db import drafts, store
from grader.db.models import Exercise, Student
from grader.db.version import version_hash


def _exercise(session: Session, spec: ExerciseSpec) -> Exercise:
    """The exercise row of `spec` (created with its current version on the first draft, as a submission
    would)."""
    version = store.get_or_create_exercise_version(session, slug=spec.id, title=spec.title.es,
                                                   spec_hash=version_hash(spec),
                                                   spec_json=spec.model_dump(mode="json"))
    return version.exercise


def student_draft(session: Session, *, spec: ExerciseSpec, student: Student) -> drafts.DraftContent | None:
    """`student`'s draft of `spec`, or None."""
    return drafts.load_draft(session, student=student, exercise=_exercise(session, spec))


def keep_draft(session: Session, *, spec: ExerciseSpec, student: Student, content: drafts.DraftContent,
               now: datetime) -> None:
    """Store `content` as `student`'s draft of `spec` (only known question ids are kept); the caller commits.

    Raises grader.db.drafts.DraftTooLarge when it is over the cap.
    """
    known = {q.id for q in spec.questions}
    answers = {key: value for key, value in content.answers.items() if key in known}
    drafts.save_draft(session, student=student, exercise=_exercise(session, spec), now=now,
                      content=drafts.DraftContent(code=content.code, answers=answers))
