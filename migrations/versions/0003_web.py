"""Web service: user accounts, login throttling, regrade jobs, grading claims, roster sections.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create users, login_attempts and regrades; add claim/regrade columns to gradings and a section."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("api_token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.CheckConstraint("role IN ('student', 'teacher')", name=op.f("ck_users_role")),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name=op.f("fk_users_student_id_students")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
        sa.UniqueConstraint("student_id", name=op.f("uq_users_student_id")),
        sa.UniqueConstraint("api_token_hash", name=op.f("uq_users_api_token_hash")),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index(op.f("ix_login_attempts_username_created_at"), "login_attempts", ["username", "created_at"])
    op.create_index(
        op.f("ix_login_attempts_remote_addr_created_at"), "login_attempts", ["remote_addr", "created_at"]
    )
    op.create_table(
        "regrades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=255), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["exercise_id"], ["exercises.id"], name=op.f("fk_regrades_exercise_id_exercises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regrades")),
    )
    op.create_index(op.f("ix_regrades_exercise_id"), "regrades", ["exercise_id"])
    with op.batch_alter_table("gradings") as batch:
        batch.add_column(sa.Column("started_at", _TIMESTAMP, nullable=True))
        batch.add_column(sa.Column("regrade_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_gradings_regrade_id_regrades"), "regrades", ["regrade_id"], ["id"])
        batch.create_index(op.f("ix_gradings_regrade_id"), ["regrade_id"])
    with op.batch_alter_table("students") as batch:
        batch.add_column(sa.Column("section", sa.String(length=255), nullable=True))


def downgrade() -> None:
    """Drop what upgrade added; submissions and gradings keep their data."""
    with op.batch_alter_table("students") as batch:
        batch.drop_column("section")
    with op.batch_alter_table("gradings") as batch:
        batch.drop_index(op.f("ix_gradings_regrade_id"))
        batch.drop_constraint(op.f("fk_gradings_regrade_id_regrades"), type_="foreignkey")
        batch.drop_column("regrade_id")
        batch.drop_column("started_at")
    op.drop_table("regrades")
    op.drop_table("login_attempts")
    op.drop_table("users")
