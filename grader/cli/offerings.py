"""`grader offerings ...`: the course offerings of a deployment (course, term, section) and who belongs where.
A thin shell over grader.db.offerings."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.cli.offering_option import OFFERING_OPTION, offering_id_or_exit
from grader.cli.review import DB_OPTION, _session
from grader.db.models import Student, User
from grader.db.offerings import create_offering, enroll, find_offering, offering_ids, set_staff


@click.group()
def offerings() -> None:
    """Ediciones del curso / Course offerings: several courses, terms and sections in one deployment."""


@offerings.command("list")
@DB_OPTION
def list_offerings(db_url: str | None) -> None:
    """Every offering: id, label, and whether it is the default one."""
    with _session(db_url) as session:
        for offering_id in offering_ids(session):
            offering = find_offering(session, offering_id)
            click.echo(f"{offering.id:>4}  {offering.label}{'  (default)' if offering.is_default else ''}")
        session.commit()


@offerings.command("create")
@click.argument("course")
@click.option("--term", default="", help="The term, e.g. 2027-1.")
@click.option("--section", default="", help="The section or group, e.g. A.")
@click.option("--teacher", "teachers", multiple=True, help="Username of a teacher of the new offering (repeat).")
@DB_OPTION
def create(course: str, term: str, section: str, teachers: tuple[str, ...], db_url: str | None) -> None:
    """Create an offering of COURSE (assignments from the course file; its own roster, settings and grades)."""
    with _session(db_url) as session:
        try:
            offering = create_offering(session, course=course, term=term, section=section)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        for username in teachers:
            set_staff(session, offering_id=offering.id, user_id=_user_id(session, username), role="teacher")
        session.commit()
        click.echo(f"offering {offering.id} created: {offering.label}")


def _user_id(session: Session, username: str) -> int:
    """The id of account `username`, or a clear refusal."""
    found = session.scalar(select(User.id).where(User.username == username))
    if found is None:
        raise click.ClickException(f"no user {username!r}")
    return found


@offerings.command("add")
@click.argument("username")
@click.argument("role", type=click.Choice(["student", "teacher", "ta"]))
@OFFERING_OPTION
@DB_OPTION
def add(username: str, role: str, offering: str | None, db_url: str | None) -> None:
    """Give USERNAME (a login, or a student's roster id) ROLE in the offering."""
    with _session(db_url) as session:
        target = offering_id_or_exit(session, offering)
        if role == "student":
            student = session.scalar(select(Student).where(Student.external_id == username))
            user = session.scalar(select(User).where(User.username == username))
            student = student or (user.student if user is not None else None)
            if student is None:
                raise click.ClickException(f"no student {username!r}")
            enroll(session, offering_id=target, student_id=student.id)
        else:
            set_staff(session, offering_id=target, user_id=_user_id(session, username), role=role)  # type: ignore[arg-type]
        session.commit()
    click.echo(f"{username} is {role} of offering {target}", err=True)
