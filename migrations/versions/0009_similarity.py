"""Similarity flags: runs of the similarity check, the pairs they flag, and teachers' notes on pairs.

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create similarity_runs, similarity_flags and similarity_notes."""
    op.create_table(
        "similarity_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(255), nullable=False),
        sa.Column("compared", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["exercise_id"], ["exercises.id"], name="fk_similarity_runs_exercise_id_exercises"),
        sa.PrimaryKeyConstraint("id", name="pk_similarity_runs"),
    )
    op.create_index("ix_similarity_runs_exercise_id", "similarity_runs", ["exercise_id"])
    op.create_index("ix_similarity_runs_status", "similarity_runs", ["status"])
    op.create_table(
        "similarity_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("submission_a_id", sa.Integer(), nullable=False),
        sa.Column("submission_b_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("code_similarity", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("shared", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["similarity_runs.id"], name="fk_similarity_flags_run_id_similarity_runs"),
        sa.ForeignKeyConstraint(["submission_a_id"], ["submissions.id"],
                                name="fk_similarity_flags_submission_a_id_submissions"),
        sa.ForeignKeyConstraint(["submission_b_id"], ["submissions.id"],
                                name="fk_similarity_flags_submission_b_id_submissions"),
        sa.PrimaryKeyConstraint("id", name="pk_similarity_flags"),
    )
    op.create_index("ix_similarity_flags_run_id", "similarity_flags", ["run_id"])
    op.create_table(
        "similarity_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("student_a_id", sa.Integer(), nullable=False),
        sa.Column("student_b_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("teacher", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["exercise_id"], ["exercises.id"], name="fk_similarity_notes_exercise_id_exercises"),
        sa.ForeignKeyConstraint(["student_a_id"], ["students.id"], name="fk_similarity_notes_student_a_id_students"),
        sa.ForeignKeyConstraint(["student_b_id"], ["students.id"], name="fk_similarity_notes_student_b_id_students"),
        sa.PrimaryKeyConstraint("id", name="pk_similarity_notes"),
        sa.UniqueConstraint("exercise_id", "student_a_id", "student_b_id",
                            name="uq_similarity_notes_exercise_id_student_a_id_student_b_id"),
    )


def downgrade() -> None:
    """Drop the similarity tables."""
    op.drop_table("similarity_notes")
    op.drop_index("ix_similarity_flags_run_id", table_name="similarity_flags")
    op.drop_table("similarity_flags")
    op.drop_index("ix_similarity_runs_status", table_name="similarity_runs")
    op.drop_index("ix_similarity_runs_exercise_id", table_name="similarity_runs")
    op.drop_table("similarity_runs")
