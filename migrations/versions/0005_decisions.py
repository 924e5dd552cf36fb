"""Teacher decisions follow the submission; tries the grader did not judge; feedback releases.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

- overrides.submission_id (backfilled from the grading each row was made on) and overrides.max_points
  (NULL for older rows: the maximum then is not recorded, and a regrade treats it as unchanged);
- gradings.judged: false for a try refused before running or failed by the grader, which uses no attempt;
- releases: a teacher releasing an exercise's full feedback (model answers) to students.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the columns, backfill overrides.submission_id, create releases."""
    with op.batch_alter_table("overrides") as batch:
        batch.add_column(sa.Column("submission_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("max_points", sa.Float(), nullable=True))
    op.execute(
        "UPDATE overrides SET submission_id = "
        "(SELECT gradings.submission_id FROM gradings WHERE gradings.id = overrides.grading_id)"
    )
    with op.batch_alter_table("overrides") as batch:
        batch.alter_column("submission_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            "fk_overrides_submission_id_submissions", "submissions", ["submission_id"], ["id"]
        )
        batch.create_index("ix_overrides_submission_id", ["submission_id"])
    with op.batch_alter_table("gradings") as batch:
        batch.add_column(sa.Column("judged", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("teacher", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["exercise_id"], ["exercises.id"], name="fk_releases_exercise_id_exercises"),
        sa.PrimaryKeyConstraint("id", name="pk_releases"),
    )
    op.create_index("ix_releases_exercise_id", "releases", ["exercise_id"])


def downgrade() -> None:
    """Drop them again (decisions made on one grading stay attached to it through grading_id)."""
    op.drop_index("ix_releases_exercise_id", table_name="releases")
    op.drop_table("releases")
    with op.batch_alter_table("gradings") as batch:
        batch.drop_column("judged")
    with op.batch_alter_table("overrides") as batch:
        batch.drop_index("ix_overrides_submission_id")
        batch.drop_constraint("fk_overrides_submission_id_submissions", type_="foreignkey")
        batch.drop_column("max_points")
        batch.drop_column("submission_id")
