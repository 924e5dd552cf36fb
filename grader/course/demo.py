"""Demo accounts for `make run`: a teacher and two students whose fresh passwords are printed at start-up."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.course.accounts import create_user, set_password
from grader.db.models import Role, User


@dataclass(frozen=True)
class DemoLogin:
    """A demo account and the password it has from now on."""

    username: str
    password: str
    role: Role


DEMO_USERS: tuple[tuple[str, Role, str], ...] = (
    ("profesor", "teacher", "Profesor de demostración"),
    ("alumna1", "student", "Alumna Uno"),
    ("alumno2", "student", "Alumno Dos"),
)


def ensure_demo_accounts(session: Session) -> list[DemoLogin]:
    """Create the demo accounts or give them new passwords; the passwords are only known from the return value.

    New random passwords at every start mean a demo left running somewhere is not open with a known password.
    """
    logins = []
    for username, role, name in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            create_user(session, username=username, password=password, role=role, display_name=name)
        else:
            set_password(session, user=user, password=password)
        logins.append(DemoLogin(username=username, password=password, role=role))
    return logins
