"""Run a spec's checks over the evidence and add up the points."""

from __future__ import annotations

from grader.core.checks import get_kind
from grader.core.checks.registry import Outcome
from grader.core.facts import CallbackFacts, Evidence, ModelFacts, Scalar
from grader.core.i18n import Text
from grader.core.questions.grading import QuestionContext, grade_question, missing_ideas, right_options
from grader.core.questions.models import TextQuestion
from grader.core.questions.parse import MAX_TEXT_CHARS
from grader.core.questions.variants import render, variant_values
from grader.core.results import CheckResult, GradeResult
from grader.core.specs.models import ExerciseSpec
from grader.core.summaries import EarlyStoppingSettings, ModelSummary, TrainingCurve


def _result(id_: str, points: float, outcome: Outcome, hint: Text | None,
            answer: Text | None = None, response: str | None = None) -> CheckResult:
    return CheckResult(id=id_, passed=outcome.passed, points=round(points * outcome.credit, 4), max_points=points,
                       message=outcome.message, hint=None if outcome.passed else hint,
                       needs_review=outcome.needs_review, answer=answer, response=response)


def _response(question: object, given: object) -> str | None:
    """A free-text answer as the teacher will read it beside the rubric (capped like the grader reads it)."""
    if not isinstance(question, TextQuestion) or given is None:
        return None
    return (given if isinstance(given, str) else str(given))[:MAX_TEXT_CHARS]


def _joined(parts: list[Text]) -> Text | None:
    """Several texts as one, or None when there are none."""
    if not parts:
        return None
    return Text(es=" ".join(p.es for p in parts), en=" ".join(p.en for p in parts))


def question_context(spec: ExerciseSpec, student: str) -> QuestionContext:
    """The student's variant of `spec`."""
    return QuestionContext(exercise_id=spec.id, student=student,
                           values=variant_values(spec.variants, exercise_id=spec.id, student=student))


def run_questions(spec: ExerciseSpec, evidence: Evidence, *, student: str) -> list[CheckResult]:
    """One result per question (its id the question id), for this student's variant."""
    ctx = question_context(spec, student)
    results = []
    for question in spec.questions:
        given = evidence.answers.get(question.id)
        outcome = grade_question(question, given, ctx)
        # The model answer stays out of the message, so that a release policy can withhold it (exams).
        answer = [missing] if (missing := missing_ideas(question, given)) is not None else []
        if not outcome.passed and (right := right_options(question, ctx)) is not None:
            answer.append(right)
        if not outcome.passed and question.explanation is not None and not outcome.needs_review:
            answer.append(render(question.explanation, ctx.values))  # the student's own numbers
        hint = render(question.hint, ctx.values) if question.hint is not None else None
        results.append(_result(question.id, question.points, outcome, hint, _joined(answer),
                               _response(question, given)))
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


def model_summaries(spec: ExerciseSpec, evidence: Evidence) -> list[ModelSummary]:
    """One summary per graded variable that is a rebuilt model, in the spec's order."""
    return [facts.summary(name) for name in spec.grade
            if isinstance(facts := evidence.variables.get(name), ModelFacts)]


def _setting(attrs: dict[str, Scalar], key: str, kind: type | tuple[type, ...]) -> Scalar:
    """One attribute of the student's callback when it has the expected type (a bool is no number here)."""
    value = attrs.get(key)
    if isinstance(value, bool) and kind is not bool:
        return None
    return value if isinstance(value, kind) else None


def early_stopping(evidence: Evidence, variable: str) -> EarlyStoppingSettings | None:
    """The student's EarlyStopping: the one passed to the last `<variable>.fit` that had one, else one stored
    in a graded variable; None without one. Keras' defaults fill what the sandbox did not record."""
    fitted = [cb for call in evidence.fit_calls if call.model_variable == variable for cb in call.callbacks
              if cb.class_name == "EarlyStopping"]
    stored = [facts for facts in evidence.variables.values()
              if isinstance(facts, CallbackFacts) and facts.class_name == "EarlyStopping"]
    if not fitted and not stored:
        return None
    attrs = (fitted[-1] if fitted else stored[0]).attrs
    min_delta = _setting(attrs, "min_delta", (int, float))
    values = {"monitor": _setting(attrs, "monitor", str), "patience": _setting(attrs, "patience", int),
              "min_delta": abs(float(min_delta)) if min_delta is not None else None,  # Keras 3 flips its sign
              "mode": _setting(attrs, "mode", str),
              "restore_best_weights": _setting(attrs, "restore_best_weights", bool),
              "start_from_epoch": _setting(attrs, "start_from_epoch", int)}
    return EarlyStoppingSettings.model_validate({key: value for key, value in values.items() if value is not None})


def training_curve(evidence: Evidence) -> TrainingCurve | None:
    """The trusted brief training's curves with what they are judged against; None when it did not run."""
    outcome = evidence.training
    if outcome is None or not outcome.history:
        return None
    return TrainingCurve(metric=outcome.metric, higher_is_better=outcome.higher_is_better, baseline=outcome.baseline,
                         threshold=outcome.threshold, epochs=outcome.history,
                         early_stopping=early_stopping(evidence, outcome.variable))


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
        models=model_summaries(spec, evidence),
        training=training_curve(evidence),
    )
