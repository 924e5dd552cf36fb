"""Grading one free-text question across the class: every student's answer to it on one page.

For each student, the attempt that counts under the course's policy (the one the gradebook shows) is the one
reviewed: its newest grading's result for the question, the student's own words, the suggested points and the
ideas found, and the teacher's decision in force if there is one. Decisions are recorded through
grader.db.decisions like any other override, so the audit trail and the carried-over rules are the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from grader.core.i18n import Text
from grader.core.questions.models import TextQuestion
from grader.core.results import CheckResult
from grader.core.specs.models import ExerciseSpec
from grader.course.course import Course
from grader.course.gradebook import Policy, attempts, pick, students
from grader.db.decisions import decisions
from grader.db.models import Grading


@dataclass(frozen=True)
class QuestionAnswer:
    """One student's answer to the question, what the grader suggested, and the decision in force."""

    student_id: int
    student: str  # the name, or the roster id when there is no name
    external_id: str
    submission_id: int
    grading_id: int
    response: str | None  # None: graded before answers were kept (open the submission to read it)
    suggested: float
    max_points: float
    message: Text
    decided: float | None  # the teacher's points in force, None while undecided
    reason: str | None

    @property
    def pending(self) -> bool:
        """True while no teacher decision applies to this answer."""
        return self.decided is None


def review_questions(spec: ExerciseSpec) -> list[TextQuestion]:
    """The questions of `spec` a teacher grades by hand (free text with review on)."""
    return [q for q in spec.questions if isinstance(q, TextQuestion) and q.review]


def _check(grading: Grading, question_id: str) -> CheckResult | None:
    """The result of `question_id` in a finished grading, or None (an error grading has no checks)."""
    for raw in (grading.result_json or {}).get("checks") or []:
        if raw.get("id") == question_id:
            return CheckResult.model_validate(raw)
    return None


def answers_to_question(session: Session, *, course: Course, spec: ExerciseSpec, question_id: str,
                        policy: Policy) -> list[QuestionAnswer]:
    """Every student's counted answer to `question_id`, in the gradebook's name order (pending or not).

    Students without a graded attempt, or whose counted attempt has no result for the question, are left out.
    Raises KeyError when `question_id` is not a reviewed question of `spec`.
    """
    if question_id not in {q.id for q in review_questions(spec)}:
        raise KeyError(question_id)
    people = students(session, offering_id=course.offering_id)
    tries = attempts(session, course=course, student_ids=[p.id for p in people], exercises=[spec.id])
    out = []
    for person in people:
        counted = pick([a for a in tries if a.student_id == person.id], policy)
        if counted is None or counted.grading_id is None:
            continue
        grading = session.get(Grading, counted.grading_id)
        check = _check(grading, question_id) if grading is not None else None
        if grading is None or check is None:
            continue
        decision = next((d for d in decisions(session, grading=grading)
                         if d.check_id == question_id and not d.stale), None)
        out.append(QuestionAnswer(
            student_id=person.id, student=person.display, external_id=person.external_id,
            submission_id=counted.submission_id, grading_id=grading.id, response=check.response,
            suggested=check.points, max_points=check.max_points, message=check.message,
            decided=decision.points if decision is not None else None,
            reason=decision.reason if decision is not None else None))
    return out
