"""`grader exercises validate`: every reference solution scores 100%, every known-wrong example does not,
and each known-wrong example fails exactly the checks it names with the expected message."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from grader.core.results import GradeResult
from grader.core.specs.models import ExerciseSpec, WrongExample
from grader.engine.grader import Grader


@dataclass(frozen=True)
class Verdict:
    """Whether one reference example behaved as its spec says."""

    exercise: str
    file: str
    ok: bool
    detail: str
    score: float
    max_score: float


def _judge_solution(result: GradeResult) -> tuple[bool, str]:
    if result.is_full_marks:
        return True, "100%"
    if result.status == "error":
        return False, f"error: {result.error.es if result.error else '?'}"
    failed = "; ".join(f"{c.id}: {c.message.es}" for c in result.checks if not c.passed)
    return False, f"reference solution lost points ({failed})"


def _judge_wrong(result: GradeResult, wrong: WrongExample) -> tuple[bool, str]:
    if result.status == "error":
        reason = result.error.es if result.error else "?"
        return False, f"expected a graded result failing {wrong.fails}, got error: {reason}"
    failed = result.failed_check_ids()
    if result.is_full_marks:
        return False, "known-wrong example scored 100%"
    if sorted(failed) != sorted(wrong.fails):
        return False, f"expected to fail {sorted(wrong.fails)}, failed {sorted(failed)}"
    if wrong.message_contains:
        first = next(c for c in result.checks if c.id == wrong.fails[0])
        # The feedback a student reads once it is released: the message, then the model answer (missing rubric
        # ideas, a question's explanation), which a release policy may hold back for a while.
        shown = " ".join(part.es for part in (first.message, first.answer) if part is not None)
        if wrong.message_contains not in shown:
            return False, f"feedback of {first.id!r} lacks {wrong.message_contains!r}: {shown}"
    return True, f"fails {', '.join(failed)} as expected"


def validate_catalog(*, grader: Grader, only: list[str] | None = None) -> list[Verdict]:
    """Grade every reference and known-wrong example of the catalog (or of `only`) and judge them."""
    jobs: list[tuple[ExerciseSpec, str, WrongExample | None]] = []
    for spec in grader.catalog.specs.values():
        if only and spec.id not in only:
            continue
        jobs.append((spec, spec.reference.solution, None))
        jobs += [(spec, w.file, w) for w in spec.reference.wrong]

    def run(job: tuple[ExerciseSpec, str, WrongExample | None]) -> Verdict:
        """Grade one reference file and judge it against what its spec says."""
        spec, rel, wrong = job
        path = grader.catalog.solutions_dir / rel
        result = grader.grade_bytes(spec=spec, filename=path.name, data=path.read_bytes(),
                                    student=spec.reference.student)
        ok, detail = _judge_solution(result) if wrong is None else _judge_wrong(result, wrong)
        return Verdict(exercise=spec.id, file=rel, ok=ok, detail=detail, score=result.score,
                       max_score=result.max_score)

    with ThreadPoolExecutor(max_workers=grader.workers) as pool:
        return list(pool.map(run, jobs))
