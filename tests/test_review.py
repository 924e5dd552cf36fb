"""Teacher overrides on SQLite and PostgreSQL: pending reviews, derived final score, audit trail, CLI."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from grader.cli.review import review
from grader.core.i18n import Text
from grader.core.results import CheckResult, GradeResult
from grader.db.models import Grading
from grader.db.review import PendingReview, add_override, final_score, override_history, pending_reviews
from grader.db.store import (
    get_or_create_exercise_version,
    get_or_create_student,
    grading_result,
    record_submission,
    save_grading,
)

SLUG = "quiz-redes"
QUESTION = "explica-relu"
QUESTION_MESSAGE = "Respuesta libre: puntos sugeridos, pendiente de revisión."




def _result(*, review: bool = True) -> GradeResult:
    """A graded quiz: an automatic check (1.5/2) and, if `review`, a free-text answer suggested at 0.5/1."""
    checks = [
        CheckResult(id="units", passed=False, points=1.5, max_points=2.0,
                    message=Text(es="Casi: faltan unidades.", en="Almost: units missing.")),
    ]
    if review:
        checks.append(CheckResult(id=QUESTION, passed=False, points=0.5, max_points=1.0, needs_review=True,
                                  message=Text(es=QUESTION_MESSAGE, en="Free text: suggested points.")))
    max_score = 3.0 if review else 2.0
    return GradeResult(status="graded", score=sum(c.points for c in checks), max_score=max_score, checks=checks)


def _grading(
    session: Session, student: str = "ana", *, slug: str = SLUG, result: GradeResult | None = None
) -> Grading:
    """A finished grading of a new submission by `student` for exercise `slug`."""
    version = get_or_create_exercise_version(
        session, slug=slug, title="Quiz", spec_hash=slug[:1] * 64, spec_json={"slug": slug}
    )
    submission = record_submission(
        session, student=get_or_create_student(session, external_id=student), exercise=version.exercise,
        filename=f"{student}.py", source=b"respuesta = 'ReLU anula los negativos'\n",
    )
    return save_grading(session, submission=submission, exercise_version=version,
                        result=result if result is not None else _result())


def _override(session: Session, grading: Grading, check_id: str | None, points: float) -> None:
    """Record an override with a plausible reason and teacher."""
    add_override(session, grading=grading, check_id=check_id, points=points, reason="revisado", teacher="prof.ruiz")


def test_pending_lists_only_review_checks_until_overridden(session: Session) -> None:
    """Only the free-text question is pending; a teacher's points take it off the list."""
    grading = _grading(session)
    session.commit()

    expected = PendingReview(grading_id=grading.id, student="ana", exercise=SLUG, check_id=QUESTION,
                             suggested_points=0.5, max_points=1.0,
                             message=Text(es=QUESTION_MESSAGE, en="Free text: suggested points."))
    assert pending_reviews(session) == [expected]
    assert pending_reviews(session, exercise_slug=SLUG) == [expected]
    assert pending_reviews(session, exercise_slug="otro-ejercicio") == []
    assert final_score(session, grading=grading).pending_review == [QUESTION]

    _override(session, grading, QUESTION, 1.0)
    session.commit()
    assert pending_reviews(session) == []
    assert final_score(session, grading=grading).pending_review == []


def test_pending_uses_each_students_newest_grading(session: Session) -> None:
    """A newer grading without free text replaces an older pending one; other students stay listed."""
    _grading(session, "ana")
    _grading(session, "ana", result=_result(review=False))
    luis = _grading(session, "luis")
    other = _grading(session, "luis", slug="otro-quiz")
    session.commit()

    pending = pending_reviews(session)
    assert [(p.grading_id, p.student, p.exercise) for p in pending] == [
        (other.id, "luis", "otro-quiz"), (luis.id, "luis", SLUG),
    ]
    assert [p.grading_id for p in pending_reviews(session, exercise_slug=SLUG)] == [luis.id]


def test_final_score_history_and_untouched_automatic_result(session: Session) -> None:
    """Per-check overrides, then a total override that wins; every step is kept with its points before."""
    grading = _grading(session)
    session.commit()
    stored_json = grading_result(grading).model_dump(mode="json")
    start = final_score(session, grading=grading)
    assert (start.automatic, start.final, start.max_score, start.total_override) == (2.0, 2.0, 3.0, None)
    assert start.overridden_checks == {}

    _override(session, grading, QUESTION, 1.0)
    _override(session, grading, "units", 2.0)
    assert final_score(session, grading=grading).final == 3.0
    _override(session, grading, QUESTION, 0.25)  # the teacher changes their mind: the newest one counts
    middle = final_score(session, grading=grading)
    assert (middle.final, middle.overridden_checks) == (2.25, {QUESTION: 0.25, "units": 2.0})

    _override(session, grading, None, 2.8)
    _override(session, grading, "units", 1.0)  # recorded, but the total override still decides
    session.commit()
    session.expunge_all()

    reloaded = session.get(Grading, grading.id)
    assert reloaded is not None
    end = final_score(session, grading=reloaded)
    assert (end.automatic, end.final, end.total_override) == (2.0, 2.8, 2.8)
    assert end.overridden_checks == {QUESTION: 0.25, "units": 1.0}
    assert reloaded.score == 2.0
    assert reloaded.result_json == stored_json

    trail = override_history(session, grading=reloaded)
    assert [(o.check_id, o.points_before, o.points) for o in trail] == [
        (QUESTION, 0.5, 1.0), ("units", 1.5, 2.0), (QUESTION, 1.0, 0.25), (None, 2.25, 2.8), ("units", 2.0, 1.0),
    ]
    assert all(o.teacher == "prof.ruiz" and o.reason == "revisado" for o in trail)
    assert all(o.created_at.tzinfo is not None for o in trail)


def test_total_override_settles_pending_reviews(session: Session) -> None:
    """Once the teacher sets the total, suggested points no longer matter, so nothing waits for review."""
    grading = _grading(session)
    _override(session, grading, None, 3.0)
    session.commit()
    assert pending_reviews(session) == []
    assert final_score(session, grading=grading).pending_review == []


def test_error_grading_accepts_a_total_override_only(session: Session) -> None:
    """A grading that crashed has no checks, but the teacher may still decide its total."""
    crashed = GradeResult(status="error", max_score=3.0, error=Text(es="Se agotó el tiempo.", en="Timed out."))
    grading = _grading(session, result=crashed)
    with pytest.raises(ValueError, match=r"known check ids: \(none\)"):
        _override(session, grading, QUESTION, 1.0)
    _override(session, grading, None, 3.0)
    assert final_score(session, grading=grading).final == 3.0
    assert grading.score == 0.0


@pytest.mark.parametrize(
    ("check_id", "points", "reason", "teacher", "match"),
    [
        (QUESTION, 1.5, "revisado", "prof", "between 0 and 1"),
        (QUESTION, -0.5, "revisado", "prof", "between 0 and 1"),
        (QUESTION, float("nan"), "revisado", "prof", "between 0 and 1"),
        (None, 3.5, "revisado", "prof", "between 0 and 3"),
        (QUESTION, 1.0, "   ", "prof", "reason"),
        (QUESTION, 1.0, "revisado", " ", "teacher"),
        ("no-existe", 1.0, "revisado", "prof", f"known check ids: units, {QUESTION}"),
    ],
)
def test_invalid_overrides_are_refused(session: Session, check_id: str | None, points: float, reason: str,
                                       teacher: str, match: str) -> None:
    """Bad points, blank reason or teacher, and unknown check ids raise and record nothing."""
    grading = _grading(session)
    with pytest.raises(ValueError, match=match):
        add_override(session, grading=grading, check_id=check_id, points=points, reason=reason, teacher=teacher)
    assert override_history(session, grading=grading) == []


def test_unfinished_grading_is_refused(session: Session) -> None:
    """A queued grading has no result yet, so there is nothing to override."""
    finished = _grading(session)
    queued = Grading(submission=finished.submission, exercise_version=finished.exercise_version, status="queued")
    session.add(queued)
    session.flush()
    with pytest.raises(ValueError, match="not finished"):
        _override(session, queued, None, 1.0)


def _cli(db_url: str, *args: str) -> tuple[int, str]:
    """Run `grader review ARGS --db URL`; exit code and combined output."""
    result = CliRunner().invoke(review, [*args, "--db", db_url])
    return result.exit_code, result.output


def test_cli_list_set_total_show(db_url: str, session: Session) -> None:
    """The teacher's round trip through the command line."""
    grading = _grading(session)
    session.commit()
    gid = str(grading.id)

    code, out = _cli(db_url, "list")
    assert code == 0 and "ana" in out and QUESTION in out and "0.5/1" in out and QUESTION_MESSAGE in out

    code, out = _cli(db_url, "set", gid, QUESTION, "1", "--reason", "Bien razonado", "--teacher", "prof.ruiz")
    assert code == 0, out
    assert "0.5 -> 1" in out and "2.5/3" in out

    code, out = _cli(db_url, "list", "--exercise", SLUG)
    assert code == 0 and QUESTION not in out

    code, out = _cli(db_url, "total", gid, "2.75", "--reason", "Entrega tardía", "--teacher", "prof.ruiz")
    assert code == 0, out
    assert "2.5 -> 2.75" in out and "final score: 2.75/3" in out

    code, out = _cli(db_url, "show", gid)
    assert code == 0, out
    assert "Bien razonado" in out and "Entrega tardía" in out and "prof.ruiz" in out
    rows = {line.split()[0]: line.split()[1:3] for line in out.splitlines() if line.startswith("  ")}
    assert rows[QUESTION] == ["0.5/1", "1/1"]
    assert rows["units"] == ["1.5/2", "1.5/2"]
    assert rows["total"] == ["2/3", "2.75/3"]


def test_cli_errors_exit_2(db_url: str, session: Session) -> None:
    """Unknown grading, bad check id, points out of range and an empty reason are refused clearly."""
    gid = str(_grading(session).id)
    session.commit()
    cases = [
        (["set", "9999", QUESTION, "1"], "no grading with id 9999"),
        (["set", gid, "no-existe", "1"], "known check ids"),
        (["set", gid, QUESTION, "7"], "between 0 and 1"),
        (["total", gid, "1"], "reason must not be empty"),
    ]
    for args, message in cases:
        reason = " " if args[0] == "total" else "revisado"
        code, out = _cli(db_url, *args, "--reason", reason, "--teacher", "prof")
        assert code == 2, out
        assert message in out
    assert pending_reviews(session)[0].check_id == QUESTION


def test_cli_show_says_carried_over_and_stale(db_url: str, session: Session) -> None:
    """`show` on a regrade names the grading a decision was taken on, and flags one that no longer fits."""
    first = _grading(session)
    _override(session, first, QUESTION, 1.0)
    _override(session, first, "units", 2.0)
    changed = _result().model_copy(update={"checks": [
        _result().checks[0].model_copy(update={"max_points": 4.0}), _result().checks[1]]})
    regrade = save_grading(session, submission=first.submission, exercise_version=first.exercise_version,
                           result=changed)
    session.commit()
    code, out = _cli(db_url, "show", str(regrade.id))
    assert code == 0, out
    trail = {line.split()[4].rstrip(":"): line for line in out.splitlines() if "[grading" in line}
    assert f"carried over from grading {first.id}" in trail[QUESTION]
    assert "STALE: not applied" in trail["units"]
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("  ")}
    assert rows["units"][:3] == ["1.5/4", "1.5/4", "(pending"]
    assert rows[QUESTION][:2] == ["0.5/1", "1/1"]
