"""Fair attempts: tries the student is not to blame for use none (`GradeResult.judged`), and the same file sent
twice within moments (a double click, a retried API call) is one submission, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import grader.engine.pipeline as pipeline
from grader.core.i18n import t
from grader.core.notebooks import MAX_NOTEBOOK_CELLS
from grader.core.results import GradeResult
from grader.core.sources import MAX_SOURCE_BYTES
from grader.core.specs.loader import Catalog, load_catalog
from grader.course.course import Assignment, Course
from grader.course.intake import DUPLICATE_WINDOW, Accepted, RateLimit, SubmissionRefused, attempts_used, submit
from grader.db import store
from grader.db.models import Grading, Student, Submission
from grader.engine.evaluator.pool import EvaluatorError
from grader.engine.pipeline import grade_source
from grader.engine.sandbox.job import SandboxRun

LAB, QUIZ = "lab-add-hidden-16", "quiz-activations"
NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
NOT_COUNTED_ES = "Este intento no cuenta:"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The shipped exercise catalog."""
    return load_catalog()


def course(max_attempts: int | None = None) -> Course:
    """LAB and QUIZ open around NOW, with `max_attempts` each."""
    return Course(title=t("c", "c"), assignments=[
        Assignment(exercise=slug, opens_at=NOW - timedelta(days=1), due_at=NOW + timedelta(days=1),
                   max_attempts=max_attempts) for slug in (LAB, QUIZ)])


def notebook(*sources: str) -> bytes:
    """A notebook of these code cells, as Jupyter writes it."""
    return nbformat.writes(new_notebook(cells=[new_code_cell(s) for s in sources])).encode()


# --- which results are judged ---------------------------------------------------------------------------

REFUSED = {
    "not-utf8": ("a.py", b"model = 1\n\xff\n"),
    "utf16": ("a.py", "model = 1\n".encode("utf-16")),
    "binary": ("a.py", b"\x00\x01\x02model"),
    "syntax-error": ("a.py", b"model = keras.Sequential([\n"),
    "no-code": ("a.py", b"# nada\n"),
    "py-over-cap": ("a.py", b"x = 1\n" * 60_000),
    "notebook-cells": ("a.ipynb", notebook(*["x = 1"] * (MAX_NOTEBOOK_CELLS + 1))),
    "notebook-code": ("a.ipynb", notebook("x = 1\n" * (MAX_SOURCE_BYTES // 6 + 1))),
    "notebook-json": ("a.ipynb", b'{"nbformat": 4, "cells": [}'),
    "answers-yaml": ("r.yaml", b"a: [1, 2\n"),
    "answers-not-a-mapping": ("r.json", b"[1, 2]"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_file_refused_before_running_is_not_judged(catalog: Catalog, case: str) -> None:
    """Refused for what the file is, never run: no attempt used, and the student is told so."""
    filename, data = REFUSED[case]
    spec = catalog.get(QUIZ if filename.startswith("r.") else LAB)
    # Nothing is run: no evaluator and no sandbox are needed (None would fail loudly if they were used).
    result = grade_source(spec=spec, filename=filename, data=data, evaluators=None, isolation=None,  # type: ignore[arg-type]
                          student="ana")
    assert result.status == "error" and result.score == 0 and result.max_score == spec.max_score
    assert result.judged is False
    assert result.notes[-1].es.startswith(f"{NOT_COUNTED_ES} tu archivo no llegó a ejecutarse")
    assert result.notes[-1].en.startswith("This try does not count: your file was never run")


class FakeEvaluators:
    """An evaluator pool whose one evaluator raises `error`."""

    def __init__(self, error: EvaluatorError) -> None:
        self.error = error

    @contextmanager
    def acquire(self) -> Iterator[FakeEvaluators]:
        """This pool's only evaluator."""
        yield self

    def evaluate(self, *_: Any, **__: Any) -> None:
        """Fail as told."""
        raise self.error


@pytest.mark.parametrize(("run", "error", "judged"), [
    (SandboxRun(payload=None, error=t("Tu código superó el tiempo límite", "Time limit")), None, True),
    (SandboxRun(payload={"complete": True}, error=None), EvaluatorError(t("memoria", "memory")), True),
    (SandboxRun(payload={"complete": True}, error=None), EvaluatorError(t("interno", "internal"), internal=True),
     False),
], ids=["sandbox-time-out", "evaluator-out-of-memory", "evaluator-internal"])
def test_what_the_code_did_is_judged_and_the_grader_s_failure_is_not(
        catalog: Catalog, monkeypatch: pytest.MonkeyPatch, run: SandboxRun, error: EvaluatorError | None,
        judged: bool) -> None:
    """A run that failed by the student's code (a time-out, the evaluator out of memory on their model)
    counts; an internal evaluator failure does not."""
    monkeypatch.setattr(pipeline, "run_student", lambda **_: run)
    monkeypatch.setattr(pipeline, "apply_environment", lambda *_, **__: [])
    evaluators = FakeEvaluators(error or EvaluatorError(t("x", "x")))
    result = grade_source(spec=catalog.get(LAB), filename="a.py", data=b"model = 1\n",
                          evaluators=evaluators, isolation=None, student="ana")  # type: ignore[arg-type]
    assert result.status == "error" and result.judged is judged
    assert any(n.es.startswith(NOT_COUNTED_ES) for n in result.notes) is not judged


# --- attempts count only judged tries ---------------------------------------------------------------------

def _student(session: Session) -> Student:
    """Student ana, created on first use."""
    return store.get_or_create_student(session, external_id="ana")


def _submit(sessions: sessionmaker[Session], catalog: Catalog, *, code: str = "x = 1\n", at: datetime = NOW,
            filename: str = "a.py", attempts: int | None = None, rate: int = 100) -> Accepted:
    """Ana submits `code` to LAB at `at` and commits."""
    with sessions() as session:
        accepted = submit(session, catalog=catalog, course=course(attempts), student=_student(session),
                          exercise_id=LAB, filename=filename, data=code.encode(), now=at,
                          rate_limit=RateLimit(count=rate))
        session.commit()
        return accepted


def _finish(sessions: sessionmaker[Session], grading_id: int, *, judged: bool) -> None:
    """Store a result for grading `grading_id`: graded (judged) or refused before running (not judged)."""
    result = GradeResult(status="graded", score=5, max_score=10) if judged else \
        GradeResult.failed(t("sintaxis", "syntax"), max_score=10).model_copy(update={"judged": False})
    with sessions() as session:
        store.finish_grading(session, grading=session.get(Grading, grading_id), result=result)
        session.commit()


def _used(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return attempts_used(session, student=_student(session), exercise_slug=LAB)


def test_attempts_used_counts_judged_and_waiting_tries_only(sessions: sessionmaker[Session],
                                                            catalog: Catalog) -> None:
    """Judged, unjudged, still queued, and an unjudged try regraded as judged: three attempts used."""
    tries = [_submit(sessions, catalog, code=f"x = {i}\n", at=NOW + timedelta(minutes=i)) for i in range(4)]
    _finish(sessions, tries[0].grading_id, judged=True)
    _finish(sessions, tries[1].grading_id, judged=False)
    _finish(sessions, tries[3].grading_id, judged=False)
    assert _used(sessions) == 2  # tries[0] judged, tries[2] waiting
    with sessions() as session:  # a teacher's regrade of tries[3] ran it and judged it: its newest grading counts
        submission = session.get(Submission, tries[3].submission_id)
        regrade = store.queue_grading(session, submission=submission,
                                      exercise_version=session.get(Grading, tries[3].grading_id).exercise_version)
        session.commit()
        regrade_id = regrade.id
    _finish(sessions, regrade_id, judged=True)
    assert _used(sessions) == 3


def test_an_unjudged_try_leaves_the_attempt_and_the_limit_still_refuses(sessions: sessionmaker[Session],
                                                                         catalog: Catalog) -> None:
    """With one attempt: a syntax error leaves it, the judged try that follows uses it, and then the usual
    refusal comes."""
    first = _submit(sessions, catalog, code="x = (\n", attempts=1)
    _finish(sessions, first.grading_id, judged=False)
    second = _submit(sessions, catalog, code="x = 1\n", attempts=1, at=NOW + timedelta(minutes=5))
    _finish(sessions, second.grading_id, judged=True)
    with pytest.raises(SubmissionRefused) as refused:
        _submit(sessions, catalog, code="x = 2\n", attempts=1, at=NOW + timedelta(minutes=10))
    assert refused.value.status_code == 403 and refused.value.message.es == "Ya usaste tu único intento."


# --- the same file twice is one submission ----------------------------------------------------------------

def _rows(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """How many submissions and gradings are stored."""
    with sessions() as session:
        return (session.scalar(select(func.count(Submission.id))) or 0,
                session.scalar(select(func.count(Grading.id))) or 0)


def test_the_same_file_within_the_window_is_the_same_submission(sessions: sessionmaker[Session],
                                                                catalog: Catalog) -> None:
    """Sent again seconds later, even with the attempts and the rate limit spent by the first: the same ids,
    flagged as a duplicate, and nothing more stored."""
    first = _submit(sessions, catalog, attempts=1, rate=1)
    again = _submit(sessions, catalog, attempts=1, rate=1, at=NOW + timedelta(seconds=1))
    assert (again.submission_id, again.grading_id, again.duplicate, first.duplicate) == \
        (first.submission_id, first.grading_id, True, False)
    assert _rows(sessions) == (1, 1)
    assert _used(sessions) == 1


def test_outside_the_window_or_another_file_is_a_new_submission(sessions: sessionmaker[Session],
                                                                catalog: Catalog) -> None:
    """The same bytes after DUPLICATE_WINDOW, under another name or with other bytes: new submissions."""
    first = _submit(sessions, catalog)
    later = _submit(sessions, catalog, at=NOW + DUPLICATE_WINDOW + timedelta(seconds=1))
    renamed = _submit(sessions, catalog, filename="b.py", at=NOW + timedelta(seconds=1))
    edited = _submit(sessions, catalog, code="x = 2\n", at=NOW + timedelta(seconds=2))
    ids = {first.submission_id, later.submission_id, renamed.submission_id, edited.submission_id}
    assert len(ids) == 4 and not any(a.duplicate for a in (later, renamed, edited))
    assert _rows(sessions) == (4, 4)


def test_two_identical_requests_at_once_store_one_submission(sessions: sessionmaker[Session],
                                                             catalog: Catalog) -> None:
    """Two threads submit the same file at the same moment, each holding its transaction open a while before
    committing (as a slow request would): the student's row lock makes the second find the first."""
    with sessions() as session:
        _student(session)
        session.commit()
    barrier = threading.Barrier(2)
    results: list[Accepted] = []
    errors: list[BaseException] = []

    def request() -> None:
        try:
            with sessions() as session:
                barrier.wait()
                accepted = submit(session, catalog=catalog, course=course(), student=_student(session),
                                  exercise_id=LAB, filename="a.py", data=b"x = 1\n", now=NOW)
                time.sleep(0.5)  # without the lock, the other request would not see this one and store its own
                session.commit()
                results.append(accepted)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len({a.submission_id for a in results}) == 1 and sorted(a.duplicate for a in results) == [False, True]
    assert _rows(sessions) == (1, 1)


def test_the_json_of_an_answers_file_sent_twice_is_one_submission(sessions: sessionmaker[Session],
                                                                  catalog: Catalog) -> None:
    """The API's answers files are idempotent too: the same JSON twice is one submission."""
    data = json.dumps({"x": 1}).encode()
    with sessions() as session:
        ana = _student(session)
        first = submit(session, catalog=catalog, course=course(), student=ana, exercise_id=QUIZ,
                       filename="r.json", data=data, now=NOW)
        session.commit()
        again = submit(session, catalog=catalog, course=course(), student=ana, exercise_id=QUIZ,
                       filename="r.json", data=data, now=NOW + timedelta(seconds=30))
        session.commit()
    assert (again.submission_id, again.duplicate) == (first.submission_id, True)
    assert _rows(sessions) == (1, 1)
