"""Drafts: a student's unsent code and answers per exercise, kept on the server.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create drafts, one row per (student, exercise)."""
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name="fk_drafts_student_id_students"),
        sa.ForeignKeyConstraint(["exercise_id"], ["exercises.id"], name="fk_drafts_exercise_id_exercises"),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
        sa.UniqueConstraint("student_id", "exercise_id", name="uq_drafts_student_id_exercise_id"),
    )


def downgrade() -> None:
    """Drop drafts."""
    op.drop_table("drafts")
