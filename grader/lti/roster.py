"""Names and Roles Provisioning: the teacher pulls an LMS course's members in as local users.

Members become the same users a launch would create ((issuer, user id) -> user, name, email, role), so a
student synced before their first launch keeps one account. Members the LMS marks inactive are skipped;
nobody is deleted (their submissions stay).
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.db.lti_models import LtiContext, LtiUser
from grader.db.models import utcnow
from grader.lti.config import LtiConfig, http_session
from grader.lti.identity import Person, user_for


class RosterSyncError(Exception):
    """The roster could not be fetched: no roster service for this course, or the LMS refused; says why."""


@dataclass(frozen=True)
class RosterSync:
    """What a sync did."""

    context_title: str
    created: int
    updated: int
    skipped: int
    students: int
    teachers: int


def sync_roster(session: Session, *, config: LtiConfig, context: LtiContext,
                http: requests.Session | None = None) -> RosterSync:
    """Fetch every page of `context`'s membership and create or update its users and their memberships of the
    context's offering; flushes, no commit."""
    if not context.nrps_url:
        raise RosterSyncError("the LMS sent no Names and Roles service for this course (enable it in the tool's "
                              "settings and launch once more)")
    try:
        connector = ServiceConnector(config.registration(issuer=context.issuer, client_id=context.client_id),
                                     requests_session=http or http_session())
        members = NamesRolesProvisioningService(connector, {"context_memberships_url": context.nrps_url}
                                                ).get_members()
    except Exception as exc:  # LtiServiceException, requests' errors, pylti1p3's bare Exception
        raise RosterSyncError(f"the LMS did not give the roster: {str(exc)[:500]}") from exc
    created = updated = skipped = students = teachers = 0
    for member in members:
        subject = str(member.get("user_id") or "")
        if not subject or member.get("status", "Active") != "Active":
            skipped += 1
            continue
        known = session.scalar(select(LtiUser.id).where(LtiUser.issuer == context.issuer,
                                                        LtiUser.subject == subject[:255]))
        claims = {"iss": context.issuer, "sub": subject, "name": member.get("name"),
                  "given_name": member.get("given_name"), "family_name": member.get("family_name"),
                  "email": member.get("email"),
                  "https://purl.imsglobal.org/spec/lti/claim/roles": member.get("roles") or []}
        user = user_for(session, Person.from_claims(claims), offering_id=context.offering_id)
        created, updated = created + (known is None), updated + (known is not None)
        student = user.account_role == "student"
        students, teachers = students + student, teachers + (not student)
    context.synced_at = utcnow()
    session.flush()
    return RosterSync(context_title=context.title or context.context_id, created=created, updated=updated,
                      skipped=skipped, students=students, teachers=teachers)
