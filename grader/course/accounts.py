"""Accounts of the web service: teachers, students from a roster, passwords, login throttling, API tokens.

The roster is read as spreadsheets write it: `;`-separated (Spanish Excel), with a UTF-8 byte-order mark, or in
Windows-1252 when old; its messages are bilingual `Text`s with the line number.

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
from sqlalchemy.orm import InstrumentedAttribute, Session
from werkzeug.security import check_password_hash, generate_password_hash

from grader.core.i18n import Text, t
from grader.core.safetext import csv_text
from grader.db import store
from grader.db.models import LoginAttempt, Role, User, utcnow
from grader.db.offerings import enroll, scope, set_staff

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
                student_external_id: str | None = None, offering_id: int | None = None) -> User:
    """A new account; a student account is linked to (or creates) the Student with `student_external_id`. The
    account joins `offering_id` (None: the default offering) in its role."""
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
    offering = scope(session, offering_id)
    if student is not None:
        enroll(session, offering_id=offering, student_id=student.id)
    else:
        set_staff(session, offering_id=offering, user_id=user.id, role=role)
    return user


def set_password(session: Session, *, user: User, password: str) -> None:
    """Replace a user's password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = generate_password_hash(password)
    session.flush()


def _recent_failures(session: Session, column: InstrumentedAttribute[str], value: str, now: datetime) -> int:
    """Failed attempts matching `column == value` within the throttle window."""
    return session.scalar(select(func.count(LoginAttempt.id)).where(
        column == value, LoginAttempt.succeeded.is_(False),
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


ROSTER_COLUMNS = ("student_id", "name", "email")
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class DecodedRoster:
    """An uploaded roster as text, with a note when it was not UTF-8 and had to be guessed."""

    text: str
    note: Text | None = None


def decode_roster(data: bytes) -> DecodedRoster:
    """UTF-8 (with or without a byte-order mark), else Windows-1252, the encoding of old Excel's "CSV".

    Windows-1252 decodes nearly any byte, so the teacher is told to check the accents rather than refused.
    """
    try:
        return DecodedRoster(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    # The five bytes cp1252 leaves undefined are read as Latin-1, which defines every byte.
    text = data.decode("cp1252", errors="replace") if _cp1252_ok(data) else data.decode("latin-1")
    return DecodedRoster(text, t(
        "El archivo no era UTF-8: se ha leído como Windows-1252 (Excel antiguo). Comprueba que los nombres "
        "con acentos se ven bien; si no, guárdalo como «CSV UTF-8» y vuelve a importarlo.",
        "The file was not UTF-8: it was read as Windows-1252 (old Excel). Check that names with accents look "
        "right; if not, save it as \"CSV UTF-8\" and import it again."))


def _cp1252_ok(data: bytes) -> bool:
    """True when every byte of `data` is defined in Windows-1252."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


@dataclass
class RosterImport:
    """What a roster import did: accounts created (with their first passwords), updated, and refused rows."""

    created: list[tuple[str, str]] = field(default_factory=list)  # (username, initial password)
    updated: list[str] = field(default_factory=list)
    errors: list[Text] = field(default_factory=list)
    # True when the header lacks a required column: the file was not read at all.
    refused: bool = False


def delimiter(header: str) -> str:
    """The separator of a CSV, from its header line: the most frequent of `,` `;` and tab (`,` if none).

    Only the header is looked at: names such as "Díaz, Ana" in the rows would mislead a sniffer.
    """
    return max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","


def _missing(missing: list[str]) -> Text:
    """The message for a header without the required columns."""
    names = ", ".join(f"`{c}`" for c in missing)
    if len(missing) == 1:
        return t(f"línea 1: falta la columna {names}; la primera línea debe ser student_id,name,email "
                 "(separadas por comas o por punto y coma)",
                 f"line 1: missing column {names}; the first line must be student_id,name,email "
                 "(separated by commas or semicolons)")
    return t(f"línea 1: faltan las columnas {names}; la primera línea debe ser student_id,name,email "
             "(separadas por comas o por punto y coma)",
             f"line 1: missing columns {names}; the first line must be student_id,name,email "
             "(separated by commas or semicolons)")


def import_roster(session: Session, *, text: str, offering_id: int | None = None) -> RosterImport:
    """Create or update students from CSV text with columns student_id, name, email (and optional section), on
    the roster of `offering_id` (None: the default offering).

    `,`, `;` or tab separated, a leading byte-order mark ignored. Each new student gets a login (username =
    student id) with a random first password, returned once so the teacher can hand it out. Bad rows are
    reported by line number and do not stop the others.
    """
    outcome = RosterImport()
    text = text.removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter(text.partition("\n")[0]))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ROSTER_COLUMNS if c not in header]
    if missing:
        outcome.errors.append(_missing(missing))
        outcome.refused = True
        return outcome
    try:
        for raw in reader:
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str | None)}
            error = _import_row(session, outcome, row, scope(session, offering_id))
            if error is not None:
                _line_error(outcome, reader.line_num, error)
    except csv.Error as exc:  # e.g. a NUL byte: the rest of the file cannot be read
        _line_error(outcome, reader.line_num, t(f"no se puede leer como CSV ({exc})", f"not readable as CSV ({exc})"))
    return outcome


def _line_error(outcome: RosterImport, line: int, error: Text) -> None:
    """Report `error` on line `line` of the file."""
    outcome.errors.append(t(f"línea {line}: {error.es}", f"line {line}: {error.en}"))


def _import_row(session: Session, outcome: RosterImport, row: dict[str, str], offering_id: int) -> Text | None:
    """Import one row into `outcome` and the roster of `offering_id`; the reason it is refused, if it is."""
    external_id, name, email = row.get("student_id", ""), row.get("name", ""), row.get("email", "")
    if not external_id:
        return t("falta el `student_id`", "empty student_id")
    if email and "@" not in email:
        return t(f"{email!r} no es una dirección de correo", f"{email!r} is not an email address")
    student = store.get_or_create_student(session, external_id=external_id, name=name or None, email=email or None)
    if row.get("section"):
        student.section = row["section"]
    enroll(session, offering_id=offering_id, student_id=student.id)
    if session.scalar(select(User).where(User.student_id == student.id)) is not None:
        outcome.updated.append(external_id)
        return None
    if session.scalar(select(User.id).where(User.username == external_id)) is not None:
        return t(f"el usuario {external_id!r} pertenece a otra cuenta",
                 f"username {external_id!r} belongs to another account")
    password = secrets.token_urlsafe(9)
    while password.startswith("-"):  # a spreadsheet would read it as a formula (and csv_text would quote it)
        password = secrets.token_urlsafe(9)
    session.add(User(username=external_id, password_hash=generate_password_hash(password), role="student",
                     display_name=name or None, student=student))
    session.flush()
    outcome.created.append((external_id, password))
    return None


def passwords_csv(created: list[tuple[str, str]]) -> str:
    """The first passwords as CSV text (username,password), as the CLI writes them and the web downloads them."""
    return csv_text([("username", "password"), *created])
