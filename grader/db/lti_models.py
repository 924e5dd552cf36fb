"""ORM models of the LTI 1.3 side: who launched from which LMS, their line items, and the score outbox.

An LMS user is (issuer, subject), linked to one local `User`. An LMS course (the launch's context) is an
`LtiContext`, mapped to one course offering (created by an instructor's first launch). A launch of an exercise
leaves an `LtiLink` per (user, context, exercise) with the line item and service URLs the platform gave; every
change of that student's counting score marks the link's `LtiScorePost` pending, in the same transaction, so no
score change is lost if the LMS is down.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grader.db.models import Base, Exercise, User, utcnow

PostStatus = Literal["pending", "failed", "sent"]
POST_STATUSES: tuple[PostStatus, ...] = ("pending", "failed", "sent")


class LtiUser(Base):
    """An LMS account (issuer + subject) and the local user it logs in as."""

    __tablename__ = "lti_users"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    # The LMS roles of the newest launch, as sent (full role URIs), for the teacher's information.
    roles: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_launch_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class LtiContext(Base):
    """An LMS course (the launch's context claim) and its Names and Roles service URL.

    Launches are accepted from approved contexts only: the first one is approved by an instructor's first
    launch, any later one by a teacher of the grader (else any instructor of any LMS course sharing the
    deployment would become a teacher here).
    """

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("issuer", "deployment_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    deployment_id: Mapped[str] = mapped_column(String(255))
    context_id: Mapped[str] = mapped_column(String(255))
    # The offering this LMS course is; None until approved (an instructor's first launch, or a teacher).
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offerings.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(500))
    nrps_url: Mapped[str | None] = mapped_column(Text)
    approved: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    synced_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiLink(Base):
    """A user's launch of one exercise from one LMS course: where that grade goes in the LMS (its line item)."""

    __tablename__ = "lti_links"
    __table_args__ = (UniqueConstraint("lti_user_id", "context_id", "exercise_id"), Index(None, "exercise_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    lti_user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_contexts.id"), index=True)
    resource_link_id: Mapped[str] = mapped_column(String(255))
    # Null when the platform offered no grade service for this link (nothing is posted then).
    lineitem_url: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    lti_user: Mapped[LtiUser] = relationship()
    exercise: Mapped[Exercise] = relationship()
    context: Mapped[LtiContext] = relationship()


class LtiScorePost(Base):
    """The outbox entry of one link: the newest score is to be sent (pending), could not be (failed), or was.

    `generation` is bumped by every score change; a send records the generation it computed the score for, and
    is marked sent only if no change came meanwhile, so a score that changes during a post is sent again.
    """

    __tablename__ = "lti_score_posts"
    __table_args__ = (CheckConstraint("status IN ('pending', 'failed', 'sent')", name="status"),
                      Index(None, "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("lti_links.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    generation: Mapped[int] = mapped_column(default=1)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The score JSON last sent (or tried), for the teacher's outbox page.
    last_score: Mapped[dict[str, Any] | None] = mapped_column()
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()

    link: Mapped[LtiLink] = relationship()


class LtiState(Base):
    """Short-lived values of the LTI flows, shared by every web process: OIDC nonces, launch data, key sets.

    A nonce is deleted by the launch that uses it, so the same id_token cannot be replayed.
    """

    __tablename__ = "lti_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # JSON text: pylti1p3 stores booleans, strings and whole launch messages here.
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(index=True)
