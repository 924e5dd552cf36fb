"""Two course offerings in one deployment with disjoint rosters, shared by the offering tests (web, browser).

A (the default offering): teacher `profe`, students `ana` and `tere`. B ("Curso · 2027-2"): teacher `profeb`,
student `beto`, and `profe` teaches there too; `tere` is a TA in B. One graded submission each of ana and beto.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from grader.course.accounts import create_user
from grader.course.intake import RateLimit, submit
from grader.db import store
from grader.db.models import Student, User
from grader.db.offering_models import Membership
from grader.db.offerings import create_offering, default_offering_id, enroll, set_staff
from tests.test_gradebook import CODE, LAB, ON_TIME, finish_with, fixed_course, result
from tests.web_helpers import PASSWORD, make_accounts


@dataclass(frozen=True)
class TwoOfferings:
    """Ids of the two offerings and of ana's (A) and beto's (B) submissions."""

    a: int
    b: int
    ana_submission: int
    beto_submission: int


def submit_in(app: Any, offering: int, student: str, score: float, *, at: datetime = ON_TIME) -> int:
    """A submission of `student` to LAB in `offering` received `at`, graded `score`; returns the submission id."""
    web = app.extensions["grader"]
    with web.sessions() as session:
        person = store.get_or_create_student(session, external_id=student)
        accepted = submit(session, catalog=web.catalog, course=web.course.in_offering(offering), student=person,
                          exercise_id=LAB, filename="entrega.py", data=f"{CODE}# {student}\n".encode(), now=at,
                          rate_limit=RateLimit(count=10_000))
        session.commit()
    finish_with(app, result(score, [("a", True, 4.0, 4.0), ("b", score >= 10, score - 4.0, 6.0)]))
    return accepted.submission_id


def arrange_offerings(app: Any, *, at: datetime = ON_TIME) -> TwoOfferings:
    """On top of tests.web_helpers.make_accounts (profe, ana, beto in the default offering), build the two
    offerings of this module's docstring; submissions are received `at`."""
    web = app.extensions["grader"]
    with web.sessions() as session:
        a = default_offering_id(session)
        b = create_offering(session, course="Curso", term="2027-2").id
        create_user(session, username="profeb", password=PASSWORD, role="teacher", display_name="Profe B",
                    offering_id=b)
        create_user(session, username="tere", password=PASSWORD, role="student", display_name="Tere Gil")
        beto = session.scalars(select(Student).where(Student.external_id == "beto")).one()
        session.execute(delete(Membership).where(Membership.student_id == beto.id))  # beto moves to B
        enroll(session, offering_id=b, student_id=beto.id)
        for username, role in (("profe", "teacher"), ("tere", "ta")):
            user = session.scalars(select(User).where(User.username == username)).one()
            set_staff(session, offering_id=b, user_id=user.id, role=role)  # type: ignore[arg-type]
        session.commit()
    return TwoOfferings(a=a, b=b, ana_submission=submit_in(app, a, "ana", 6, at=at),
                        beto_submission=submit_in(app, b, "beto", 9, at=at))


def two_offerings(app: Any) -> TwoOfferings:
    """The accounts, fixed course dates (tests.test_gradebook) and the two offerings."""
    fixed_course(app)
    make_accounts(app)
    return arrange_offerings(app)
