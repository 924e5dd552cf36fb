"""The gradebook, analytics and regrade services on SQLite and PostgreSQL: policies, overrides, late penalties,
filters, sorting, pages, a number of queries that does not grow with the class. Also the data helpers the web
tests share."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from grader.core.i18n import t
from grader.core.results import CheckResult, GradeResult
from grader.course.analytics import check_failures, exercise_stats, histogram, summaries
from grader.course.course import LatePolicy
from grader.course.gradebook import Gradebook, GradebookFilters, Policy, build_gradebook
from grader.course.intake import RateLimit, submit
from grader.course.regrade import RegradeProgress, recent_regrades, regrade_progress, start_regrade
from grader.db import store
from grader.db.models import Grading
from grader.db.review import add_override
from grader.db.version import version_hash
from tests.student_helpers import set_assignment

LAB = "lab-add-hidden-16"
QUIZ = "quiz-activations"
OPENS = datetime(2030, 1, 1, tzinfo=UTC)
ON_TIME = datetime(2030, 1, 10, tzinfo=UTC)
DUE = datetime(2030, 2, 1, tzinfo=UTC)
LATE = datetime(2030, 2, 3, tzinfo=UTC)  # inside the late period
PENALTY = 0.2
CODE = "from tensorflow import keras\nmodel = keras.Sequential()\n"


# --- helpers shared with test_web_teacher -----------------------------------------------------------------------

def fixed_course(app: Any) -> None:
    """Every assignment opens at OPENS, is due at DUE, and takes late work for a week at PENALTY off."""
    set_assignment(app, opens_at=OPENS, due_at=DUE, max_attempts=None,
                   late=LatePolicy(until=datetime(2030, 2, 8, tzinfo=UTC), penalty=PENALTY))


def submit_as(app: Any, student: str, exercise: str = LAB, *, at: datetime = ON_TIME, code: str = CODE,
              filename: str = "entrega.py", data: bytes | None = None) -> int:
    """Store and queue a submission of `student` (created if new) received at `at`; returns its id."""
    web = app.extensions["grader"]
    with web.sessions() as session:
        person = store.get_or_create_student(session, external_id=student)
        accepted = submit(session, catalog=web.catalog, course=web.course, student=person, exercise_id=exercise,
                          filename=filename, data=code.encode() if data is None else data, now=at,
                          rate_limit=RateLimit(count=10_000))
        session.commit()
        return accepted.submission_id


def result(score: float, checks: list[tuple[str, bool, float, float]], *, review: str | None = None) -> GradeResult:
    """A graded result with (id, passed, points, max) checks; `review` names the check that needs review."""
    return GradeResult(status="graded", score=score, max_score=sum(c[3] for c in checks), checks=[
        CheckResult(id=cid, passed=ok, points=pts, max_points=mx, needs_review=cid == review,
                    message={"es": f"mensaje {cid}", "en": f"message {cid}"}) for cid, ok, pts, mx in checks])


def finish_with(app: Any, outcome: GradeResult, *, logs: str = "") -> int:
    """Store `outcome` (with `logs`) in the oldest queued grading, as a worker would; returns the grading id."""
    web = app.extensions["grader"]
    with web.sessions() as session:
        grading = session.scalars(select(Grading).where(Grading.status == "queued").order_by(Grading.id)).first()
        assert grading is not None, "nothing queued"
        store.finish_grading(session, grading=grading, result=outcome.model_copy(update={"logs": logs}))
        session.commit()
        return grading.id


_GRADED = itertools.count(1)


def graded(app: Any, student: str, score: float, exercise: str = LAB, *, at: datetime = ON_TIME) -> int:
    """A submission of `student` graded `score` out of 10 (checks a: 4 points, b: 6); returns its grading id."""
    # A distinct file each time: the same bytes sent twice within minutes are one submission (a double click).
    submit_as(app, student, exercise, at=at, code=f"{CODE}# {next(_GRADED)}\n")
    first = min(score, 4.0)
    return finish_with(app, result(score, [("a", first == 4.0, first, 4.0), ("b", score >= 10, score - first, 6.0)]))


def override_total(app: Any, grading_id: int, points: float, check_id: str | None = None) -> None:
    """A teacher's override of a grading's total (or of one check)."""
    with app.extensions["grader"].sessions() as session:
        add_override(session, grading=session.get(Grading, grading_id), check_id=check_id, points=points,
                     reason="revisado a mano", teacher="profe")
        session.commit()


def seed(app: Any, people: list[tuple[str, str, str]], *, exercises: tuple[str, ...] = (LAB,),
         score: Callable[[int], float] = lambda i: float(i % 11)) -> None:
    """Students (id, name, section), each with one graded submission per exercise, stored in one commit."""
    web = app.extensions["grader"]
    with web.sessions() as session:
        versions = []
        for slug in exercises:
            spec = web.catalog.get(slug)
            versions.append(store.get_or_create_exercise_version(
                session, slug=slug, title=spec.title.es, spec_hash=version_hash(spec),
                spec_json=spec.model_dump(mode="json")))
        for i, (external_id, name, section) in enumerate(people):
            person = store.get_or_create_student(session, external_id=external_id, name=name,
                                                 email=f"{external_id}@uni.example")
            person.section = section
            for version in versions:
                submission = store.record_submission(session, student=person, exercise=version.exercise,
                                                     filename="entrega.py", source=CODE.encode(),
                                                     received_at=ON_TIME)
                store.save_grading(session, submission=submission, exercise_version=version,
                                   result=GradeResult(status="graded", score=score(i), max_score=10.0))
        session.commit()


def people(count: int, start: int = 0) -> list[tuple[str, str, str]]:
    """`count` students s000.. named "Alumno NNN", alternating sections A and B."""
    return [(f"s{i:03d}", f"Alumno {i:03d}", "AB"[i % 2]) for i in range(start, start + count)]


@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Collect (statement, parameters) of everything `engine` executes inside the block."""
    seen: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


# --- the gradebook --------------------------------------------------------------------------------------------

def book(app: Any, policy: Policy = "best", page: int | None = None, **filters: Any) -> Gradebook:
    """The gradebook of `app` under `policy` and `filters`."""
    web = app.extensions["grader"]
    with web.sessions() as session:
        return build_gradebook(session, course=web.course, catalog=web.catalog, policy=policy,
                               filters=GradebookFilters(**filters), page=page)


def cell(gradebook: Gradebook, student: str, exercise: str = LAB) -> Any:
    """The cell of `student` x `exercise`."""
    row = next(r for r in gradebook.rows if r.student.external_id == student)
    return row.cells[[c.exercise for c in gradebook.columns].index(exercise)]


def test_best_and_last_policies_with_an_override_and_a_late_penalty(course_app: Any) -> None:
    graded(course_app, "ana", 8)
    second = graded(course_app, "ana", 5)
    override_total(course_app, second, 6)
    graded(course_app, "beto", 10, at=LATE)
    graded(course_app, "beto", 7, exercise="dnn-linear-unit")

    best, last = book(course_app, "best"), book(course_app, "last")
    assert cell(best, "ana").counted.final == 8 and cell(best, "ana").tries == 2
    assert cell(last, "ana").counted.final == 6 and cell(last, "ana").counted.overridden
    late = cell(best, "beto").counted
    assert late.late and late.automatic == 10 and late.final == pytest.approx(10 * (1 - PENALTY))
    beto = next(r for r in best.rows if r.student.external_id == "beto")
    assert beto.total == pytest.approx(8 + 7)
    assert cell(best, "ana", "dnn-linear-unit").counted is None
    assert best.max_total == pytest.approx(sum(c.max_score for c in best.columns))


def test_a_check_override_moves_the_final_but_not_the_automatic_score(course_app: Any) -> None:
    grading = graded(course_app, "ana", 4)
    override_total(course_app, grading, 6.0, check_id="b")
    counted = cell(book(course_app), "ana").counted
    assert (counted.automatic, counted.final, counted.overridden) == (4, 10, True)


def test_a_queued_attempt_is_pending_and_never_counts(course_app: Any) -> None:
    graded(course_app, "ana", 3)
    submit_as(course_app, "ana")
    submit_as(course_app, "beto")
    ana, beto = cell(book(course_app, "last"), "ana"), cell(book(course_app, "last"), "beto")
    assert ana.pending and ana.counted.final == 3 and ana.tries == 2
    assert beto.pending and beto.counted is None and beto.newest_submission_id is not None


def test_search_ignores_accents_and_case_and_sections_filter(course_app: Any) -> None:
    seed(course_app, [("x1", "José Álvarez", "A"), ("x2", "Josefa Ruiz", "B"), ("x3", "Marta Gil", "A")])
    assert [r.student.external_id for r in book(course_app, search="JOSE").rows] == ["x1", "x2"]
    assert [r.student.external_id for r in book(course_app, search="alvarez").rows] == ["x1"]
    assert [r.student.external_id for r in book(course_app, section="A").rows] == ["x1", "x3"]
    assert [r.student.external_id for r in book(course_app, search="x3@uni").rows] == ["x3"]
    assert book(course_app, search="nadie").rows == ()


def test_sorting_by_name_id_and_total_and_pages_of_fifty(course_app: Any) -> None:
    seed(course_app, [("a10", "Carla", "A"), ("a9", "Álvaro", "A"), ("a100", "beatriz", "A")],
         score=lambda i: [5.0, 9.0, 1.0][i])
    assert [r.student.name for r in book(course_app).rows] == ["Álvaro", "beatriz", "Carla"]
    assert [r.student.external_id for r in book(course_app, sort="id").rows] == ["a9", "a10", "a100"]
    by_total = book(course_app, sort="total", descending=True)
    assert [r.total for r in by_total.rows] == [9.0, 5.0, 1.0]

    seed(course_app, people(57))
    first, second = book(course_app, page=1), book(course_app, page=2)
    assert (first.matched, first.pages, len(first.rows), len(second.rows)) == (60, 2, 50, 10)
    assert {r.student.id for r in first.rows}.isdisjoint({r.student.id for r in second.rows})
    assert book(course_app, page=99).page == 2  # past the end shows the last page
    ranked = book(course_app, sort="total", descending=True, page=1).rows
    assert [r.total for r in ranked] == sorted((r.total for r in ranked), reverse=True)


@pytest.mark.parametrize("sort", ["name", "total"])
def test_the_number_of_queries_does_not_grow_with_the_class(course_app: Any, sort: str) -> None:
    engine = course_app.extensions["grader"].engine
    seed(course_app, people(5), exercises=(LAB, QUIZ))
    with counting_statements(engine) as small:
        book(course_app, sort=sort, page=1)
        book(course_app, sort=sort)
    seed(course_app, people(55, start=5), exercises=(LAB, QUIZ))
    override_total(course_app, 1, 2.0)
    with counting_statements(engine) as large:
        book(course_app, sort=sort, page=1)
        book(course_app, sort=sort)
    assert len(large) == len(small)
    # Nor does any statement carry one parameter per grading (SQLite refuses more than 32766).
    assert max(len(p) for _, p in large) <= max(len(p) for _, p in small) + 50


# --- analytics ------------------------------------------------------------------------------------------------

def test_histogram_puts_each_score_in_its_range_and_the_maximum_in_the_last() -> None:
    bins = histogram([0, 0.99, 1, 5.5, 10, 10], 10.0)
    assert [b.count for b in bins] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert (bins[0].low, bins[0].high, bins[-1].high) == (0, 1, 10)
    assert [b.count for b in histogram([], 3.0)] == [0] * 10


def test_check_failures_rank_by_failures_then_spec_order() -> None:
    stored = [[{"id": "a", "passed": True}, {"id": "b", "passed": False}, {"id": "c", "passed": False}],
              [{"id": "a", "passed": False}, {"id": "b", "passed": False}, {"id": "c", "passed": True}],
              None]  # an error grading stored no checks
    ranked = check_failures(stored)
    assert [(f.check_id, f.failed, f.graded) for f in ranked] == [("b", 2, 2), ("a", 1, 2), ("c", 1, 2)]
    assert ranked[0].rate == 1.0


def test_exercise_stats_count_attempts_scores_failures_and_reviews(course_app: Any) -> None:
    graded(course_app, "ana", 2)
    graded(course_app, "ana", 10)
    graded(course_app, "beto", 4)
    graded(course_app, "dora", 4)
    submit_as(course_app, "carla")
    finish_with(course_app, result(1.5, [("a", False, 1, 4), ("libre", False, 0.5, 6)], review="libre"))
    web = course_app.extensions["grader"]
    with web.sessions() as session:
        stats = exercise_stats(session, course=web.course, catalog=web.catalog, exercise_id=LAB, policy="best")
        index = {s.column.exercise: s for s in summaries(session, course=web.course, catalog=web.catalog)}
    assert (stats.students, stats.submissions, stats.mean_attempts, stats.counted) == (4, 5, 1.25, 4)
    assert [b.count for b in stats.histogram] == [0, 1, 0, 0, 2, 0, 0, 0, 0, 1]
    assert stats.mean_score == pytest.approx((10 + 4 + 4 + 1.5) / 4, abs=0.01)
    # "a" got 1 of 4 and "libre" 0.5 of 6 once: partial credit, not failures.
    assert [(f.check_id, f.failed, f.partial, f.graded) for f in stats.failed_checks] == [
        ("b", 2, 0, 3), ("a", 0, 1, 4), ("libre", 0, 1, 1)]
    assert [(p.student, p.check_id) for p in stats.pending] == [("carla", "libre")]
    assert (index[LAB].submissions, index[LAB].students, index[LAB].pending) == (5, 4, 1)
    assert (index[QUIZ].submissions, index[QUIZ].pending) == (0, 0)
    with pytest.raises(KeyError), web.sessions() as session:
        exercise_stats(session, course=web.course, catalog=web.catalog, exercise_id="nope", policy="best")


# --- regrade service ------------------------------------------------------------------------------------------

def test_start_regrade_under_last_queues_each_students_newest_submission_and_counts_progress(course_app: Any) -> None:
    graded(course_app, "ana", 3)
    graded(course_app, "ana", 4, at=LATE)
    graded(course_app, "beto", 5)
    graded(course_app, "beto", 6, exercise="dnn-linear-unit")
    web = course_app.extensions["grader"]
    with web.sessions() as session:
        job = start_regrade(session, catalog=web.catalog, exercise_id=LAB, requested_by="profe", policy="last")
        session.commit()
        queued = sorted(session.scalars(select(Grading.submission_id).where(Grading.regrade_id == job.id)))
        assert (job.total, queued) == (2, [2, 3])
        assert regrade_progress(session, job.id) == RegradeProgress(job.id, LAB, 2, 0, 0, 2, 0)
    finish_with(course_app, result(9, [("a", True, 4, 4), ("b", True, 5, 6)]))
    finish_with(course_app, GradeResult(status="error", error=t("Sin modelo.", "No model."), max_score=10))
    with web.sessions() as session:
        progress = regrade_progress(session, job.id)
        assert (progress.done, progress.failed, progress.finished, progress.percent) == (1, 1, True, 100)
        assert recent_regrades(session, exercise_id=LAB) == [progress]
        assert regrade_progress(session, job.id + 1) is None
        assert recent_regrades(session, exercise_id="dnn-linear-unit") == []
