"""Data files handed in beside a submission (a zipped folder's CSV...), kept for every grading of it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create submission_files."""
    op.create_table(
        "submission_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name="fk_submission_files_submission_id_submissions"),
        sa.PrimaryKeyConstraint("id", name="pk_submission_files"),
        sa.UniqueConstraint("submission_id", "path", name="uq_submission_files_submission_id_path"),
    )


def downgrade() -> None:
    """Drop submission_files."""
    op.drop_table("submission_files")
