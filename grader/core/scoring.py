"""Run a spec's checks over the evidence and add up the points."""

from __future__ import annotations

from grader.core.checks import get_kind
from grader.core.checks.registry import Outcome
from grader.core.facts import Evidence
from grader.core.i18n import Text
from grader.core.questions.grading import QuestionContext, grade_question
from grader.core.questions.variants import render, variant_values
from grader.core.results import CheckResult, GradeResult
from grader.core.specs.models import ExerciseSpec


def _result(id_: str, points: float, outcome: Outcome, hint: Text | None) -> CheckResult:
    return CheckResult(id=id_, passed=outcome.passed, points=round(points * outcome.credit, 4), max_points=points,
                       message=outcome.message, hint=None if outcome.passed else hint,
                       needs_review=outcome.needs_review)


def question_context(spec: ExerciseSpec, student: str) -> QuestionContext:
    """The student's variant of `spec`."""
    return QuestionContext(exercise_id=spec.id, student=student,
                           values=variant_values(spec.variants, exercise_id=spec.id, student=student))


def run_questions(spec: ExerciseSpec, evidence: Evidence, *, student: str) -> list[CheckResult]:
    """One result per question (its id the question id), for this student's variant."""
    ctx = question_context(spec, student)
    results = []
    for question in spec.questions:
        outcome = grade_question(question, evidence.answers.get(question.id), ctx)
        if not outcome.passed and question.explanation is not None and not outcome.needs_review:
            explanation = render(question.explanation, ctx.values)  # the student's own numbers
            outcome = Outcome(outcome.passed, Text(es=f"{outcome.message.es} {explanation.es}",
                                                   en=f"{outcome.message.en} {explanation.en}"),
                              outcome.fraction, outcome.needs_review)
        hint = render(question.hint, ctx.values) if question.hint is not None else None
        results.append(_result(question.id, question.points, outcome, hint))
    return results


def run_checks(spec: ExerciseSpec, evidence: Evidence) -> list[CheckResult]:
    """Every check of the spec, in order, judged on `evidence` alone."""
    results: list[CheckResult] = []
    for check in spec.checks:
        kind = get_kind(check.type)
        outcome = kind.run(kind.params_model.model_validate(check.params), evidence)
        message = outcome.message
        if not outcome.passed and check.feedback is not None:
            # The spec's own wording leads; the kind's specific finding stays after it.
            message = Text(es=f"{check.feedback.es} {outcome.message.es}",
                           en=f"{check.feedback.en} {outcome.message.en}")
        results.append(_result(check.id, check.points, Outcome(outcome.passed, message, outcome.fraction,
                                                               outcome.needs_review), check.hint))
    return results


def score(spec: ExerciseSpec, evidence: Evidence, *, student: str, notes: list[Text] | None = None,
          logs: str = "", duration_s: float = 0.0) -> GradeResult:
    """A graded result: per-check and per-question results, total and maximum score."""
    checks = run_checks(spec, evidence) + run_questions(spec, evidence, student=student)
    return GradeResult(
        status="graded",
        score=round(sum(c.points for c in checks), 4),
        max_score=spec.max_score,
        checks=checks,
        notes=[*(notes or []), *evidence.notes],
        logs=logs,
        duration_s=duration_s,
    )
