"""Course offerings in the database: the default one, who belongs where and in which role.

Like grader.db.store, functions take the caller's Session, flush, and never commit. Callers that hold a
`Course` pass `course.offering_id` through `scope`, so a course without one (the CLI, a deployment that never
made a second offering) works on the default offering.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ScalarSelect, select
from sqlalchemy.orm import Session

from grader.db.models import Role, User
from grader.db.offering_models import Membership, Offering

DEFAULT_COURSE = "Curso"
STAFF: tuple[Role, ...] = ("teacher", "ta")


class OfferingNotFound(LookupError):
    """No offering answers to the id or label given."""


def default_offering_id(session: Session) -> int:
    """The default offering's id, created (empty) on a fresh database."""
    found = session.scalar(select(Offering.id).where(Offering.is_default.is_(True)).order_by(Offering.id).limit(1))
    if found is not None:
        return found
    offering = Offering(course=DEFAULT_COURSE, term="", section="", is_default=True)
    session.add(offering)
    session.flush()
    return offering.id


def scope(session: Session, offering_id: int | None) -> int:
    """`offering_id`, or the default offering's when None."""
    return offering_id if offering_id is not None else default_offering_id(session)


def create_offering(session: Session, *, course: str, term: str, section: str = "") -> Offering:
    """A new offering; ValueError when one with the same course, term and section exists."""
    course, term, section = course.strip()[:200], term.strip()[:100], section.strip()[:100]
    if not course:
        raise ValueError("an offering needs a course name")
    if session.scalar(select(Offering.id).where(Offering.course == course, Offering.term == term,
                                               Offering.section == section)) is not None:
        raise ValueError(f"the offering {course} {term} {section} already exists".strip())
    default_offering_id(session)  # the first offering made by hand is never mistaken for the default
    offering = Offering(course=course, term=term, section=section, is_default=False)
    session.add(offering)
    session.flush()
    return offering


def find_offering(session: Session, ref: str | int | None) -> Offering:
    """The offering with id `ref` or label `ref` ("course · term · section"), or the default one for None."""
    if ref is None or ref == "":
        found = session.get(Offering, default_offering_id(session))
    elif isinstance(ref, int) or str(ref).isdigit():
        found = session.get(Offering, int(ref))
    else:
        found = next((o for o in session.scalars(select(Offering)) if o.label == ref or str(o.id) == ref), None)
    if found is None:
        raise OfferingNotFound(str(ref))
    return found


def offering_ids(session: Session) -> list[int]:
    """Every offering's id, oldest first (background jobs visit each)."""
    default_offering_id(session)
    return list(session.scalars(select(Offering.id).order_by(Offering.id)))


def enroll(session: Session, *, offering_id: int, student_id: int) -> None:
    """Put student `student_id` on the roster of `offering_id` (nothing happens when already there)."""
    if session.scalar(select(Membership.id).where(Membership.offering_id == offering_id,
                                                 Membership.student_id == student_id)) is None:
        session.add(Membership(offering_id=offering_id, role="student", student_id=student_id))
        session.flush()


def set_staff(session: Session, *, offering_id: int, user_id: int, role: Role) -> None:
    """Make `user_id` a teacher or TA of `offering_id` (changing their role there if they already are one)."""
    if role not in STAFF:
        raise ValueError(f"staff role expected, got {role!r}")
    row = session.scalar(select(Membership).where(Membership.offering_id == offering_id,
                                                  Membership.user_id == user_id))
    if row is None:
        session.add(Membership(offering_id=offering_id, role=role, user_id=user_id))
    else:
        row.role = role
    session.flush()


def role_in(session: Session, *, user: User, offering_id: int) -> Role | None:
    """`user`'s role in `offering_id`: teacher or TA by a staff membership, else student when their roster row
    is enrolled there, else None (they do not belong to it)."""
    staff = session.scalar(select(Membership.role).where(Membership.offering_id == offering_id,
                                                         Membership.user_id == user.id))
    if staff is not None:
        return staff
    if user.student_id is not None and session.scalar(select(Membership.id).where(
            Membership.offering_id == offering_id, Membership.student_id == user.student_id)) is not None:
        return "student"
    return None


@dataclass(frozen=True)
class Belonging:
    """An offering someone belongs to and their role there (plain values for templates)."""

    offering_id: int
    label: str
    role: Role
    is_default: bool


def offerings_of(session: Session, *, user: User) -> list[Belonging]:
    """Every offering `user` belongs to with their role there: the default first, then by id."""
    clause = Membership.user_id == user.id
    if user.student_id is not None:
        clause = clause | (Membership.student_id == user.student_id)
    rows = session.execute(select(Offering, Membership.role).join(Membership, Membership.offering_id == Offering.id)
                           .where(clause).order_by(Offering.is_default.desc(), Offering.id)).all()
    out: dict[int, Belonging] = {}
    for offering, role in rows:
        # A staff membership outranks being on the roster of the same offering.
        if offering.id not in out or role in STAFF:
            out[offering.id] = Belonging(offering_id=offering.id, label=offering.label, role=role,
                                         is_default=offering.is_default)
    return list(out.values())


def on_roster(session: Session, *, offering_id: int, student_id: int) -> bool:
    """Whether student `student_id` is on the roster of `offering_id`."""
    return session.scalar(select(Membership.id).where(Membership.offering_id == offering_id,
                                                      Membership.student_id == student_id)) is not None


def roster_ids(offering_id: int) -> ScalarSelect[int | None]:
    """A subquery of the student ids on `offering_id`'s roster (for `Student.id.in_(...)`)."""
    return select(Membership.student_id).where(Membership.offering_id == offering_id,
                                               Membership.role == "student").scalar_subquery()
