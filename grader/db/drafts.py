"""Drafts: what a student typed on an exercise's page and has not sent, kept so a reload finds it.

One row per (student, exercise), overwritten on every save. A draft is never graded and never counts as a
submission; sending the page makes a submission as before, and the draft stays (it then holds what was sent).
Like grader.db.store, functions take the caller's Session, flush, and never commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader.db.models import Draft, Exercise, Student

# A page's code and answers; beyond this the save is refused (the editor's own cap is lower).
MAX_DRAFT_BYTES = 512 * 1024
Answer = str | list[str]


class DraftTooLarge(ValueError):
    """The draft is over MAX_DRAFT_BYTES once encoded."""


@dataclass(frozen=True)
class DraftContent:
    """The unsent code (None for a quiz without an editor) and answers by question id."""

    code: str | None = None
    answers: dict[str, Answer] = field(default_factory=dict)
    updated_at: datetime | None = None

    def as_json(self) -> dict[str, object]:
        """The stored form."""
        return {"code": self.code, "answers": self.answers}


def _content(raw: dict[str, object], updated_at: datetime) -> DraftContent:
    """A stored draft as typed content, dropping anything of the wrong type (a hand-edited row)."""
    code = raw.get("code")
    answers = raw.get("answers")
    clean: dict[str, Answer] = {}
    if isinstance(answers, dict):
        for key, value in answers.items():
            if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                clean[str(key)] = value
    return DraftContent(code=code if isinstance(code, str) else None, answers=clean, updated_at=updated_at)


def load_draft(session: Session, *, student: Student, exercise: Exercise) -> DraftContent | None:
    """The student's draft of `exercise`, or None when they have none."""
    row = session.scalars(select(Draft).where(Draft.student_id == student.id,
                                              Draft.exercise_id == exercise.id)).first()
    return _content(row.content, row.updated_at) if row is not None else None


def save_draft(session: Session, *, student: Student, exercise: Exercise, content: DraftContent,
               now: datetime) -> None:
    """Store `content` as the student's draft of `exercise`, replacing the previous one.

    Raises DraftTooLarge over MAX_DRAFT_BYTES. Two saves racing (two tabs) both succeed; the later wins.
    """
    stored = content.as_json()
    if len(json.dumps(stored, ensure_ascii=False).encode("utf-8")) > MAX_DRAFT_BYTES:
        raise DraftTooLarge(f"draft over {MAX_DRAFT_BYTES} bytes")
    query = select(Draft).where(Draft.student_id == student.id, Draft.exercise_id == exercise.id)
    row = session.scalars(query).first()
    if row is None:
        try:
            # A savepoint: losing the insert race to another tab must not roll back the caller's work.
            with session.begin_nested():
                session.add(Draft(student_id=student.id, exercise_id=exercise.id, content=stored, updated_at=now))
            return
        except IntegrityError:
            row = session.scalars(query).one()
    row.content = stored
    row.updated_at = now
    session.flush()
