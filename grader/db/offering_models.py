"""ORM models of course offerings: one course, term and section of a deployment, and who belongs to it.

A deployment teaches several offerings at once (this term's groups, next term's, a summer course) from the
one exercise catalogue. Every piece of course work names its offering (a submission, an assignment's settings,
an extension, a release, a regrade, a similarity run): two offerings never share a gradebook. People belong
to an offering through a `Membership` whose role is theirs there only, so a student of one offering can be a
TA in another. A student's membership names the `Student` (the roster row, which may exist without a login,
as in a graded folder); a teacher's or TA's names the `User`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grader.db.models import Base, Role, Student, User, utcnow


class Offering(Base):
    """A course as taught once: course name, term and section (several can be open at once)."""

    __tablename__ = "offerings"
    __table_args__ = (UniqueConstraint("course", "term", "section"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course: Mapped[str] = mapped_column(String(200))
    term: Mapped[str] = mapped_column(String(100), default="")
    section: Mapped[str] = mapped_column(String(100), default="")
    # The offering that data made before offerings existed went to, and where the CLI works without --offering.
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def label(self) -> str:
        """"course · term · section", without the parts left empty."""
        return " · ".join(part for part in (self.course, self.term, self.section) if part)


class Membership(Base):
    """Someone's place in one offering: a student (their roster row) or a teacher or TA (their login)."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("role IN ('student', 'teacher', 'ta')", name="role"),
        # A student is a roster row (graded folders have no login); staff are logins.
        CheckConstraint("(role = 'student' AND student_id IS NOT NULL AND user_id IS NULL) OR "
                        "(role <> 'student' AND user_id IS NOT NULL AND student_id IS NULL)", name="member"),
        # Both lead with offering_id, so they also serve "everyone of this offering".
        UniqueConstraint("offering_id", "student_id"),
        UniqueConstraint("offering_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"))
    # One of Role (the CHECK above holds it to that set); stored as plain text, not an ENUM type.
    role: Mapped[Role] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    offering: Mapped[Offering] = relationship()
    user: Mapped[User | None] = relationship()
    student: Mapped[Student | None] = relationship()
