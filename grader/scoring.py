"""Run a spec's checks over the evidence and add up the points."""

from __future__ import annotations

from grader.checks import get_kind
from grader.facts import Evidence
from grader.i18n import Text
from grader.results import CheckResult, GradeResult
from grader.specs.models import ExerciseSpec


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
        results.append(CheckResult(
            id=check.id,
            passed=outcome.passed,
            points=round(check.points * outcome.credit, 4),
            max_points=check.points,
            message=message,
            hint=None if outcome.passed else check.hint,
        ))
    return results


def score(spec: ExerciseSpec, evidence: Evidence, *, notes: list[Text] | None = None, logs: str = "",
          duration_s: float = 0.0) -> GradeResult:
    """A graded result: per-check results, total and maximum score."""
    checks = run_checks(spec, evidence)
    return GradeResult(
        status="graded",
        score=round(sum(c.points for c in checks), 4),
        max_score=spec.max_score,
        checks=checks,
        notes=[*(notes or []), *evidence.notes],
        logs=logs,
        duration_s=duration_s,
    )
