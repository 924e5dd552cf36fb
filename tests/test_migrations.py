"""The Alembic migrations build exactly the schema the ORM models describe, and undo it cleanly."""

from __future__ import annotations

import subprocess
import sys
import time

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect

from grader.db.models import Base
from grader.db.session import downgrade, make_engine, upgrade

APP_TABLES = {"students", "exercises", "exercise_versions", "submissions", "gradings", "overrides", "users",
              "login_attempts", "regrades", "releases", "drafts", "similarity_runs", "similarity_flags",
              "similarity_notes", "submission_files"}


def _tables(url: str) -> set[str]:
    """Names of the tables present in the database at `url`."""
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trip(db_url: str) -> None:
    """head -> base -> head works from an empty database and leaves only Alembic's bookkeeping at base."""
    upgrade(url=db_url)
    assert _tables(db_url) >= APP_TABLES

    downgrade(url=db_url, revision="base")
    assert _tables(db_url) - {"alembic_version"} == set()

    upgrade(url=db_url)
    assert _tables(db_url) >= APP_TABLES


def test_schema_after_upgrade_matches_models(db_url: str) -> None:
    """Autogenerate finds nothing to change: models and migrations agree, on every backend."""
    upgrade(url=db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_processes_starting_together_on_a_fresh_database_all_migrate_it(db_url: str) -> None:
    """The CLI, `grader serve` and `grader worker`s often start at once on one database: every one of them
    must come up (one migrates, the others wait and find the schema current)."""
    start_at = time.time() + 3  # after every interpreter has imported alembic: the migrations really race
    script = ("import sys, time\n"
              "from grader.db.session import upgrade\n"
              "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))\n"
              "upgrade(url=sys.argv[1])\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, db_url, str(start_at)], stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    outcomes = [(proc.returncode, err[-400:]) for proc in procs for err in [proc.communicate(timeout=120)[1]]]
    assert [code for code, _ in outcomes] == [0, 0, 0, 0], outcomes
    assert _tables(db_url) >= APP_TABLES


def test_0007_moves_the_course_settings_in_without_changing_a_score(db_url: str) -> None:
    """A course in use at 0006 (an on-time and a late submission): after 0007 its settings are rows equal to
    the course file's, every final score is the same, and a later edit of the file no longer moves them."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from grader.core.results import GradeResult
    from grader.core.specs.loader import read_yaml
    from grader.course.course import DEFAULT_COURSE_FILE, Course
    from grader.course.gradebook import attempts
    from grader.db.models import Exercise, ExerciseVersion, Grading, Student, Submission
    from grader.db.session import make_session_factory
    from grader.db.settings_models import AssignmentSetting

    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    course = Course.model_validate(read_yaml(DEFAULT_COURSE_FILE))
    lab = course.get("dnn-linear-unit")
    assert lab is not None and lab.late is not None
    arrivals = [datetime(2026, 10, 1, tzinfo=UTC), lab.due_at + (lab.late.until - lab.due_at) / 2]
    upgrade(url=db_url, revision="0006")
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as session:
            # Core inserts name only the columns 0006 has (the ORM classes describe the head schema).
            ana = session.execute(insert(Student.__table__).values(external_id="ana", created_at=epoch)
                                  ).inserted_primary_key[0]
            exercise = session.execute(insert(Exercise.__table__).values(slug=lab.exercise, title="x",
                                                                         created_at=epoch)).inserted_primary_key[0]
            version = session.execute(insert(ExerciseVersion.__table__).values(
                exercise_id=exercise, spec_hash="h", spec_json={}, created_at=epoch)).inserted_primary_key[0]
            for at in arrivals:
                sub = session.execute(insert(Submission.__table__).values(
                    student_id=ana, exercise_id=exercise, filename="a.py", source=b"x", source_hash="h",
                    received_at=at)).inserted_primary_key[0]
                session.execute(insert(Grading.__table__).values(
                    submission_id=sub, exercise_version_id=version, status="graded", score=9, max_score=10,
                    result_json=GradeResult(status="graded", score=9, max_score=10).model_dump(mode="json"),
                    created_at=at, graded_at=at))
            session.commit()
        expected = [9.0, round(9 * (1 - lab.late.penalty), 4)]  # what 0006 computed from the file
        upgrade(url=db_url)
        with sessions() as session:
            [row] = session.scalars(select(AssignmentSetting)).all()  # only the exercise in use
            assert (row.exercise, row.due_at, row.max_attempts, row.late_penalty, row.release) == (
                lab.exercise, lab.due_at, lab.max_attempts, lab.late.penalty, "immediate")
            assert [a.final for a in attempts(session, course=course)] == expected
            edited = course.model_copy(update={"assignments": [
                a.model_copy(update={"due_at": a.due_at.replace(year=2030), "late": None})
                if a.exercise == lab.exercise else a for a in course.assignments]})
            assert [a.final for a in attempts(session, course=edited)] == expected  # the database rules now
    finally:
        engine.dispose()


def test_0011_puts_everything_into_one_default_offering_without_changing_a_score(db_url: str) -> None:
    """A course in use at 0010 (an on-time and a late submission, a teacher's override, a teacher and a TA): after
    0011 there is one default offering holding every submission, setting and member, and every final score and
    decision is the one 0010 had."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from grader.core.results import GradeResult
    from grader.core.specs.loader import read_yaml
    from grader.course.course import DEFAULT_COURSE_FILE, Course
    from grader.course.gradebook import attempts, students
    from grader.db.models import Exercise, ExerciseVersion, Grading, Override, Student, Submission, User
    from grader.db.offering_models import Membership, Offering
    from grader.db.session import make_session_factory
    from grader.db.settings_models import AssignmentSetting

    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    course = Course.model_validate(read_yaml(DEFAULT_COURSE_FILE))
    lab = course.get("dnn-linear-unit")
    assert lab is not None and lab.late is not None
    arrivals = [datetime(2026, 10, 1, tzinfo=UTC), lab.due_at + (lab.late.until - lab.due_at) / 2]
    upgrade(url=db_url, revision="0010")
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as session:
            ana = session.execute(insert(Student.__table__).values(external_id="ana", created_at=epoch)
                                  ).inserted_primary_key[0]
            exercise = session.execute(insert(Exercise.__table__).values(slug=lab.exercise, title="x",
                                                                         created_at=epoch)).inserted_primary_key[0]
            version = session.execute(insert(ExerciseVersion.__table__).values(
                exercise_id=exercise, spec_hash="h", spec_json={}, created_at=epoch)).inserted_primary_key[0]
            gradings = []
            for at in arrivals:
                sub = session.execute(insert(Submission.__table__).values(
                    student_id=ana, exercise_id=exercise, filename="a.py", source=b"x", source_hash="h",
                    received_at=at)).inserted_primary_key[0]
                gradings.append((sub, session.execute(insert(Grading.__table__).values(
                    submission_id=sub, exercise_version_id=version, status="graded", score=9, max_score=10,
                    result_json=GradeResult(status="graded", score=9, max_score=10).model_dump(mode="json"),
                    created_at=at, graded_at=at)).inserted_primary_key[0]))
            session.execute(insert(Override.__table__).values(
                grading_id=gradings[0][1], submission_id=gradings[0][0], check_id=None, points=7.5, max_points=10,
                points_before=9, reason="revisado", teacher="profe", created_at=arrivals[0]))
            session.execute(insert(AssignmentSetting.__table__).values(  # as 0007 copies the course file in
                exercise=lab.exercise, opens_at=lab.opens_at, due_at=lab.due_at, max_attempts=lab.max_attempts,
                late_until=lab.late.until, late_penalty=lab.late.penalty, release="immediate", teacher="course.yaml",
                created_at=epoch))
            for name, role in (("profe", "teacher"), ("asis", "ta")):
                session.execute(insert(User.__table__).values(username=name, password_hash="x", role=role,
                                                              created_at=epoch))
            session.commit()
        upgrade(url=db_url)
        expected = [7.5, round(9 * (1 - lab.late.penalty), 4)]  # the override, then the late penalty
        with sessions() as session:
            [offering] = session.scalars(select(Offering)).all()
            assert offering.is_default
            assert set(session.scalars(select(Submission.offering_id))) == {offering.id}
            assert set(session.scalars(select(AssignmentSetting.offering_id))) == {offering.id}
            assert [(o.points, o.points_before, o.reason) for o in session.scalars(select(Override))] == [
                (7.5, 9.0, "revisado")]
            members = {(m.role, m.student_id, m.user_id is not None)
                       for m in session.scalars(select(Membership))}
            assert members == {("student", ana, False), ("teacher", None, True), ("ta", None, True)}
            assert [a.final for a in attempts(session, course=course)] == expected
            assert [a.final for a in attempts(session, course=course.in_offering(offering.id))] == expected
            assert [s.external_id for s in students(session)] == ["ana"]
        downgrade(url=db_url, revision="0010")  # back: the one course keeps its rows
        with sessions() as session:
            assert session.execute(select(func.count()).select_from(Submission.__table__)).scalar() == 2
    finally:
        engine.dispose()
