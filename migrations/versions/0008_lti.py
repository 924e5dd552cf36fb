"""LTI 1.3: LMS users, contexts, launched links with their line items, the score outbox, server-side state.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create lti_users, lti_contexts, lti_links, lti_score_posts and lti_states."""
    op.create_table(
        "lti_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_launch_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_lti_users_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_lti_users"),
        sa.UniqueConstraint("issuer", "subject", name="uq_lti_users_issuer_subject"),
        sa.UniqueConstraint("user_id", name="uq_lti_users_user_id"),
    )
    op.create_table(
        "lti_contexts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("deployment_id", sa.String(255), nullable=False),
        sa.Column("context_id", sa.String(255), nullable=False),
        sa.Column("title", sa.String(500), nullable=True),
        sa.Column("nrps_url", sa.Text(), nullable=True),
        sa.Column("approved", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("synced_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lti_contexts"),
        sa.UniqueConstraint("issuer", "deployment_id", "context_id",
                            name="uq_lti_contexts_issuer_deployment_id_context_id"),
    )
    op.create_table(
        "lti_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lti_user_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=False),
        sa.Column("resource_link_id", sa.String(255), nullable=False),
        sa.Column("lineitem_url", sa.Text(), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["lti_user_id"], ["lti_users.id"], name="fk_lti_links_lti_user_id_lti_users"),
        sa.ForeignKeyConstraint(["exercise_id"], ["exercises.id"], name="fk_lti_links_exercise_id_exercises"),
        sa.ForeignKeyConstraint(["context_id"], ["lti_contexts.id"], name="fk_lti_links_context_id_lti_contexts"),
        sa.PrimaryKeyConstraint("id", name="pk_lti_links"),
        sa.UniqueConstraint("lti_user_id", "exercise_id", name="uq_lti_links_lti_user_id_exercise_id"),
    )
    op.create_index("ix_lti_links_exercise_id", "lti_links", ["exercise_id"])
    op.create_index("ix_lti_links_context_id", "lti_links", ["context_id"])
    op.create_table(
        "lti_score_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_score", sa.JSON(), nullable=True),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.CheckConstraint("status IN ('pending', 'failed', 'sent')", name="ck_lti_score_posts_status"),
        sa.ForeignKeyConstraint(["link_id"], ["lti_links.id"], name="fk_lti_score_posts_link_id_lti_links"),
        sa.PrimaryKeyConstraint("id", name="pk_lti_score_posts"),
        sa.UniqueConstraint("link_id", name="uq_lti_score_posts_link_id"),
    )
    op.create_index("ix_lti_score_posts_status_next_attempt_at", "lti_score_posts", ["status", "next_attempt_at"])
    op.create_table(
        "lti_states",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_lti_states"),
    )
    op.create_index("ix_lti_states_expires_at", "lti_states", ["expires_at"])


def downgrade() -> None:
    """Drop them, dependents first."""
    op.drop_index("ix_lti_states_expires_at", table_name="lti_states")
    op.drop_table("lti_states")
    op.drop_index("ix_lti_score_posts_status_next_attempt_at", table_name="lti_score_posts")
    op.drop_table("lti_score_posts")
    op.drop_index("ix_lti_links_context_id", table_name="lti_links")
    op.drop_index("ix_lti_links_exercise_id", table_name="lti_links")
    op.drop_table("lti_links")
    op.drop_table("lti_contexts")
    op.drop_table("lti_users")
