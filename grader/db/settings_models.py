"""ORM models of the course settings a teacher edits in the browser: assignment settings, per-student
extensions, and the start of each student's timed exam (see grader.course.settings)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grader.db.models import Base, utcnow


class AssignmentSetting(Base):
    """The settings of one assigned exercise as a teacher set them; rows are only added, the newest in force.

    The course file gives the first values (the migration copies them in; an exercise without rows uses the
    file). Each row is a whole snapshot, so the settings in force at any moment are one row, which is how a
    change applies only from then on: a submission's lateness is judged by the row in force when it arrived.
    """

    __tablename__ = "assignment_settings"
    __table_args__ = (
        CheckConstraint("release IN ('immediate', 'after_deadline', 'manual')", name="release"),
        Index(None, "exercise", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The course offering this belongs to (see grader.db.offering_models).
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"), index=True)
    exercise: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    max_attempts: Mapped[int | None] = mapped_column()
    late_until: Mapped[datetime | None] = mapped_column()
    late_penalty: Mapped[float | None] = mapped_column(Float)
    release: Mapped[str] = mapped_column(String(16))
    time_limit_min: Mapped[int | None] = mapped_column()
    teacher: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Extension(Base):
    """A student's own deadline and attempts on one exercise (an accommodation); rows are only added, the
    newest per (exercise, student) in force; `removed` ends it."""

    __tablename__ = "extensions"
    __table_args__ = (Index(None, "exercise", "student_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The course offering this belongs to (see grader.db.offering_models).
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"), index=True)
    exercise: Mapped[str] = mapped_column(String(200))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    due_at: Mapped[datetime | None] = mapped_column()
    max_attempts: Mapped[int | None] = mapped_column()
    removed: Mapped[bool] = mapped_column(default=False)
    teacher: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExamStart(Base):
    """When a student pressed "start" on a timed exam: their clock runs from here."""

    __tablename__ = "exam_starts"
    __table_args__ = (UniqueConstraint("offering_id", "exercise", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"))
    exercise: Mapped[str] = mapped_column(String(200))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
