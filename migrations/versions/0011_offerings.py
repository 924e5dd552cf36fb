"""Course offerings: a deployment teaches several (course, term, section), each with its roster and staff.

Everything already stored goes to ONE default offering, so no score changes: every submission, assignment
setting, extension, exam start, release, regrade and similarity run or note gets its id; every student (dropped
ones too: their `dropped_at` still keeps them out of listings) gets a student membership, every teacher and TA
a staff membership of their account's role; and the approved LMS courses map to it. The LMS link of a user
and exercise becomes one per LMS course (a student can launch the same exercise from two offerings).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import context, op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose rows belong to an offering: (table, whether offering_id gets its own index).
SCOPED: tuple[tuple[str, bool], ...] = (
    ("submissions", True), ("releases", True), ("regrades", True), ("assignment_settings", True),
    ("extensions", True), ("exam_starts", False), ("similarity_runs", True), ("similarity_notes", False),
)


def _create_tables() -> None:
    """The offerings and memberships tables."""
    op.create_table(
        "offerings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(length=200), nullable=False),
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("section", sa.String(length=100), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_offerings"),
        sa.UniqueConstraint("course", "term", "section", name="uq_offerings_course_term_section"),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offering_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('student', 'teacher', 'ta')", name="ck_memberships_role"),
        sa.CheckConstraint("(role = 'student' AND student_id IS NOT NULL AND user_id IS NULL) OR "
                           "(role <> 'student' AND user_id IS NOT NULL AND student_id IS NULL)",
                           name="ck_memberships_member"),
        sa.ForeignKeyConstraint(["offering_id"], ["offerings.id"], name="fk_memberships_offering_id_offerings"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_memberships_user_id_users"),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name="fk_memberships_student_id_students"),
        sa.PrimaryKeyConstraint("id", name="pk_memberships"),
        sa.UniqueConstraint("offering_id", "student_id", name="uq_memberships_offering_id_student_id"),
        sa.UniqueConstraint("offering_id", "user_id", name="uq_memberships_offering_id_user_id"),
    )
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    op.create_index("ix_memberships_student_id", "memberships", ["student_id"])


def _fill(default_id: int) -> None:
    """Point every stored row at the default offering and make everyone a member of it."""
    now = datetime.now(UTC)
    for table, _ in SCOPED:
        op.execute(sa.text(f"UPDATE {table} SET offering_id = :o").bindparams(o=default_id))
    op.execute(sa.text("UPDATE lti_contexts SET offering_id = :o WHERE approved").bindparams(o=default_id))
    bind = op.get_bind()
    bind.execute(sa.text("INSERT INTO memberships (offering_id, role, student_id, created_at) "
                         "SELECT :o, 'student', id, :now FROM students"), {"o": default_id, "now": now})
    bind.execute(sa.text("INSERT INTO memberships (offering_id, role, user_id, created_at) "
                         "SELECT :o, role, id, :now FROM users WHERE role IN ('teacher', 'ta')"),
                 {"o": default_id, "now": now})


def upgrade() -> None:
    """Create offerings and memberships, scope the course tables, put what exists in the default offering."""
    _create_tables()
    for table, _ in SCOPED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("offering_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("lti_contexts") as batch:
        batch.add_column(sa.Column("offering_id", sa.Integer(), nullable=True))
    if not context.is_offline_mode():
        bind = op.get_bind()
        bind.execute(sa.text("INSERT INTO offerings (course, term, section, is_default, created_at) "
                             "VALUES ('Curso', '', '', :t, :now)"), {"t": True, "now": datetime.now(UTC)})
        default_id = bind.execute(sa.text("SELECT id FROM offerings WHERE is_default")).scalar_one()
        _fill(default_id)
    for table, indexed in SCOPED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("offering_id", existing_type=sa.Integer(), nullable=False)
            batch.create_foreign_key(f"fk_{table}_offering_id_offerings", "offerings", ["offering_id"], ["id"])
            if indexed:
                batch.create_index(f"ix_{table}_offering_id", ["offering_id"])
    with op.batch_alter_table("exam_starts") as batch:
        batch.drop_constraint("uq_exam_starts_exercise_student_id", type_="unique")
        batch.create_unique_constraint("uq_exam_starts_offering_id_exercise_student_id",
                                       ["offering_id", "exercise", "student_id"])
    with op.batch_alter_table("similarity_notes") as batch:
        batch.drop_constraint("uq_similarity_notes_exercise_id_student_a_id_student_b_id", type_="unique")
        batch.create_unique_constraint("uq_similarity_notes_pair",
                                       ["offering_id", "exercise_id", "student_a_id", "student_b_id"])
    with op.batch_alter_table("lti_contexts") as batch:
        batch.create_foreign_key("fk_lti_contexts_offering_id_offerings", "offerings", ["offering_id"], ["id"])
        batch.create_index("ix_lti_contexts_offering_id", ["offering_id"])
    with op.batch_alter_table("lti_links") as batch:
        batch.drop_constraint("uq_lti_links_lti_user_id_exercise_id", type_="unique")
        batch.create_unique_constraint("uq_lti_links_lti_user_id_context_id_exercise_id",
                                       ["lti_user_id", "context_id", "exercise_id"])


def downgrade() -> None:
    """Back to one course: the default offering's rows stay, every other offering's work is deleted."""
    bind = op.get_bind()
    keep = "(SELECT id FROM offerings WHERE is_default)"
    others = f"offering_id IS NOT NULL AND offering_id NOT IN {keep}"
    for table in ("overrides", "gradings"):
        bind.execute(sa.text(f"DELETE FROM {table} WHERE submission_id IN (SELECT id FROM submissions WHERE {others})"))
    bind.execute(sa.text("DELETE FROM similarity_flags WHERE run_id IN "
                         f"(SELECT id FROM similarity_runs WHERE {others})"))
    bind.execute(sa.text("DELETE FROM lti_score_posts WHERE link_id IN (SELECT id FROM lti_links WHERE context_id IN "
                         f"(SELECT id FROM lti_contexts WHERE {others}))"))
    bind.execute(sa.text(f"DELETE FROM lti_links WHERE context_id IN (SELECT id FROM lti_contexts WHERE {others})"))
    for table, _ in SCOPED:
        bind.execute(sa.text(f"DELETE FROM {table} WHERE {others}"))
    with op.batch_alter_table("lti_links") as batch:
        batch.drop_constraint("uq_lti_links_lti_user_id_context_id_exercise_id", type_="unique")
        batch.create_unique_constraint("uq_lti_links_lti_user_id_exercise_id", ["lti_user_id", "exercise_id"])
    with op.batch_alter_table("similarity_notes") as batch:
        batch.drop_constraint("uq_similarity_notes_pair", type_="unique")
        batch.create_unique_constraint("uq_similarity_notes_exercise_id_student_a_id_student_b_id",
                                       ["exercise_id", "student_a_id", "student_b_id"])
    with op.batch_alter_table("exam_starts") as batch:
        batch.drop_constraint("uq_exam_starts_offering_id_exercise_student_id", type_="unique")
        batch.create_unique_constraint("uq_exam_starts_exercise_student_id", ["exercise", "student_id"])
    with op.batch_alter_table("lti_contexts") as batch:
        batch.drop_index("ix_lti_contexts_offering_id")
        batch.drop_constraint("fk_lti_contexts_offering_id_offerings", type_="foreignkey")
        batch.drop_column("offering_id")
    for table, indexed in SCOPED:
        with op.batch_alter_table(table) as batch:
            if indexed:
                batch.drop_index(f"ix_{table}_offering_id")
            batch.drop_constraint(f"fk_{table}_offering_id_offerings", type_="foreignkey")
            batch.drop_column("offering_id")
    op.drop_index("ix_memberships_student_id", table_name="memberships")
    op.drop_index("ix_memberships_user_id", table_name="memberships")
    op.drop_table("memberships")
    op.drop_table("offerings")
