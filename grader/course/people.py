"""Managing people one at a time: a user's own password, a teacher resetting a student's, adding, editing and
dropping one student, and adding another teacher or a teaching assistant (TA).

A TA (`role="ta"`) grades and reviews like a teacher but cannot change settings, release feedback, or manage
accounts (grader.web.auth `staff_required` versus `teacher_required`). New passwords are random and returned
once, for the teacher to hand out. Functions flush, never commit; refusals are bilingual `PeopleRefused`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from grader.core.i18n import Refused, t
from grader.course.accounts import MIN_PASSWORD_LENGTH, AccountError, create_user, set_password
from grader.db.models import Student, User, utcnow
from grader.db.offering_models import Membership
from grader.db.offerings import enroll, scope, set_staff

STAFF_ROLES = ("teacher", "ta")


class PeopleRefused(Refused):
    """A change to an account that cannot be made; `message` says why and what to do."""


@dataclass(frozen=True)
class NewAccount:
    """An account just made (or reset) and its password, shown once ("" when an existing login joined)."""

    username: str
    password: str


def new_password() -> str:
    """A random first password (12 URL-safe characters)."""
    return secrets.token_urlsafe(9)


def change_own_password(session: Session, *, user: User, current: str, new: str, repeated: str) -> None:
    """`user` changes their own password: the current one must match and the new one be typed twice."""
    if not check_password_hash(user.password_hash, current):
        raise PeopleRefused(t("La contraseña actual no es correcta.", "The current password is not right."))
    if new != repeated:
        raise PeopleRefused(t("Las dos contraseñas nuevas no coinciden.", "The two new passwords do not match."))
    if len(new) < MIN_PASSWORD_LENGTH:
        raise PeopleRefused(t(f"La contraseña nueva debe tener al menos {MIN_PASSWORD_LENGTH} caracteres.",
                              f"The new password must have at least {MIN_PASSWORD_LENGTH} characters."))
    set_password(session, user=user, password=new)


def student_login(session: Session, *, username: str, offering_id: int | None = None) -> User:
    """The student account `username` (not dropped) on the roster of `offering_id` (None: the default one);
    PeopleRefused when there is none there."""
    user = session.scalar(select(User).where(User.username == username.strip(), User.role == "student"))
    if (user is None or user.student is None or user.student.dropped_at is not None
            or session.scalar(select(Membership.id).where(Membership.offering_id == scope(session, offering_id),
                                                          Membership.student_id == user.student_id)) is None):
        raise PeopleRefused(t(f"No hay ningún estudiante con el usuario «{username[:80]}».",
                              f"There is no student with username \"{username[:80]}\"."))
    return user


def reset_password(session: Session, *, username: str, offering_id: int | None = None) -> NewAccount:
    """Give student `username` of `offering_id` a new random password (the old one stops working)."""
    user = student_login(session, username=username, offering_id=offering_id)
    password = new_password()
    set_password(session, user=user, password=password)
    return NewAccount(username=user.username, password=password)


def _email(email: str) -> str | None:
    """A cleaned email ("" is None); PeopleRefused when it is not an address."""
    email = email.strip()
    if email and ("@" not in email or len(email) > 320):
        raise PeopleRefused(t(f"«{email[:80]}» no es una dirección de correo.",
                              f"\"{email[:80]}\" is not an email address."))
    return email or None


def _create(session: Session, **kwargs: object) -> User:
    """create_user with its refusal as a bilingual message."""
    try:
        return create_user(session, **kwargs)  # type: ignore[arg-type]
    except AccountError as exc:
        raise PeopleRefused(t(f"No se puede crear la cuenta: {exc}.", f"Cannot create the account: {exc}.")) from None


def add_student(session: Session, *, username: str, name: str, email: str, offering_id: int | None = None
                ) -> NewAccount:
    """A new student of `offering_id` (None: the default one) with a login (username = roster id) and a random
    password; a student of another offering joins this roster and keeps their login (no password is made)."""
    username, name = username.strip(), name.strip()
    if not username or len(username) > 255 or not username.isprintable():
        raise PeopleRefused(t("Indica un usuario (el identificador del estudiante).",
                              "Give a username (the student's id)."))
    offering = scope(session, offering_id)
    existing = session.scalar(select(Student).where(Student.external_id == username))
    if existing is not None:
        on_roster = session.scalar(select(Membership.id).where(Membership.offering_id == offering,
                                                               Membership.student_id == existing.id))
        if on_roster is not None or existing.dropped_at is not None:
            raise PeopleRefused(t(f"Ya existe un estudiante «{username[:80]}».",
                                  f"A student \"{username[:80]}\" already exists."))
        enroll(session, offering_id=offering, student_id=existing.id)
        return NewAccount(username=username, password="")
    address = _email(email)
    password = new_password()
    user = _create(session, username=username, password=password, role="student", display_name=name[:255] or None,
                   student_external_id=username, offering_id=offering)
    assert user.student is not None
    user.student.email = address
    session.flush()
    return NewAccount(username=username, password=password)


def edit_student(session: Session, *, username: str, name: str, email: str, offering_id: int | None = None
                 ) -> Student:
    """Change the name and email of student `username` of `offering_id`."""
    student = student_login(session, username=username, offering_id=offering_id).student
    assert student is not None
    student.name = name.strip()[:255] or None
    student.email = _email(email)
    session.flush()
    return student


def drop_student(session: Session, *, username: str, offering_id: int | None = None) -> Student:
    """Drop student `username` from `offering_id` (None: the default one): they leave its roster, listings and
    exports, their work stays stored. Dropped from their last offering, their login goes too."""
    offering = scope(session, offering_id)
    user = student_login(session, username=username, offering_id=offering)
    student = user.student
    assert student is not None
    session.execute(delete(Membership).where(Membership.offering_id == offering,
                                             Membership.student_id == student.id))
    if session.scalar(select(Membership.id).where(Membership.student_id == student.id)) is None:
        student.dropped_at = utcnow()
        session.delete(user)
    session.flush()
    return student


def add_staff(session: Session, *, username: str, name: str, role: str, offering_id: int | None = None
              ) -> NewAccount:
    """Another teacher (`role="teacher"`) or a teaching assistant (`role="ta"`) of `offering_id` (None: the
    default one) with a random password; an existing account (a student elsewhere, say) gets that role here and
    keeps its password (none is made)."""
    if role not in STAFF_ROLES:
        raise PeopleRefused(t("El papel debe ser «teacher» o «ta».", "The role must be \"teacher\" or \"ta\"."))
    offering = scope(session, offering_id)
    existing = session.scalar(select(User).where(User.username == username.strip()))
    if existing is not None:
        set_staff(session, offering_id=offering, user_id=existing.id, role=role)  # type: ignore[arg-type]
        return NewAccount(username=existing.username, password="")
    password = new_password()
    _create(session, username=username, password=password, role=role, display_name=name.strip()[:255] or None,
            offering_id=offering)
    return NewAccount(username=username.strip(), password=password)
