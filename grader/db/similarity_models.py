"""ORM models of similarity checks: a run over an exercise's hand-ins, the pairs it flagged with their evidence,
and the teachers' notes on a pair. For teachers only; nothing here ever changes a score."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grader.db.models import Base, Exercise, Submission, utcnow

SimilarityStatus = Literal["queued", "running", "done", "failed"]


class SimilarityRun(Base):
    """One similarity check of an exercise's hand-ins (each student's newest), queued by a teacher or by the
    deadline passing, and run by a background job, never inside a request. Its flags never touch a score."""

    __tablename__ = "similarity_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), index=True)
    # The course offering this belongs to (see grader.db.offering_models).
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    requested_by: Mapped[str] = mapped_column(String(255))
    compared: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()

    exercise: Mapped[Exercise] = relationship()
    flags: Mapped[list[SimilarityFlag]] = relationship(back_populates="run", order_by="SimilarityFlag.score.desc()")


class SimilarityFlag(Base):
    """A pair of submissions a run flagged: score, evidence ([{kind, detail}]) and the shared line spans
    ({"a": [[cell, first, last], ...], "b": [...]}). For teachers only."""

    __tablename__ = "similarity_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("similarity_runs.id"), index=True)
    submission_a_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    submission_b_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    score: Mapped[float] = mapped_column(Float)
    code_similarity: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    shared: Mapped[dict[str, list[list[int]]]] = mapped_column(JSON)

    run: Mapped[SimilarityRun] = relationship(back_populates="flags")
    submission_a: Mapped[Submission] = relationship(foreign_keys=[submission_a_id])
    submission_b: Mapped[Submission] = relationship(foreign_keys=[submission_b_id])


class SimilarityNote(Base):
    """A teacher's note on a pair of students for an exercise; kept across runs (students in sorted order)."""

    __tablename__ = "similarity_notes"
    __table_args__ = (UniqueConstraint("offering_id", "exercise_id", "student_a_id", "student_b_id",
                                       name="uq_similarity_notes_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    student_a_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    student_b_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    note: Mapped[str] = mapped_column(Text)
    teacher: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
