"""grader.course.accounts on SQLite and PostgreSQL: users, passwords, login throttling, API tokens, roster import."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.course.accounts import (
    MAX_FAILURES_PER_ADDR,
    MAX_FAILURES_PER_USER,
    THROTTLE_WINDOW,
    AccountError,
    DecodedRoster,
    LoginThrottled,
    authenticate,
    create_user,
    decode_roster,
    import_roster,
    new_api_token,
    set_password,
    user_for_token,
)
from grader.db.models import LoginAttempt, Student, User, utcnow

PASSWORD = "correct-horse-1"


def _login(session: Session, username: str, password: str, *, addr: str = "10.0.0.1",
           when: timedelta = timedelta(0)) -> User | None:
    """authenticate() at a fixed offset from now, so the throttle window is tested without waiting."""
    return authenticate(session, username=username, password=password, remote_addr=addr, now=utcnow() + when)


def test_a_student_account_is_linked_to_its_student(session: Session) -> None:
    """A student login points at its Student; passwords are stored hashed."""
    user = create_user(session, username=" ana ", password=PASSWORD, role="student", display_name="Ana",
                       student_external_id="A001")
    assert user.username == "ana" and user.student is not None
    assert (user.student.external_id, user.student.name) == ("A001", "Ana")
    assert user.password_hash != PASSWORD and PASSWORD not in user.password_hash
    teacher = create_user(session, username="profe", password=PASSWORD, role="teacher")
    assert teacher.student is None


@pytest.mark.parametrize(("username", "password", "why"), [("", PASSWORD, "empty"), ("ana", "short", "at least"),
                                                          ("profe", PASSWORD, "already exists")])
def test_bad_accounts_are_refused(session: Session, username: str, password: str, why: str) -> None:
    """Empty usernames, short passwords and taken usernames are refused with the reason."""
    create_user(session, username="profe", password=PASSWORD, role="teacher")
    with pytest.raises(AccountError, match=why):
        create_user(session, username=username, password=password, role="student")


def test_login_checks_the_password_and_records_every_attempt(session: Session) -> None:
    """Only the right password logs in, and every attempt is recorded."""
    create_user(session, username="ana", password=PASSWORD, role="student")
    assert _login(session, "ana", PASSWORD) is not None
    assert _login(session, "ana", "wrong-password") is None
    assert _login(session, "nobody", PASSWORD) is None
    outcomes = session.execute(select(LoginAttempt.username, LoginAttempt.succeeded)
                               .order_by(LoginAttempt.id)).all()
    assert [tuple(o) for o in outcomes] == [("ana", True), ("ana", False), ("nobody", False)]


def test_too_many_failures_lock_the_username_even_with_the_right_password(session: Session) -> None:
    """The username is locked for the throttle window, then works again."""
    create_user(session, username="ana", password=PASSWORD, role="student")
    for _ in range(MAX_FAILURES_PER_USER):
        assert _login(session, "ana", "wrong-password") is None
    with pytest.raises(LoginThrottled):
        _login(session, "ana", PASSWORD)
    # Once the failures are older than the window, the right password works again.
    assert _login(session, "ana", PASSWORD, when=THROTTLE_WINDOW + timedelta(seconds=1)) is not None


def test_too_many_failures_from_one_address_lock_that_address(session: Session) -> None:
    """Guessing many usernames from one address locks that address, not others."""
    create_user(session, username="ana", password=PASSWORD, role="student")
    for i in range(MAX_FAILURES_PER_ADDR):
        _login(session, f"guess{i}", "wrong-password", addr="10.9.9.9")
    with pytest.raises(LoginThrottled):
        _login(session, "ana", PASSWORD, addr="10.9.9.9")
    assert _login(session, "ana", PASSWORD, addr="10.0.0.2") is not None


def test_set_password_replaces_the_old_one(session: Session) -> None:
    """A new password replaces the old one; a short one is refused."""
    user = create_user(session, username="ana", password=PASSWORD, role="student")
    with pytest.raises(AccountError):
        set_password(session, user=user, password="short")
    set_password(session, user=user, password="another-password")
    assert _login(session, "ana", PASSWORD) is None
    assert _login(session, "ana", "another-password") is not None


def test_api_tokens_are_stored_hashed_and_replaced_by_the_next(session: Session) -> None:
    """Only a token's hash is stored, and a new token revokes the old one."""
    user = create_user(session, username="ana", password=PASSWORD, role="student")
    first = new_api_token(session, user=user)
    assert user.api_token_hash and first not in user.api_token_hash
    assert user_for_token(session, token=first) is user
    second = new_api_token(session, user=user)
    assert user_for_token(session, token=first) is None
    assert user_for_token(session, token=second) is user
    assert user_for_token(session, token="") is None


ROSTER = """student_id,name,email,section
A001,Ana Díaz,ana@example.edu,G1
A002,Beto Ruiz,not-an-email,G1
,Sin Id,nadie@example.edu,G2
A003,Carla Soto,carla@example.edu,G2
"""


def test_roster_import_reports_bad_lines_and_imports_the_others(session: Session) -> None:
    """Bad rows are reported by line number; the good ones get working logins."""
    outcome = import_roster(session, text=ROSTER)
    assert [u for u, _ in outcome.created] == ["A001", "A003"]
    assert [e.en for e in outcome.errors] == ["line 3: 'not-an-email' is not an email address",
                                              "line 4: empty student_id"]
    assert [e.es for e in outcome.errors] == ["línea 3: 'not-an-email' no es una dirección de correo",
                                              "línea 4: falta el `student_id`"]
    session.commit()
    carla = session.scalar(select(Student).where(Student.external_id == "A003"))
    assert (carla.name, carla.email, carla.section) == ("Carla Soto", "carla@example.edu", "G2")
    for username, password in outcome.created:
        assert _login(session, username, password) is not None


def test_reimporting_updates_students_without_new_accounts(session: Session) -> None:
    """Importing again (here ;-separated) updates names and creates no duplicate login."""
    import_roster(session, text=ROSTER)
    again = import_roster(session, text="student_id;name;email\nA001;Ana María Díaz;ana@example.edu\n")
    assert (again.created, again.updated, again.errors) == ([], ["A001"], [])
    assert session.scalar(select(Student.name).where(Student.external_id == "A001")) == "Ana María Díaz"
    assert session.scalar(select(func.count(User.id))) == 2


def test_roster_import_never_takes_over_an_existing_login(session: Session) -> None:
    """A student id equal to another account's username is refused, not merged."""
    create_user(session, username="A001", password=PASSWORD, role="teacher")
    outcome = import_roster(session, text="student_id,name,email\nA001,Ana,ana@example.edu\n")
    assert outcome.created == [] and [e.en for e in outcome.errors] == [
        "line 2: username 'A001' belongs to another account"]
    assert _login(session, "A001", PASSWORD) is not None


def test_roster_without_the_required_columns_is_refused_whole(session: Session) -> None:
    """A file without the required columns imports nothing."""
    outcome = import_roster(session, text="id,nombre\nA001,Ana\n")
    assert outcome.created == [] and outcome.refused
    assert outcome.errors[0].es.startswith("línea 1: faltan las columnas `student_id`, `name`, `email`")
    assert outcome.errors[0].en.startswith("line 1: missing columns `student_id`, `name`, `email`")
    one = import_roster(session, text="student_id;name;correo\nA001;Ana;ana@example.edu\n")
    assert one.refused and one.errors[0].es.startswith("línea 1: falta la columna `email`;")
    assert one.errors[0].en.startswith("line 1: missing column `email`;")
    assert session.scalar(select(func.count(Student.id))) == 0


def test_a_semicolon_roster_with_a_bom_and_commas_in_names_is_read(session: Session) -> None:
    """Spanish Excel's CSV: `;`-separated, a byte-order mark, names with commas; the header decides."""
    text = "\ufeffstudent_id;name;email;section\r\nA001;Díaz, Ana;ana@example.edu;G1\r\nA002;Ruiz, Beto;;G2\r\n"
    outcome = import_roster(session, text=text)
    assert (outcome.errors, [u for u, _ in outcome.created]) == ([], ["A001", "A002"])
    ana = session.scalar(select(Student).where(Student.external_id == "A001"))
    assert (ana.name, ana.email, ana.section) == ("Díaz, Ana", "ana@example.edu", "G1")


def test_a_windows_1252_roster_is_decoded_with_a_note(session: Session) -> None:
    """Old Excel's Windows-1252 bytes are read (with a note to check accents); UTF-8 needs no note."""
    data = "student_id;name;email\nA001;Íñigo Muñoz – 1º;inigo@example.edu\n".encode("cp1252")
    decoded = decode_roster(data)
    assert decoded.note is not None and "Windows-1252" in decoded.note.es and "Windows-1252" in decoded.note.en
    outcome = import_roster(session, text=decoded.text)
    assert outcome.errors == [] and [u for u, _ in outcome.created] == ["A001"]
    assert session.scalar(select(Student.name).where(Student.external_id == "A001")) == "Íñigo Muñoz – 1º"
    assert decode_roster("student_id\nÍñigo\n".encode("utf-8-sig")) == DecodedRoster("student_id\nÍñigo\n")
    assert decode_roster(b"student_id\n\x81\xed\n").text == "student_id\n\x81í\n"  # not cp1252: Latin-1
