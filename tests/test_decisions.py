"""Teacher decisions belong to the submission: they survive a regrade while they still fit, and go stale (not
applied, flagged, pending) when the check disappears or its maximum changes. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from grader.core.results import GradeResult
from grader.course.gradebook import Attempt, attempts
from grader.course.regrade import start_regrade
from grader.db.models import Grading, Override
from grader.db.review import (
    DecisionRefused,
    add_override,
    decisions,
    final_score,
    final_scores,
    pending_reviews,
)
from tests.test_gradebook import (
    LAB,
    LATE,
    finish_with,
    graded,
    override_total,
    result,
    submit_as,
)

# The lab's two checks as `graded` stores them: a (4 points) and b (6 points).
SAME = [("a", True, 4.0, 4.0), ("b", False, 2.0, 6.0)]


def _regrade(app: Any, outcome: GradeResult, *, policy: str = "last") -> int:
    """Run "regrade everyone" on the lab and finish its (single) queued grading with `outcome`."""
    web = app.extensions["grader"]
    with web.sessions() as session:
        job = start_regrade(session, catalog=web.catalog, exercise_id=LAB, requested_by="profe", policy=policy)
        session.commit()
        assert job.total == 1
    return finish_with(app, outcome)


def _views(app: Any, grading_id: int) -> tuple[float, float, Attempt]:
    """The final score of a grading three ways: `final_score`, bulk `final_scores`, and its `attempts()` row."""
    web = app.extensions["grader"]
    with web.sessions() as session:
        grading = session.get(Grading, grading_id)
        single = final_score(session, grading=grading).final
        bulk = final_scores(session, scores={grading_id: grading.score},
                            grading_ids=select(Grading.id).where(Grading.id == grading_id))[grading_id].final
        [attempt] = attempts(session, course=web.course, exercises=[LAB])
        assert attempt.grading_id == grading_id
        return single, bulk, attempt


def test_a_check_decision_is_carried_over_to_a_regrade(course_app: Any) -> None:
    """Override b (2 -> 5), regrade with the same checks: the final score holds and the decision says carried."""
    first = graded(course_app, "ana", 6)
    override_total(course_app, first, 5.0, check_id="b")
    assert _views(course_app, first)[:2] == (9.0, 9.0)

    second = _regrade(course_app, result(6, SAME))
    single, bulk, attempt = _views(course_app, second)
    assert (single, bulk, attempt.final, attempt.automatic, attempt.overridden) == (9.0, 9.0, 9.0, 6.0, True)
    assert attempt.pending_review == 0
    with course_app.extensions["grader"].sessions() as session:
        [decision] = decisions(session, grading=session.get(Grading, second))
        assert (decision.check_id, decision.points, decision.automatic) == ("b", 5.0, 2.0)
        assert (decision.grading_id, decision.carried, decision.stale) == (first, True, False)
        # The audit trail of a decision taken on the new grading records what was in force there: 5, not 2.
        later = add_override(session, grading=session.get(Grading, second), check_id="b", points=6.0,
                             reason="segunda revisión", teacher="profe")
        assert (later.points_before, later.max_points, later.submission_id) == (5.0, 6.0, attempt.submission_id)
        session.commit()
        # The newest decision is in force for every grading of the submission, the old one included.
        assert final_score(session, grading=session.get(Grading, first)).final == 10.0
        assert decisions(session, grading=session.get(Grading, first))[0].carried


@pytest.mark.parametrize(("checks", "stale_max"), [
    ([("a", True, 4.0, 4.0), ("b", False, 2.0, 5.0)], True),  # b's maximum changed
    ([("a", True, 4.0, 4.0), ("c", False, 2.0, 6.0)], False),  # b disappeared
])
def test_a_decision_that_no_longer_fits_is_stale(course_app: Any, checks: list[Any], stale_max: bool) -> None:
    """Not applied, flagged stale, and the check waits for the teacher again (also in the pending list)."""
    first = graded(course_app, "ana", 6)
    override_total(course_app, first, 5.0, check_id="b")
    second = _regrade(course_app, result(6, checks))
    single, bulk, attempt = _views(course_app, second)
    assert (single, bulk, attempt.final, attempt.overridden, attempt.pending_review) == (6.0, 6.0, 6.0, False, 1)
    with course_app.extensions["grader"].sessions() as session:
        score = final_score(session, grading=session.get(Grading, second))
        assert score.overridden_checks == {} and score.pending_review == ["b"]
        [decision] = score.stale
        assert (decision.check_id, decision.stale, decision.automatic, decision.grading_id) == ("b", True, None, first)
        listed = [(p.grading_id, p.check_id) for p in pending_reviews(session)]
        # Only a check that still exists can be reviewed from the list; a vanished one shows in the drill-down.
        assert listed == ([(second, "b")] if stale_max else [])


def test_a_total_decision_applies_while_the_maximum_is_the_same(course_app: Any) -> None:
    """A total override carries over to a regrade with the same maximum, and goes stale when it changes."""
    first = graded(course_app, "ana", 6)
    override_total(course_app, first, 8.5)
    same = _regrade(course_app, result(7, [("a", True, 4.0, 4.0), ("b", False, 3.0, 6.0)]))
    assert _views(course_app, same)[:2] == (8.5, 8.5)
    changed = _regrade(course_app, result(7, [("a", True, 4.0, 4.0), ("b", False, 3.0, 8.0)]))
    single, bulk, attempt = _views(course_app, changed)
    assert (single, bulk, attempt.final, attempt.pending_review) == (7.0, 7.0, 7.0, 1)
    with course_app.extensions["grader"].sessions() as session:
        [decision] = decisions(session, grading=session.get(Grading, changed))
        assert (decision.check_id, decision.stale, decision.carried) == (None, True, True)


def test_free_text_waits_until_decided_and_the_decision_survives(course_app: Any) -> None:
    """A needs-review check counts as pending in `attempts()` until the teacher accepts a score, also after a
    regrade."""
    submit_as(course_app, "ana")
    first = finish_with(course_app, result(6, SAME, review="b"))
    assert _views(course_app, first)[2].pending_review == 1
    override_total(course_app, first, 2.0, check_id="b")  # the teacher accepts the suggested points
    assert _views(course_app, first)[2].pending_review == 0
    second = _regrade(course_app, result(6, SAME, review="b"))
    single, _, attempt = _views(course_app, second)
    assert (single, attempt.pending_review, attempt.overridden) == (6.0, 0, True)


def test_refusals_are_bilingual(course_app: Any) -> None:
    """Refusals carry a Text; str() stays the English one for logs and the command line."""
    first = graded(course_app, "ana", 6)
    with course_app.extensions["grader"].sessions() as session:
        with pytest.raises(DecisionRefused) as refused:
            add_override(session, grading=session.get(Grading, first), check_id="b", points=7.5, reason="x",
                         teacher="profe")
        assert refused.value.message.es == "Los puntos de esta comprobación deben estar entre 0 y 6; se indicó 7,5."
        assert str(refused.value) == "points for this check must be between 0 and 6, got 7.5"
        assert session.scalars(select(Override)).all() == []


@pytest.mark.parametrize(("policy", "expected"), [("best", 3), ("last", 2)])
def test_regrade_everyone_follows_the_policy(course_app: Any, policy: str, expected: int) -> None:
    """Under "best" every submission is regraded (any may become the best), under "last" each newest one."""
    graded(course_app, "ana", 3)
    graded(course_app, "ana", 4, at=LATE)
    graded(course_app, "beto", 5)
    web = course_app.extensions["grader"]
    with web.sessions() as session:
        job = start_regrade(session, catalog=web.catalog, exercise_id=LAB, requested_by="profe", policy=policy)
        session.commit()
        queued = sorted(session.scalars(select(Grading.submission_id).where(Grading.regrade_id == job.id)))
        assert (job.total, queued) == (expected, [1, 2, 3] if policy == "best" else [2, 3])
        with pytest.raises(ValueError, match="unknown grading policy"):
            start_regrade(session, catalog=web.catalog, exercise_id=LAB, requested_by="profe", policy="worst")
