"""ORM models of the grading database: who submitted what, against which spec, and what came out.

Automatic gradings are append-only by design: a regrade adds a row, and a teacher's manual override lives in
its own append-only table (`overrides`) so that the machine's verdict always stays inspectable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import true as sa_true
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

GradingStatus = Literal["queued", "running", "graded", "error"]
GRADING_STATUSES: tuple[GradingStatus, ...] = ("queued", "running", "graded", "error")
FINISHED_STATUSES: tuple[GradingStatus, ...] = ("graded", "error")

# Explicit constraint names keep migrations deterministic across backends and make SQLite batch
# operations (which must name what they drop) possible later.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the backend stores.

    SQLite keeps no offset and hands back naive values; PostgreSQL returns the session time zone. Both are
    normalised here so that deadline comparisons never mix naive and aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes (their zone is a guess) and convert aware ones to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC timestamp column; attach a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to values read back without an offset (SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base carrying the shared metadata and naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Student(Base):
    """A person who submits work, identified by a stable external id (roster id, folder name...)."""

    __tablename__ = "students"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    # Roster section (group), exported in the Canvas "Section" column.
    section: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when a teacher drops the student from their last offering (grader.course.people): their work stays
    # stored, they leave every listing.
    dropped_at: Mapped[datetime | None] = mapped_column()

    submissions: Mapped[list[Submission]] = relationship(back_populates="student")


class Exercise(Base):
    """An exercise of the course, independent of how its spec evolves."""

    __tablename__ = "exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[ExerciseVersion]] = relationship(back_populates="exercise")
    submissions: Mapped[list[Submission]] = relationship(back_populates="exercise")


class ExerciseVersion(Base):
    """One exact spec of an exercise; a grading points here so it stays reproducible after spec edits."""

    __tablename__ = "exercise_versions"
    __table_args__ = (UniqueConstraint("exercise_id", "spec_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraint above leads with exercise_id, so it already serves as the FK index.
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    spec_hash: Mapped[str] = mapped_column(String(64))
    spec_json: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exercise: Mapped[Exercise] = relationship(back_populates="versions")
    gradings: Mapped[list[Grading]] = relationship(back_populates="exercise_version")


class Submission(Base):
    """A file as received, byte for byte, even when it is not valid UTF-8."""

    __tablename__ = "submissions"
    __table_args__ = (
        # Serves "this student's submissions for this exercise" and reuse lookups by student.
        Index(None, "student_id", "exercise_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), index=True)
    # The course offering this belongs to (see grader.db.offering_models).
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    source: Mapped[bytes] = mapped_column(LargeBinary)
    source_hash: Mapped[str] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    student: Mapped[Student] = relationship(back_populates="submissions")
    exercise: Mapped[Exercise] = relationship(back_populates="submissions")
    gradings: Mapped[list[Grading]] = relationship(back_populates="submission")


class Grading(Base):
    """One automatic grading run of a submission against an exercise version.

    Status, scores and the Spanish error are copied out of `result_json` so listings can filter and sort
    without parsing JSON; `result_json` remains the full record.
    """

    __tablename__ = "gradings"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'graded', 'error')",
            name="status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    exercise_version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id"), index=True)
    # One of GradingStatus (the CHECK above holds it to that set); stored as plain text, not an ENUM type.
    status: Mapped[GradingStatus] = mapped_column(String(16), index=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    # Null only while queued or running: there is no result yet.
    result_json: Mapped[dict[str, Any] | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    logs: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a worker claimed it (status running).
    started_at: Mapped[datetime | None] = mapped_column()
    # Renewed by the worker while it grades: a claim whose heartbeat stops is a dead worker's, and is re-queued.
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    # Bumped at every claim; a result is stored only under the claim that produced it, so a worker that was
    # presumed dead and comes back cannot overwrite (or duplicate) the result of the claim that replaced it.
    claims: Mapped[int] = mapped_column(default=0, server_default="0")
    graded_at: Mapped[datetime | None] = mapped_column()
    # False when the submission was refused before running or the grader failed: that try uses no attempt.
    judged: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    # Set when the grading belongs to a teacher's "regrade everyone" job, whose progress counts these rows.
    regrade_id: Mapped[int | None] = mapped_column(ForeignKey("regrades.id"), index=True)

    submission: Mapped[Submission] = relationship(back_populates="gradings")
    exercise_version: Mapped[ExerciseVersion] = relationship(back_populates="gradings")


class Override(Base):
    """A teacher's decision on one check of a submission (or on its total), kept apart from the automatic result.

    Rows are only ever added, never updated: the newest row for a (submission, check_id) pair is the one in
    force, and the older ones are the audit trail. `check_id` NULL means the override replaces the total.
    A decision belongs to the submission, not to the grading run it was made on (`grading_id`): a regrade
    carries it to the new result while the check still exists with the same maximum (`max_points`).
    """

    __tablename__ = "overrides"
    __table_args__ = (
        # Blank reasons and negative points are refused in grader.db.review; the database backs that up
        # so a future writer (web form, script) cannot slip past it.
        CheckConstraint("length(trim(reason)) > 0", name="reason_not_blank"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grading_id: Mapped[int] = mapped_column(ForeignKey("gradings.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    check_id: Mapped[str | None] = mapped_column(String(200))
    points: Mapped[float] = mapped_column(Float)
    # The check's (or total's) maximum when the decision was made; NULL for rows older than this column.
    max_points: Mapped[float | None] = mapped_column(Float)
    # What was in force just before (automatic points or the previous override), so the trail reads
    # "before -> after" without replaying history.
    points_before: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    teacher: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grading: Mapped[Grading] = relationship()


Role = Literal["student", "teacher", "ta"]


class User(Base):
    """A login of the web service. A student's account points at the `Student` whose work it submits."""

    __tablename__ = "users"
    # A TA ("ta") grades and reviews like a teacher but cannot change settings, release, or manage accounts.
    __table_args__ = (CheckConstraint("role IN ('student', 'teacher', 'ta')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # What the account is (a student's login, a teacher's...); `role` below is the role in the offering at hand.
    account_role: Mapped[str] = mapped_column("role", String(16))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(255))
    # SHA-256 of the API token: a leaked database does not leak usable tokens.
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    student: Mapped[Student | None] = relationship()

    # Set by the web layer for one request to the user's role in the offering being worked on (grader.web.offering):
    # "" when they belong to none. Not stored; None (the CLI, the workers) means the account's role.
    # Its type is declared for the type checker only: the ORM would try to map an annotation in the class body.
    if TYPE_CHECKING:
        offering_role: str | None
    offering_role = None

    @hybrid_property
    def role(self) -> str:
        """The role that decides what this user may do now: their membership's in the offering at hand, else
        the account's. In a query, the account's role column."""
        return self.offering_role if self.offering_role is not None else self.account_role

    @role.inplace.setter
    def _role_set(self, value: str) -> None:
        """Setting the role sets the account's."""
        self.account_role = value

    @role.inplace.expression
    @classmethod
    def _role_column(cls) -> Any:
        """In queries, `User.role` is the account's role."""
        return cls.account_role

    # The interface Flask-Login expects, written out so the ORM layer does not import the web framework.
    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session."""
        return str(self.id)


class LoginAttempt(Base):
    """One login try, kept for throttling: several processes (gunicorn workers) see the same counts."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index(None, "username", "created_at"), Index(None, "remote_addr", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(255))
    remote_addr: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Draft(Base):
    """What a student has typed into an exercise's page and not sent yet: code and answers, kept server-side so
    a reload or another device finds them. One row per student and exercise, overwritten as they type."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("student_id", "exercise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    content: Mapped[dict[str, Any]] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Release(Base):
    """A teacher releasing (or withdrawing) the full feedback of an exercise; the newest row is in force."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), index=True)
    # The course offering this belongs to (see grader.db.offering_models).
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"), index=True)
    released: Mapped[bool] = mapped_column()
    teacher: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Regrade(Base):
    """A teacher's request to grade every student's latest submission of an exercise again."""

    __tablename__ = "regrades"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), index=True)
    # The course offering this belongs to (see grader.db.offering_models).
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(255))
    total: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exercise: Mapped[Exercise] = relationship()
