"""Accounts of the web service: teachers, students from a roster, passwords, login throttling, API tokens.

Shared by the CLI (`grader users ...`, `grader roster import`) and the web (login form, roster upload).
Like grader.db.store, functions take the caller's Session, flush, and never commit.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from grader.db import store
from grader.db.models import LoginAttempt, Role, User, utcnow

MIN_PASSWORD_LENGTH = 8
# Failed logins allowed per username, and per address, within THROTTLE_WINDOW before logins are refused.
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDR = 20
THROTTLE_WINDOW = timedelta(minutes=15)


@cache
def _dummy_hash() -> str:
    """Checked against when the username does not exist, so both cases cost one hash (no user enumeration).

    Made on first use: hashing at import would slow every CLI command down by a scrypt round.
    """
    return generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


class LoginThrottled(Exception):
    """Too many failed logins recently for this username or address."""


def create_user(session: Session, *, username: str, password: str, role: Role, display_name: str | None = None,
                student_external_id: str | None = None) -> User:
    """A new account; a student account is linked to (or creates) the Student with `student_external_id`."""
    username = username.strip()
    if not username:
        raise AccountError("the username is empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} already exists")
    student = None
    if role == "student":
        student = store.get_or_create_student(session, external_id=student_external_id or username,
                                              name=display_name)
    user = User(username=username, password_hash=generate_password_hash(password), role=role,
                display_name=display_name, student=student)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, user: User, password: str) -> None:
    """Replace a user's password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = generate_password_hash(password)
    session.flush()


def _recent_failures(session: Session, column: object, value: str, now: datetime) -> int:
    """Failed attempts matching `column == value` within the throttle window."""
    return session.scalar(select(func.count(LoginAttempt.id)).where(
        column == value, LoginAttempt.succeeded.is_(False),  # type: ignore[operator]
        LoginAttempt.created_at > now - THROTTLE_WINDOW)) or 0


def authenticate(session: Session, *, username: str, password: str, remote_addr: str,
                 now: datetime | None = None) -> User | None:
    """The user when the password matches, else None; every attempt is recorded for throttling.

    Raises LoginThrottled, without checking the password, once a username or address has failed too often.
    """
    now = now or utcnow()
    username = username.strip()[:255]
    if (_recent_failures(session, LoginAttempt.username, username, now) >= MAX_FAILURES_PER_USER
            or _recent_failures(session, LoginAttempt.remote_addr, remote_addr, now) >= MAX_FAILURES_PER_ADDR):
        raise LoginThrottled(username)
    user = session.scalar(select(User).where(User.username == username))
    ok = check_password_hash(user.password_hash if user else _dummy_hash(), password) and user is not None
    session.add(LoginAttempt(username=username, remote_addr=remote_addr[:64], succeeded=ok, created_at=now))
    session.flush()
    return user if ok else None


def _token_hash(token: str) -> str:
    """What is stored for an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_token(session: Session, *, user: User) -> str:
    """Issue a new API token for `user` (the previous one stops working) and return it; it is shown once."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = _token_hash(token)
    session.flush()
    return token


def user_for_token(session: Session, *, token: str) -> User | None:
    """The user holding API token `token`, or None."""
    if not token:
        return None
    return session.scalar(select(User).where(User.api_token_hash == _token_hash(token)))


@dataclass
class RosterImport:
    """What a roster import did: accounts created (with their first passwords), updated, and refused rows."""

    created: list[tuple[str, str]] = field(default_factory=list)  # (username, initial password)
    updated: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


ROSTER_COLUMNS = ("student_id", "name", "email")


def import_roster(session: Session, *, text: str) -> RosterImport:
    """Create or update students from CSV text with columns student_id, name, email (and optional section).

    Each new student gets a login (username = student id) with a random first password, returned once so
    the teacher can hand it out. Bad rows are reported by line number and do not stop the others.
    """
    outcome = RosterImport()
    sample = text[:4096]
    dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ROSTER_COLUMNS if c not in header]
    if missing:
        outcome.errors.append(f"line 1: missing column(s) {', '.join(missing)}; expected student_id,name,email")
        return outcome
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str | None)}
        external_id, name, email = row.get("student_id", ""), row.get("name", ""), row.get("email", "")
        if not external_id:
            outcome.errors.append(f"line {line}: empty student_id")
            continue
        if email and "@" not in email:
            outcome.errors.append(f"line {line}: {email!r} is not an email address")
            continue
        student = store.get_or_create_student(session, external_id=external_id, name=name or None,
                                              email=email or None)
        if row.get("section"):
            student.section = row["section"]
        existing = session.scalar(select(User).where(User.student_id == student.id))
        if existing is not None:
            outcome.updated.append(external_id)
            continue
        if session.scalar(select(User.id).where(User.username == external_id)) is not None:
            outcome.errors.append(f"line {line}: username {external_id!r} belongs to another account")
            continue
        password = secrets.token_urlsafe(9)
        session.add(User(username=external_id, password_hash=generate_password_hash(password), role="student",
                         display_name=name or None, student=student))
        session.flush()
        outcome.created.append((external_id, password))
    return outcome
