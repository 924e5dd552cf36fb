"""The database grading queue: exclusive claims under concurrency (SQLite file and PostgreSQL), stale claims,
storing results, and the embedded workers grading real submissions end to end through the web."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from grader.core.i18n import t
from grader.core.results import CheckResult, GradeResult
from grader.core.specs.loader import Catalog, load_catalog
from grader.db import store
from grader.db.models import ExerciseVersion, Grading, utcnow
from grader.queue.claims import MAX_CLAIMS, Claim, claim_next, drain, requeue_stale, run_claimed
from tests.student_helpers import issue_token, open_course, real_workers, submission_id, submit_file
from tests.web_helpers import login

LAB = "lab-add-hidden-16"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The shipped exercise catalog."""
    return load_catalog()




def queue(sessions: sessionmaker[Session], count: int, *, exercise: str = LAB) -> list[int]:
    """Queue `count` submissions of student ana to `exercise`; returns their grading ids, oldest first."""
    with sessions() as session:
        version = store.get_or_create_exercise_version(session, slug=exercise, title=exercise,
                                                       spec_hash="q" * 64, spec_json={})
        student = store.get_or_create_student(session, external_id="ana")
        ids = []
        for i in range(count):
            submission = store.record_submission(session, student=student, exercise=version.exercise,
                                                 filename=f"s{i}.py", source=f"x = {i}\n".encode())
            ids.append(store.queue_grading(session, submission=submission, exercise_version=version).id)
        session.commit()
    return ids


def statuses(sessions: sessionmaker[Session]) -> dict[int, str]:
    """grading id -> status."""
    with sessions() as session:
        return {grading_id: status for grading_id, status in session.execute(select(Grading.id, Grading.status))}


def graded(score: float, *, max_score: float = 0.0) -> GradeResult:
    """A graded result with one check."""
    return GradeResult(status="graded", score=score, max_score=max_score, checks=[CheckResult(
        id="layers", passed=score > 0, points=score, max_points=5, message=t("capas", "layers"))])


def test_claim_next_takes_the_oldest_and_returns_none_when_empty(sessions: sessionmaker[Session]) -> None:
    """Claims go oldest first, each numbered, and an empty queue gives None."""
    first, second = queue(sessions, 2)
    with sessions() as session:
        assert [claim_next(session), claim_next(session), claim_next(session)] == [
            Claim(grading_id=first, number=1), Claim(grading_id=second, number=1), None]
    assert statuses(sessions) == {first: "running", second: "running"}


def test_concurrent_claimers_never_share_a_grading(sessions: sessionmaker[Session]) -> None:
    """Four threads claiming at once never get the same grading, and none is lost."""
    queued = queue(sessions, 40)
    start = threading.Barrier(4)
    claims: list[list[int]] = [[] for _ in range(4)]
    failures: list[BaseException] = []

    def claimer(mine: list[int]) -> None:
        """Claim until the queue looks empty, as a worker does."""
        try:
            start.wait()
            with sessions() as session:
                while (claim := claim_next(session)) is not None:
                    mine.append(claim.grading_id)
        except BaseException as exc:  # re-raised in the main thread, where pytest sees it
            failures.append(exc)

    threads = [threading.Thread(target=claimer, args=(mine,)) for mine in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    every = [g for mine in claims for g in mine]
    assert len(every) == len(set(every)), "a grading was handed to two claimers"
    # A claimer may give up after losing many races in a row; what it left is still queued, never lost.
    with sessions() as session:
        while (left := claim_next(session)) is not None:
            every.append(left.grading_id)
    assert sorted(every) == queued
    assert set(statuses(sessions).values()) == {"running"}


def test_requeue_stale_puts_back_only_old_running_gradings(sessions: sessionmaker[Session]) -> None:
    """Only running gradings whose claim went stale go back to the queue."""
    old, recent, finished, waiting = queue(sessions, 4)
    now = utcnow()
    with sessions() as session:
        claimed = [claim_next(session, now=now - ago) for ago in (timedelta(minutes=20), timedelta(minutes=5),
                                                                  timedelta(hours=2))]
        assert [c.grading_id for c in claimed if c is not None] == [old, recent, finished]
        store.finish_grading(session, grading=session.get(Grading, finished), result=graded(3))
        session.commit()
        assert requeue_stale(session, older_than=timedelta(minutes=15), now=now) == 1
        assert session.get(Grading, old).started_at is None
    assert statuses(sessions) == {old: "queued", recent: "running", finished: "graded", waiting: "queued"}


def test_run_claimed_grades_with_the_stored_inputs_and_stores_the_result(sessions: sessionmaker[Session],
                                                                        catalog: Catalog) -> None:
    """The stored bytes, name and student are graded and the result stored; unclaimed gradings are left alone."""
    [grading_id] = queue(sessions, 1)
    calls: list[tuple[str, str, bytes, str]] = []

    def grade(*, spec: Any, filename: str, data: bytes, student: str, beside: dict[str, bytes]) -> GradeResult:
        """Record what was asked to be graded."""
        assert beside == {}, "a submission sent alone has no files beside it"
        calls.append((spec.id, filename, data, student))
        return graded(4)

    unclaimed = Claim(grading_id=grading_id, number=1)
    assert not run_claimed(sessions, catalog=catalog, claim=unclaimed, grade=grade)
    assert calls == [], "a grading nobody claimed is not graded"
    with sessions() as session:
        claim = claim_next(session)
    assert run_claimed(sessions, catalog=catalog, claim=claim, grade=grade)
    assert calls == [(LAB, "s0.py", b"x = 0\n", "ana")]
    with sessions() as session:
        stored = session.get(Grading, grading_id)
        result = store.grading_result(stored)
    assert (stored.status, stored.score, stored.graded_at is not None) == ("graded", 4, True)
    # The grade function left max_score at 0: the spec's total is filled in.
    assert result.max_score == stored.max_score == catalog.get(LAB).max_score
    assert result.checks[0].id == "layers"


def test_a_claim_taken_over_while_grading_stores_nothing(sessions: sessionmaker[Session], catalog: Catalog) -> None:
    """A worker whose claim was swept and re-claimed meanwhile discards its result."""
    [grading_id] = queue(sessions, 1)
    with sessions() as session:
        first = claim_next(session)

    def taken_over(**_: Any) -> GradeResult:
        """While this worker grades, its claim is swept as stale and another worker grades it to the end."""
        with sessions() as session:
            assert requeue_stale(session, older_than=timedelta(0)) == 1
            second = claim_next(session)
        assert second is not None and second.number == first.number + 1
        assert run_claimed(sessions, catalog=catalog, claim=second, grade=lambda **_: graded(9))
        return graded(1)

    assert not run_claimed(sessions, catalog=catalog, claim=first, grade=taken_over)
    with sessions() as session:
        assert session.get(Grading, grading_id).score == 9


def test_the_heartbeat_keeps_a_long_grading_from_being_swept(sessions: sessionmaker[Session],
                                                             catalog: Catalog) -> None:
    """A grading that started long ago but still beats is not re-queued."""
    [grading_id] = queue(sessions, 1)
    an_hour_ago = utcnow() - timedelta(hours=1)
    with sessions() as session:
        claim = claim_next(session, now=an_hour_ago)

    def long_grading(**_: Any) -> GradeResult:
        """Wait for a heartbeat, then let a sweeper look: the claim started an hour ago but is alive."""
        for _ in range(600):
            with sessions() as session:
                beat = session.get(Grading, grading_id).heartbeat_at
            if beat is not None and beat > an_hour_ago:
                break
            time.sleep(0.05)
        with sessions() as session:
            assert requeue_stale(session, older_than=timedelta(minutes=30)) == 0
        return graded(5)

    assert run_claimed(sessions, catalog=catalog, claim=claim, grade=long_grading,
                       heartbeat=timedelta(milliseconds=50))
    assert statuses(sessions) == {grading_id: "graded"}


def test_an_exercise_gone_from_the_catalog_is_an_explained_error(sessions: sessionmaker[Session],
                                                                 catalog: Catalog) -> None:
    """A grading of an exercise no longer in the catalog ends in an explained error."""
    [grading_id] = queue(sessions, 1, exercise="retired-exercise")
    with sessions() as session:
        claim = claim_next(session)
    assert run_claimed(sessions, catalog=catalog, claim=claim, grade=lambda **_: pytest.fail("graded"))
    with sessions() as session:
        stored = session.get(Grading, grading_id)
        assert stored.status == "error" and "`retired-exercise` ya no existe" in (stored.error or "")
        assert stored.judged is False, "the grader's failure uses no attempt"


def test_drain_grades_everything_queued(sessions: sessionmaker[Session], catalog: Catalog) -> None:
    """drain grades until the queue is empty and says how many."""
    ids = queue(sessions, 3)
    assert drain(sessions, catalog=catalog, grade=lambda **_: graded(5)) == 3
    assert drain(sessions, catalog=catalog, grade=lambda **_: graded(5)) == 0
    assert statuses(sessions) == dict.fromkeys(ids, "graded")


def test_a_grade_function_that_raises_stores_an_internal_error(sessions: sessionmaker[Session], catalog: Catalog,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """A crash of the trusted side while grading one submission is logged with its traceback and stored as that
    grading's failed result (an internal error, not the student's fault); it is not claimed again, and the
    next submission is graded."""
    poison, fine = queue(sessions, 2)

    def grade(*, data: bytes, **_: Any) -> GradeResult:
        """Crash on the first submission only."""
        if data == b"x = 0\n":
            raise RuntimeError("evaluator exploded")
        return graded(4)

    with caplog.at_level(logging.ERROR, logger="grader.queue.claims"):
        assert drain(sessions, catalog=catalog, grade=grade) == 2
    assert statuses(sessions) == {poison: "error", fine: "graded"}
    with sessions() as session:
        stored = session.get(Grading, poison)
        result = store.grading_result(stored)
        assert stored.claims == 1 and stored.score == 0 and stored.max_score == catalog.get(LAB).max_score
        assert stored.judged is False and session.get(Grading, fine).judged is True
    assert result.notes[-1].es.startswith("Este intento no cuenta: falló el calificador")
    assert result.error is not None
    assert result.error.es.startswith("Error interno del calificador (no de tu entrega)")
    assert "your teacher can grade it again" in result.error.en
    assert "evaluator exploded" not in result.error.es + result.error.en, "internals stay in the log"
    [record] = [r for r in caplog.records if r.exc_info]
    assert f"grading={poison}" in record.getMessage() and "evaluator exploded" in str(record.exc_info[1])


def test_a_grading_whose_worker_dies_every_time_is_given_up_after_max_claims(sessions: sessionmaker[Session],
                                                                             catalog: Catalog) -> None:
    """Each claim's worker dies (its heartbeat stops, the sweeper puts the grading back): after MAX_CLAIMS claims
    the sweeper stores it as failed instead of queueing it again, and the rest of the queue goes on."""
    poison, fine = queue(sessions, 2)
    claimed = []
    for _ in range(MAX_CLAIMS):
        with sessions() as session:
            claim = claim_next(session)
            assert claim is not None and claim.grading_id == poison
            claimed.append(claim.number)
            assert requeue_stale(session, older_than=timedelta(0)) == 1  # the worker died: heartbeat stale
    assert claimed == list(range(1, MAX_CLAIMS + 1))
    assert statuses(sessions) == {poison: "error", fine: "queued"}
    with sessions() as session:
        stored = session.get(Grading, poison)
        result = store.grading_result(stored)
        assert (stored.claims, stored.graded_at is not None, stored.judged) == (MAX_CLAIMS, True, False)
        assert session.scalar(select(Grading.error).where(Grading.id == poison)) == result.error.es
    assert f"se interrumpió {MAX_CLAIMS} veces" in result.error.es and "no de tu entrega" in result.error.es
    assert "your teacher can grade it again" in result.error.en
    assert drain(sessions, catalog=catalog, grade=lambda **_: graded(5)) == 1
    assert statuses(sessions) == {poison: "error", fine: "graded"}


def test_claim_next_gives_up_on_a_queued_grading_already_at_the_cap(sessions: sessionmaker[Session],
                                                                   catalog: Catalog) -> None:
    """A grading back in the queue with MAX_CLAIMS claims spent (put back by an older sweeper) is stored as
    failed by the claimer, which takes the next one instead; the late result of its last worker is discarded."""
    spent, fine = queue(sessions, 2)
    spec = catalog.get(LAB)
    with sessions() as session:
        session.execute(update(Grading).where(Grading.id == spent).values(claims=MAX_CLAIMS))
        session.execute(update(ExerciseVersion).values(spec_json=spec.model_dump(mode="json")))
        session.commit()
        assert claim_next(session) == Claim(grading_id=fine, number=1)
        assert claim_next(session) is None
    assert statuses(sessions) == {spent: "error", fine: "running"}
    late = Claim(grading_id=spent, number=MAX_CLAIMS)
    assert not run_claimed(sessions, catalog=catalog, claim=late, grade=lambda **_: graded(9))
    with sessions() as session:
        stored = session.get(Grading, spent)
        assert (stored.status, stored.score, stored.max_score) == ("error", 0, spec.max_score)
        assert f"se interrumpió {MAX_CLAIMS} veces" in (stored.error or "")


def _wait_finished(client: Any, ids: list[int], *, limit_s: float = 600) -> None:
    """Poll the students' status endpoint until every submission is finished (the limit only stops a hang)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if all(client.get(f"/submissions/{i}/status").get_json()["finished"] for i in ids):
            return
        time.sleep(0.5)
    pytest.fail(f"submissions {ids} were not graded")


@pytest.mark.slow
def test_workers_give_right_and_wrong_answers_their_feedback_through_the_web(
        app: Any, client: Any, accounts: dict[str, tuple[str, str]], grader_nodb: Any) -> None:
    """The reference solution gets full marks and a known-wrong file fails exactly its checks: submitted
    through the web, graded by the real sandboxed grader in the embedded workers, shown on the feedback page
    and the API."""
    spec = grader_nodb.catalog.get(LAB)
    wrong = spec.reference.wrong[0]
    folder = grader_nodb.catalog.solutions_dir
    with real_workers(app, grader_nodb.grade_bytes) as workers:
        open_course(app)
        login(client, "ana")
        right = submission_id(submit_file(client, LAB, "solucion.py", (folder / spec.reference.solution).read_bytes()))
        bad = submission_id(submit_file(client, LAB, "mal.py", (folder / wrong.file).read_bytes()))
        _wait_finished(client, [right, bad])
        assert workers.alive()

    page = client.get(f"/submissions/{right}").get_data(as_text=True)
    assert f"{spec.max_score:g} / {spec.max_score:g}" in page and 'class="fail"' not in page
    page = client.get(f"/submissions/{bad}").get_data(as_text=True)
    for check in spec.checks:
        outcome = "fail" if check.id in wrong.fails else "pass"
        assert f'<tr class="{outcome}" data-check="{check.id}">' in page, check.id
    assert str(escape(wrong.message_contains)) in page
    result = client.get(f"/api/v1/submissions/{bad}", headers=issue_token(app, "ana")).get_json()
    assert {c["id"] for c in result["checks"] if not c["passed"]} == set(wrong.fails)
    assert result["final"] < spec.max_score
