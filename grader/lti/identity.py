"""Who launched: the LMS roles mapped to this project's roles, the local user of (issuer, subject), and the
context and link a launch leaves behind.

LMS learners become students, instructors and administrators teachers, and teaching assistants the project's
TAs (they grade and review, but change no settings, release nothing and manage no accounts).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from grader.db import store
from grader.db.lti import ensure_exercise, mark_pending
from grader.db.lti_models import LtiContext, LtiLink, LtiUser
from grader.db.models import Role, User, utcnow
from grader.db.offerings import create_offering, default_offering_id, enroll, set_staff

log = logging.getLogger(__name__)

LmsRole = Literal["student", "teacher", "ta"]
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


def lms_role(roles: Iterable[str]) -> LmsRole:
    """The role an LMS role list maps to: TA, else instructor/administrator (teacher), else student.

    Role URIs (LTI 1.3 section A.2) or the short names Canvas and Moodle also send; a TA is an instructor
    sub-role (`membership/Instructor#TeachingAssistant`) and must not count as a full instructor.
    """
    names = [str(role).rsplit("/", 1)[-1] for role in roles]
    if any(name.endswith("#TeachingAssistant") or name == "TeachingAssistant" for name in names):
        return "ta"
    if any(name.split("#")[-1] in ("Instructor", "Administrator", "ContentDeveloper") for name in names):
        return "teacher"
    return "student"


def local_role(role: LmsRole) -> Role:
    """The project role of an LMS role: the project has the same three (a TA grades and reviews)."""
    return role


@dataclass(frozen=True)
class Person:
    """The launching person as the claims describe them."""

    issuer: str
    subject: str
    name: str | None
    email: str | None
    roles: tuple[str, ...]

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Person:
        """Read iss, sub, name (or given + family name), email and roles; names are bounded for the database."""
        name = claims.get("name") or " ".join(str(p) for p in (claims.get("given_name"), claims.get("family_name"))
                                              if p)
        roles = claims.get(CLAIM + "roles")
        roles = roles if isinstance(roles, list) else []
        return cls(issuer=str(claims["iss"])[:255], subject=str(claims["sub"])[:255],
                   name=str(name)[:255] or None, email=str(claims.get("email") or "")[:320] or None,
                   roles=tuple(str(r) for r in roles if isinstance(r, str)))

    @property
    def role(self) -> LmsRole:
        """Their role mapped (see `lms_role`)."""
        return lms_role(self.roles)


def claim_dict(claims: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """Claim `name` when it is an object, else empty (a platform's odd claim must not become a 500)."""
    value = claims.get(name)
    return value if isinstance(value, Mapping) else {}


def _username(issuer: str, subject: str) -> str:
    """A stable, unique login name for an LMS user (they never type it: LTI users log in by launching)."""
    return "lti-" + hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:16]


def user_for(session: Session, person: Person, *, offering_id: int | None = None) -> User:
    """The local user of `person`, created on first launch; name, email and role follow the newest launch. In
    `offering_id` (the launch's LMS course), their LMS role becomes their membership there."""
    role = person.role
    linked = session.scalar(select(LtiUser).where(LtiUser.issuer == person.issuer, LtiUser.subject == person.subject))
    if linked is None:
        username = _username(person.issuer, person.subject)
        # No password anyone knows: the account is reached through the LMS only.
        user = User(username=username, password_hash=generate_password_hash(secrets.token_urlsafe(32)),
                    role=local_role(role), display_name=person.name)
        session.add(user)
        linked = LtiUser(user=user, issuer=person.issuer, subject=person.subject)
        session.add(linked)
    user = linked.user
    user.account_role = local_role(role)
    user.display_name = person.name or user.display_name
    if user.account_role == "student" and user.student is None:
        user.student = store.get_or_create_student(session, external_id=user.username, name=person.name)
    if user.student is not None:
        user.student.name = person.name or user.student.name
        user.student.email = person.email or user.student.email
    linked.roles = " ".join(person.roles)[:4000]
    linked.last_launch_at = utcnow()
    session.flush()
    if offering_id is not None:
        if role == "student":
            assert user.student is not None
            enroll(session, offering_id=offering_id, student_id=user.student.id)
        else:
            set_staff(session, offering_id=offering_id, user_id=user.id, role=local_role(role))
    return user


def context_for(session: Session, *, issuer: str, client_id: str, deployment_id: str, claims: Mapping[str, Any]
                ) -> LtiContext:
    """The LMS course of a launch (created on first launch), with its newest title and roster service URL.
    Its course offering is set once it is approved (see `approve_first`)."""
    context = claim_dict(claims, CLAIM + "context")
    context_id = str(context.get("id") or f"resource:{claim_dict(claims, CLAIM + 'resource_link').get('id', '')}")
    row = session.scalar(select(LtiContext).where(LtiContext.issuer == issuer,
                                                  LtiContext.deployment_id == deployment_id,
                                                  LtiContext.context_id == context_id[:255]))
    if row is None:
        row = LtiContext(issuer=issuer, client_id=client_id, deployment_id=deployment_id, context_id=context_id[:255])
        session.add(row)
    row.client_id = client_id
    row.title = str(context.get("title") or context.get("label") or "")[:500] or row.title
    nrps = claim_dict(claims, "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice")
    row.nrps_url = str(nrps.get("context_memberships_url") or row.nrps_url or "") or None
    session.flush()
    return row


def approve_first(session: Session, *, context: LtiContext, role: LmsRole) -> bool:
    """Whether launches from `context` are accepted: approved already, or the deployment's first LMS course
    launched by an instructor (approved now, as the default offering: the course this deployment already
    teaches). Any later course waits for a teacher's approval (`approve`)."""
    if context.approved:
        if context.offering_id is None:  # approved before offerings existed
            give_offering(session, context=context)
        return True
    if role != "teacher" or session.scalar(select(LtiContext.id).where(LtiContext.approved.is_(True))) is not None:
        return False
    context.approved = True
    context.offering_id = default_offering_id(session)
    session.flush()
    return True


def give_offering(session: Session, *, context: LtiContext) -> int:
    """Approve `context` and give it an offering of its own (named after the LMS course), unless it has one."""
    context.approved = True
    if context.offering_id is None:
        title = (context.title or context.context_id)[:200]
        try:
            offering = create_offering(session, course=title, term="LMS", section=context.context_id[:100])
        except ValueError:  # two LMS courses with the same title and id (two platforms): told apart by row id
            offering = create_offering(session, course=title, term="LMS", section=f"{context.id}")
        context.offering_id = offering.id
    session.flush()
    return context.offering_id


def record_link(session: Session, *, user: User, exercise_slug: str, exercise_title: str, context: LtiContext,
                claims: Mapping[str, Any]) -> LtiLink:
    """Remember where `user`'s grade for the exercise in this LMS course goes (the launch's line item) and queue
    their current score for it, so a student who had already submitted gets it into the LMS too."""
    exercise = ensure_exercise(session, slug=exercise_slug, title=exercise_title)
    linked = session.scalar(select(LtiUser).where(LtiUser.user_id == user.id))
    assert linked is not None, "user_for runs first"
    link = session.scalar(select(LtiLink).where(LtiLink.lti_user_id == linked.id, LtiLink.context_id == context.id,
                                                LtiLink.exercise_id == exercise.id))
    if link is None:
        link = LtiLink(lti_user=linked, exercise=exercise, context=context, resource_link_id="")
        session.add(link)
    ags = claim_dict(claims, "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint")
    link.context = context
    link.resource_link_id = str(claim_dict(claims, CLAIM + "resource_link").get("id", ""))[:255]
    link.lineitem_url = str(ags.get("lineitem") or link.lineitem_url or "") or None
    link.updated_at = utcnow()
    session.flush()
    if link.lineitem_url and user.account_role == "student":
        mark_pending(session, link_id=link.id)
    return link
