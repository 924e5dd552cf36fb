"""Who launched: the LMS roles mapped to this project's roles, the local user of (issuer, subject), and the
context and link a launch leaves behind.

The project knows students and teachers. LMS teaching assistants become teachers for now (noted in the log
and in `lti_users.roles`); a TA role of its own can take them over without touching the launch code.
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
    """The project role of an LMS role (TA -> teacher until the project has a TA role)."""
    return "student" if role == "student" else "teacher"


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


def user_for(session: Session, person: Person) -> User:
    """The local user of `person`, created on first launch; name, email and role follow the newest launch."""
    role = person.role
    if role == "ta":
        log.info("LTI user %s of %s is a teaching assistant: mapped to teacher", person.subject, person.issuer)
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
    user.role = local_role(role)
    user.display_name = person.name or user.display_name
    if user.role == "student" and user.student is None:
        user.student = store.get_or_create_student(session, external_id=user.username, name=person.name)
    if user.student is not None:
        user.student.name = person.name or user.student.name
        user.student.email = person.email or user.student.email
    linked.roles = " ".join(person.roles)[:4000]
    linked.last_launch_at = utcnow()
    session.flush()
    return user


def context_for(session: Session, *, issuer: str, client_id: str, deployment_id: str, claims: Mapping[str, Any]
                ) -> LtiContext:
    """The LMS course of a launch (created on first launch), with its newest title and roster service URL.

    Every context maps to this deployment's one course for now; a course offering belongs on this row later.
    """
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
    launched by an instructor (approved now). Any later course waits for a teacher's approval."""
    if context.approved:
        return True
    if role != "teacher" or session.scalar(select(LtiContext.id).where(LtiContext.approved.is_(True))) is not None:
        return False
    context.approved = True
    session.flush()
    return True


def record_link(session: Session, *, user: User, exercise_slug: str, exercise_title: str, context: LtiContext,
                claims: Mapping[str, Any]) -> LtiLink:
    """Remember where `user`'s grade for the exercise goes (the launch's line item) and queue their current
    score for it, so a student who had already submitted gets it into the LMS too."""
    exercise = ensure_exercise(session, slug=exercise_slug, title=exercise_title)
    linked = session.scalar(select(LtiUser).where(LtiUser.user_id == user.id))
    assert linked is not None, "user_for runs first"
    link = session.scalar(select(LtiLink).where(LtiLink.lti_user_id == linked.id,
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
    if link.lineitem_url and user.role == "student":
        mark_pending(session, link_id=link.id)
    return link
