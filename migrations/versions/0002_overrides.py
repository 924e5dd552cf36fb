"""Manual overrides: a teacher's decisions on automatic results, in an append-only audit table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain DateTime, as in 0001: the UTC handling of the models is Python-side only.
_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the `overrides` table and the index that finds a grading's overrides."""
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grading_id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.String(length=200), nullable=True),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("points_before", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("teacher", sa.String(length=255), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.CheckConstraint("length(trim(reason)) > 0", name=op.f("ck_overrides_reason_not_blank")),
        sa.CheckConstraint("points >= 0", name=op.f("ck_overrides_points_not_negative")),
        sa.ForeignKeyConstraint(
            ["grading_id"], ["gradings.id"], name=op.f("fk_overrides_grading_id_gradings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overrides")),
    )
    op.create_index(op.f("ix_overrides_grading_id"), "overrides", ["grading_id"])


def downgrade() -> None:
    """Drop the table (its index and constraints go with it); gradings are left untouched."""
    op.drop_table("overrides")
