"""Grading claims with heartbeats: a killed worker's grading is re-queued and stored exactly once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add gradings.heartbeat_at and gradings.claims."""
    with op.batch_alter_table("gradings") as batch:
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claims", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("gradings") as batch:
        batch.drop_column("claims")
        batch.drop_column("heartbeat_at")
