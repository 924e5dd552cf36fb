"""Store functions against real SQLite and PostgreSQL databases migrated to head."""

from __future__ import annotations

import sys
import sysconfig
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import grader
from grader.core.i18n import Text
from grader.core.paths import scrub_paths
from grader.core.results import CheckResult, GradeResult
from grader.db.models import Exercise, ExerciseVersion, Student, Submission
from grader.db.store import (
    find_reusable_grading,
    get_or_create_exercise_version,
    get_or_create_student,
    grading_result,
    record_submission,
    save_grading,
    source_hash,
)

SPEC = {"slug": "dnn-linear-unit", "checks": [{"id": "units", "points": 2}]}


def _version(session: Session, spec_hash: str = "a" * 64) -> ExerciseVersion:
    """An exercise version of the linear-unit exercise with the given spec hash."""
    return get_or_create_exercise_version(
        session, slug="dnn-linear-unit", title="Unidad lineal", spec_hash=spec_hash, spec_json=SPEC
    )


def _graded(score: float = 2.0, logs: str = "epoch 1/1\n") -> GradeResult:
    """A graded result with one passing check carrying bilingual message and hint."""
    check = CheckResult(
        id="units",
        passed=True,
        points=score,
        max_points=2.0,
        message=Text(es="La capa tiene 1 unidad. ¡Bien!", en="The layer has 1 unit. Good!"),
        hint=Text(es="Usa `units=1`.", en="Use `units=1`."),
    )
    return GradeResult(
        status="graded",
        score=score,
        max_score=2.0,
        checks=[check],
        notes=[Text(es="Nota: ñandú", en="Note: rhea")],
        logs=logs,
        duration_s=1.25,
    )


def test_get_or_create_is_idempotent(session: Session) -> None:
    """Asking twice gives the same rows, and known details are filled in rather than erased."""
    first = get_or_create_student(session, external_id="ana.garcia")
    again = get_or_create_student(session, external_id="ana.garcia", name="Ana García", email="ana@x.es")
    third = get_or_create_student(session, external_id="ana.garcia")
    assert first.id == again.id == third.id
    assert (third.name, third.email) == ("Ana García", "ana@x.es")

    v1 = _version(session)
    v1_again = _version(session)
    v2 = _version(session, spec_hash="b" * 64)
    session.commit()
    assert v1.id == v1_again.id
    assert v2.id != v1.id and v2.exercise_id == v1.exercise_id
    assert v1.spec_json == SPEC
    assert len(session.scalars(select(Exercise)).all()) == 1
    assert len(session.scalars(select(Student)).all()) == 1
    assert first.created_at.tzinfo is not None


def test_submission_keeps_non_utf8_bytes(session: Session) -> None:
    """Bytes that are not UTF-8 come back byte for byte, with their hash and an aware timestamp."""
    raw = b"print('hola')\n# \xf1and\xfa latin-1\n\xff\xfe\x00"
    when = datetime(2026, 3, 1, 23, 59, 30, tzinfo=UTC)
    student = get_or_create_student(session, external_id="s1")
    exercise = _version(session).exercise
    submission = record_submission(
        session, student=student, exercise=exercise, filename="s1.py", source=raw, received_at=when
    )
    session.commit()
    session.expunge_all()

    stored = session.get(Submission, submission.id)
    assert stored is not None
    assert stored.source == raw
    assert stored.source_hash == source_hash(raw)
    assert stored.received_at == when
    assert stored.filename == "s1.py"


def test_submission_rejects_naive_received_at(session: Session) -> None:
    """A timestamp without a time zone is refused instead of being guessed."""
    student = get_or_create_student(session, external_id="s1")
    exercise = _version(session).exercise
    with pytest.raises(ValueError, match="timezone-aware"):
        record_submission(
            session,
            student=student,
            exercise=exercise,
            filename="s1.py",
            source=b"x",
            received_at=datetime(2026, 3, 1, 12, 0),
        )


def test_graded_and_error_results_round_trip(session: Session) -> None:
    """A saved result reads back equal, and its headline fields are queryable columns."""
    student = get_or_create_student(session, external_id="s1")
    version = _version(session)
    submission = record_submission(
        session, student=student, exercise=version.exercise, filename="s1.py", source=b"x = 1\n"
    )
    graded = _graded()
    error = GradeResult(
        status="error",
        error=Text(es="El archivo no define `model`.", en="The file does not define `model`."),
        logs="Traceback ...",
        duration_s=0.5,
    )
    g1 = save_grading(session, submission=submission, exercise_version=version, result=graded)
    g2 = save_grading(session, submission=submission, exercise_version=version, result=error)
    session.commit()
    session.expunge_all()

    stored_graded = session.get(type(g1), g1.id)
    stored_error = session.get(type(g2), g2.id)
    assert stored_graded is not None and stored_error is not None
    assert grading_result(stored_graded) == graded
    assert grading_result(stored_error) == error
    assert (stored_graded.status, stored_graded.score, stored_graded.max_score) == ("graded", 2.0, 2.0)
    assert stored_graded.error is None
    assert (stored_error.status, stored_error.error) == ("error", "El archivo no define `model`.")
    assert stored_error.graded_at is not None and stored_error.graded_at.tzinfo is not None


def test_logs_are_capped(session: Session) -> None:
    """Huge logs are cut to 64 KiB with a marker, keeping both the start and the final traceback."""
    student = get_or_create_student(session, external_id="s1")
    version = _version(session)
    submission = record_submission(
        session, student=student, exercise=version.exercise, filename="s1.py", source=b"x"
    )
    logs = "INICIO\n" + "ñ" * 200_000 + "\nValueError: final"
    grading = save_grading(
        session, submission=submission, exercise_version=version, result=_graded(logs=logs)
    )
    session.commit()
    session.expunge_all()

    stored = session.get(type(grading), grading.id)
    assert stored is not None
    for text in (stored.logs, grading_result(stored).logs):
        assert len(text.encode("utf-8")) <= 64 * 1024
        assert "[truncated]" in text
        assert text.startswith("INICIO") and text.endswith("ValueError: final")


SITE = sysconfig.get_path("purelib")
PACKAGE = str(Path(grader.__file__).parent)


def test_scrub_paths_hides_the_servers_directories() -> None:
    """Site-packages, the standard library, the grader package and its checkout become short neutral names;
    other paths and look-alike prefixes are left alone."""
    checkout = str(Path(PACKAGE).parent)
    stdlib = sysconfig.get_path("stdlib")
    text = (f'File "{SITE}/keras/src/layers/core/dense.py", line 3\n'
            f"{PACKAGE}/engine/pipeline.py {checkout}/courses/x.yaml {stdlib}/json/decoder.py "
            f"/usr/bin/chromium /tmp{checkout}/x {checkout}ly/y")
    assert scrub_paths(text) == (
        'File "<site-packages>/keras/src/layers/core/dense.py", line 3\n'
        f"<grader>/engine/pipeline.py <checkout>/courses/x.yaml <python>/json/decoder.py "
        f"/usr/bin/chromium /tmp{checkout}/x {checkout}ly/y")
    if sys.prefix != sys.base_prefix:  # running in a virtualenv (as the project's .venv does)
        assert scrub_paths(f"{sys.prefix}/bin/python") == "<venv>/bin/python"
    assert scrub_paths("") == ""


def test_stored_logs_and_errors_carry_no_server_paths(session: Session) -> None:
    """New rows are clean: the logs column, the result's logs, the error (both languages) and check messages."""
    student = get_or_create_student(session, external_id="s1")
    version = _version(session)
    submission = record_submission(session, student=student, exercise=version.exercise, filename="s1.py",
                                   source=b"x")
    where = f"{SITE}/keras/src/models/model.py"
    failed = GradeResult(status="error", logs=f"Traceback:\n  File \"{where}\"\nValueError: forma",
                         error=Text(es=f"Falló en {where}", en=f"Failed in {where}"), checks=[
                             CheckResult(id="units", passed=False, points=0, max_points=2,
                                         message=Text(es=f"error en {PACKAGE}/x.py", en=f"error in {PACKAGE}/x.py"))])
    grading = save_grading(session, submission=submission, exercise_version=version, result=failed)
    session.commit()
    session.expunge_all()

    stored = session.get(type(grading), grading.id)
    assert stored is not None
    result = grading_result(stored)
    shown = "<site-packages>/keras/src/models/model.py"
    assert stored.logs == result.logs == f'Traceback:\n  File "{shown}"\nValueError: forma'
    assert stored.error == f"Falló en {shown}" and result.error == Text(es=f"Falló en {shown}", en=f"Failed in {shown}")
    assert result.checks[0].message == Text(es="error en <grader>/x.py", en="error in <grader>/x.py")


def test_reuse_matches_student_bytes_and_spec(session: Session) -> None:
    """Only the same student + same bytes + same spec version reuses a grading."""
    ana = get_or_create_student(session, external_id="ana")
    luis = get_or_create_student(session, external_id="luis")
    version = _version(session)
    other_version = _version(session, spec_hash="b" * 64)
    code = b"model = build()\n"
    submission = record_submission(
        session, student=ana, exercise=version.exercise, filename="ana.py", source=code
    )
    grading = save_grading(session, submission=submission, exercise_version=version, result=_graded())
    session.commit()

    def reuse(student: Student, exercise_version: ExerciseVersion, data: bytes) -> int | None:
        found = find_reusable_grading(
            session, student=student, exercise_version=exercise_version, source_hash=source_hash(data)
        )
        return None if found is None else found.id

    assert reuse(ana, version, code) == grading.id
    assert reuse(ana, other_version, code) is None
    assert reuse(ana, version, code + b" ") is None
    assert reuse(luis, version, code) is None


def test_newest_grading_wins(session: Session) -> None:
    """With several finished gradings of the same source, reuse returns the latest one."""
    ana = get_or_create_student(session, external_id="ana")
    version = _version(session)
    code = b"model = build()\n"
    older = record_submission(session, student=ana, exercise=version.exercise, filename="a.py", source=code)
    newer = record_submission(session, student=ana, exercise=version.exercise, filename="b.py", source=code)
    save_grading(session, submission=older, exercise_version=version, result=_graded(score=1.0))
    save_grading(session, submission=newer, exercise_version=version, result=_graded(score=0.5))
    latest = save_grading(session, submission=older, exercise_version=version, result=_graded(score=2.0))
    session.commit()

    found = find_reusable_grading(
        session, student=ana, exercise_version=version, source_hash=source_hash(code)
    )
    assert found is not None and found.id == latest.id
    assert grading_result(found).score == 2.0
