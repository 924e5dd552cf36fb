"""`grader users ...` and `grader roster ...`: accounts of the web service, from the command line.

A thin shell over grader.course.accounts, on the same database as the web (migrated to head first).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.cli.offering_option import OFFERING_OPTION, offering_id_or_exit
from grader.cli.review import _session
from grader.course.accounts import (
    AccountError,
    create_user,
    decode_roster,
    import_roster,
    new_api_token,
    passwords_csv,
    set_password,
)
from grader.db.models import User
from grader.db.session import default_database_url

DB_OPTION = click.option("--database-url", "--db", "db_url", default=default_database_url,
                         show_default="GRADER_DATABASE_URL or instance/grader.sqlite3", help="SQLAlchemy URL.")
PASSWORD_OPTIONS = (
    click.option("--password", default=None,
                 help="The password (visible to other users in the process list: prefer the prompt)."),
    click.option("--generate", is_flag=True, help="Generate a random password and print it."),
)


def _password_options(command: click.decorators.FC) -> click.decorators.FC:
    """--password and --generate, shared by every command that sets a password."""
    for option in reversed(PASSWORD_OPTIONS):
        command = option(command)
    return command


def _password(password: str | None, generate: bool) -> str:
    """The password given, a generated one, or one typed twice at a hidden prompt."""
    if password is not None and generate:
        raise click.UsageError("give --password or --generate, not both")
    if generate:
        return secrets.token_urlsafe(12)
    if password is not None:
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _show_generated(password: str, generate: bool) -> None:
    """Print a generated password, once the account that uses it is committed."""
    if generate:
        click.echo(f"password: {password}")


def _user_or_exit(session: Session, username: str) -> User:
    """The account called `username`, or a clear refusal."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    return user


@click.group()
def users() -> None:
    """Create teacher accounts and API tokens."""


@users.command("create-teacher")
@click.argument("username")
@click.option("--name", default=None, help="Display name.")
@_password_options
@OFFERING_OPTION
@DB_OPTION
def create_teacher(username: str, name: str | None, password: str | None, generate: bool, offering: str | None,
                   db_url: str) -> None:
    """Create teacher account USERNAME, a teacher of the offering."""
    secret = _password(password, generate)
    with _session(db_url) as session:
        try:
            create_user(session, username=username, password=secret, role="teacher", display_name=name,
                        offering_id=offering_id_or_exit(session, offering))
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    _show_generated(secret, generate)
    click.echo(f"teacher {username!r} created", err=True)


@users.command("set-password")
@click.argument("username")
@_password_options
@DB_OPTION
def set_user_password(username: str, password: str | None, generate: bool, db_url: str) -> None:
    """Give USERNAME a new password."""
    with _session(db_url) as session:
        user = _user_or_exit(session, username)
        secret = _password(password, generate)
        try:
            set_password(session, user=user, password=secret)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    _show_generated(secret, generate)
    click.echo(f"password of {username!r} changed", err=True)


@users.command("token")
@click.argument("username")
@DB_OPTION
def token(username: str, db_url: str) -> None:
    """Print a new API token for USERNAME (alone on stdout); the previous token stops working."""
    with _session(db_url) as session:
        issued = new_api_token(session, user=_user_or_exit(session, username))
        session.commit()
    click.echo(issued)
    click.echo("use it as the header `Authorization: Bearer <token>`; it is shown only once", err=True)


@click.group()
def roster() -> None:
    """Import the class roster (CSV: student_id, name, email)."""


def _write_private(path: Path, text: str) -> None:
    """Write `text` readable by its owner only, also when the file already existed with wider permissions."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
        out.write(text)


@roster.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--passwords-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the new accounts' first passwords to this CSV (mode 0600) instead of stdout.")
@OFFERING_OPTION
@DB_OPTION
def import_file(file: Path, passwords_out: Path | None, offering: str | None, db_url: str) -> None:
    """Create or update the students of FILE on the offering's roster; new students get a login with a first
    password.

    Bad rows are reported with their line number and skipped; the exit status is then 1.
    """
    # UTF-8 with or without the byte-order mark spreadsheets write, else Windows-1252 (old Excel), with a note.
    decoded = decode_roster(file.read_bytes())
    if decoded.note is not None:
        click.echo(f"note: {decoded.note.en}", err=True)
    with _session(db_url) as session:
        outcome = import_roster(session, text=decoded.text, offering_id=offering_id_or_exit(session, offering))
        passwords = passwords_csv(outcome.created)
        # Written before the commit: if writing fails nothing is created, rather than accounts nobody can open.
        if passwords_out is not None and outcome.created:
            _write_private(passwords_out, passwords)
        session.commit()
    if passwords_out is None and outcome.created:
        click.echo(passwords, nl=False)
    for error in outcome.errors:
        click.echo(f"error: {error.en}", err=True)
    where = f" (first passwords in {passwords_out})" if passwords_out is not None and outcome.created else ""
    click.echo(f"{len(outcome.created)} created{where}, {len(outcome.updated)} updated, "
               f"{len(outcome.errors)} errors", err=True)
    if outcome.errors:
        sys.exit(1)
