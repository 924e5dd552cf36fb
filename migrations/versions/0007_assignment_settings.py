"""Assignment settings in the database: dates, attempts, release policy, late policy, time limits, per-student
extensions, timed exams' starts; teaching assistants, and students a teacher dropped from the course.

The course file's settings of every assignment that already has submissions are copied in as its first row
(created at the epoch, so they are the ones in force for every submission already made: no score changes);
from then on the database, not the file, holds them. An exercise without rows keeps taking its values from the
file (a fresh course, or one added later) until a teacher first edits it. The file read is
`GRADER_COURSE_FILE`, else the default course file; when it cannot be read nothing is copied.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _course_rows(in_use: set[str]) -> list[dict[str, object]]:
    """One settings row per assignment of the course file in `in_use`, or none when the file cannot be read."""
    from grader.core.specs.loader import read_yaml
    from grader.course.course import DEFAULT_COURSE_FILE, Course

    path = Path(os.environ.get("GRADER_COURSE_FILE") or DEFAULT_COURSE_FILE)
    try:
        course = Course.model_validate(read_yaml(path))
    except Exception:  # a missing or broken file copies nothing; the app reports it at start-up
        return []
    return [{"exercise": a.exercise, "opens_at": a.opens_at, "due_at": a.due_at, "max_attempts": a.max_attempts,
             "late_until": a.late.until if a.late else None, "late_penalty": a.late.penalty if a.late else None,
             "release": a.feedback_policy.release, "time_limit_min": None, "teacher": "course.yaml",
             "created_at": EPOCH} for a in course.assignments if a.exercise in in_use]


def upgrade() -> None:
    """Create the settings tables, copy the course file's settings in, allow the `ta` role, add
    `students.dropped_at`."""
    settings = op.create_table(
        "assignment_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise", sa.String(length=200), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("late_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late_penalty", sa.Float(), nullable=True),
        sa.Column("release", sa.String(length=16), nullable=False),
        sa.Column("time_limit_min", sa.Integer(), nullable=True),
        sa.Column("teacher", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("release IN ('immediate', 'after_deadline', 'manual')",
                           name=op.f("ck_assignment_settings_release")),
        sa.PrimaryKeyConstraint("id", name="pk_assignment_settings"),
    )
    op.create_index("ix_assignment_settings_exercise_created_at", "assignment_settings", ["exercise", "created_at"])
    op.create_table(
        "extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise", sa.String(length=200), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("teacher", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name="fk_extensions_student_id_students"),
        sa.PrimaryKeyConstraint("id", name="pk_extensions"),
    )
    op.create_index("ix_extensions_exercise_student_id_created_at", "extensions",
                    ["exercise", "student_id", "created_at"])
    op.create_table(
        "exam_starts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise", sa.String(length=200), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name="fk_exam_starts_student_id_students"),
        sa.PrimaryKeyConstraint("id", name="pk_exam_starts"),
        sa.UniqueConstraint("exercise", "student_id", name="uq_exam_starts_exercise_student_id"),
    )
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.create_check_constraint(op.f("ck_users_role"), "role IN ('student', 'teacher', 'ta')")
    with op.batch_alter_table("students") as batch:
        batch.add_column(sa.Column("dropped_at", sa.DateTime(timezone=True), nullable=True))
    if context.is_offline_mode():  # a SQL script cannot read the data: nothing to copy, the file still rules
        return
    in_use = set(op.get_bind().execute(sa.text(
        "SELECT DISTINCT exercises.slug FROM exercises JOIN submissions ON submissions.exercise_id = exercises.id"
    )).scalars())
    rows = _course_rows(in_use) if in_use else []
    if rows:
        op.bulk_insert(settings, rows)


def downgrade() -> None:
    """Drop the settings tables and `students.dropped_at`; teaching assistants' accounts go (the role is gone)."""
    op.execute("DELETE FROM users WHERE role = 'ta'")
    with op.batch_alter_table("students") as batch:
        batch.drop_column("dropped_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.create_check_constraint(op.f("ck_users_role"), "role IN ('student', 'teacher')")
    op.drop_table("exam_starts")
    op.drop_index("ix_extensions_exercise_student_id_created_at", table_name="extensions")
    op.drop_table("extensions")
    op.drop_index("ix_assignment_settings_exercise_created_at", table_name="assignment_settings")
    op.drop_table("assignment_settings")
