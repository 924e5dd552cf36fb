"""One submission through the pipeline: source -> sandbox -> inspect (evaluator) -> checks -> scoring.

No database here: `grade_source` is a pure function of the spec and the submitted bytes (plus the
processes it uses), which the service layer stores and the validator compares with expectations.
"""

from __future__ import annotations

import logging
import time

from grader.core.checks.compile import judged_settings
from grader.core.cost.budget import evaluator_timeout_s
from grader.core.environment_notes import apply_environment
from grader.core.excerpt import keep_ends
from grader.core.facts import Evidence, MissingFacts, TrainingOutcome
from grader.core.i18n import Text, t
from grader.core.questions.answers import answers_from_evidence, is_answer_file, load_answer_file
from grader.core.results import GradeResult
from grader.core.scoring import score
from grader.core.sources import StudentSource, SubmissionError, not_judged, read_code
from grader.core.specs.models import ExerciseSpec
from grader.engine.datasets import load_dataset
from grader.engine.evaluator.pool import EvaluatorError, EvaluatorPool
from grader.engine.evaluator.process import EvalRequest
from grader.engine.sandbox.cold import run_cold
from grader.engine.sandbox.isolation import Isolation
from grader.engine.sandbox.job import Job, RunLimits, SandboxRun
from grader.engine.sandbox.warm import WarmRunner

log = logging.getLogger(__name__)


def run_student(*, job: Job, isolation: Isolation, warm: WarmRunner | None = None) -> SandboxRun:
    """Run one submission's code isolated and limited, and return its plain-JSON result.

    With `warm`, a warm sandboxed worker forks a child for it; otherwise (or when that worker was lost) a
    fresh process is started.
    """
    if warm is not None:
        run = warm.run(job)
        if not run.worker_lost:
            return run
        # A zygote that died under the job (killed from outside, or by a cause the warm worker's log names):
        # one fresh sandboxed run decides instead, and hostile code fails again there on its own merits.
        log.warning("running the job once more in a fresh sandboxed process")
    return run_cold(job=job, isolation=isolation)


def _error(spec: ExerciseSpec, message: Text, started: float, *, notes: list[Text] | None = None,
           logs: str = "") -> GradeResult:
    return GradeResult.failed(message, max_score=spec.max_score, notes=notes, logs=logs, started=started)


def evaluator_timeout_for(spec: ExerciseSpec) -> float:
    """How long the evaluator may take for one submission of `spec`: from its limits and, when it trains the
    model, its epochs and the rows of its data set (grader/core/cost/budget.py)."""
    training = spec.training
    if training is None:
        return evaluator_timeout_s(limit_s=spec.limits.timeout_s)
    data = load_dataset(training.dataset)
    rows = len(data.train[0]) if training.max_rows is None else min(len(data.train[0]), training.max_rows)
    return evaluator_timeout_s(limit_s=spec.limits.timeout_s, epochs=training.epochs, rows=rows,
                               valid_rows=len(data.valid[0]))


def _logs(run: SandboxRun) -> str:
    parts = []
    if run.stdout.strip():
        parts.append("--- stdout ---\n" + run.stdout)
    if run.stderr.strip():
        parts.append("--- stderr ---\n" + run.stderr)
    return "\n".join(parts)


def _describe_student_error(evidence: Evidence, source: StudentSource) -> Text | None:
    """'Tu código lanzó NameError en la celda de código 2, línea 3: ...' (without a final period), or None.

    Also records on `evidence.student_error.where` where the student finds that line, for the checks."""
    err = evidence.student_error
    if err is None:
        return None
    loc = source.locate(err.line) if err.line else None
    err.where = loc
    where_es = f" en la {loc.es}" if loc else ""
    where_en = f" at {loc.en}" if loc else ""
    if err.type == "SystemExit":
        return t(f"Tu código llamó a sys.exit(){where_es}", f"Your code called sys.exit(){where_en}")
    message = keep_ends(err.message)
    return t(f"Tu código lanzó {err.type}{where_es}: {message}", f"Your code raised {err.type}{where_en}: {message}")


def _nothing_to_grade(spec: ExerciseSpec, evidence: Evidence, failure: Text | None,
                      slips: tuple[Text, ...] = ()) -> Text | None:
    """An error when none of the code variables exists (the code failed or never defined them, or the lines
    that would have were a syntax slip read past: then that slip is the error).

    Quizzes are exempt: an unanswered question simply scores 0 with its own message.
    """
    if not spec.grade or any(evidence.variables.get(n, MissingFacts()).kind != "missing" for n in spec.grade):
        return None
    names = ", ".join(f"`{n}`" for n in spec.grade)
    if slips:
        return t(f"{slips[0].es} Sin esas líneas, tu código no definió {names}.",
                 f"{slips[0].en} Without those lines, your code did not define {names}.")
    if failure is not None:
        return t(f"{failure.es}, antes de definir {names}.", f"{failure.en}, before defining {names}.")
    return t(f"No se encontró {names} después de ejecutar tu código: define {names} como pide el enunciado.",
             f"{names} was not found after running your code: define {names} as the statement asks.")


def _evaluate(evaluators: EvaluatorPool, request: EvalRequest, spec: ExerciseSpec) -> Evidence:
    """The evidence for `request`. When the brief training ran out of time or memory, the model is inspected
    again without it: the other checks are graded on what was written, and the training check alone says why
    it failed (a big model costs that check, not every point)."""
    try:
        with evaluators.acquire() as evaluator:
            return evaluator.evaluate(request, timeout_s=evaluator_timeout_for(spec))
    except EvaluatorError as exc:
        training = request.training
        if not exc.training or training is None:
            raise
        with evaluators.acquire() as evaluator:
            evidence = evaluator.evaluate(request.model_copy(update={"training": None}),
                                          timeout_s=evaluator_timeout_for(spec))
        evidence.training = TrainingOutcome(
            variable=training.variable, metric=training.metric, baseline=0.0, threshold=0.0, passed=False,
            higher_is_better=training.metric == "accuracy", epochs=training.epochs, error=exc.message)
        return evidence


def grade_source(*, spec: ExerciseSpec, filename: str, data: bytes, evaluators: EvaluatorPool,
                 isolation: Isolation, student: str, warm: WarmRunner | None = None,
                 beside: dict[str, bytes] | None = None) -> GradeResult:
    """Grade the raw bytes of one submission by `student` against `spec`; never raises for bad input.

    Whether the try uses an attempt (`judged`) follows grader.core.sources.not_judged: a file refused before
    running and an internal failure of the evaluator are not judged; whatever the student's code did once it
    ran is, a failed sandbox run included (a warm worker lost is run again fresh, see `run_student`, and a
    sandbox that cannot start raises, which grader.engine.grader turns into an internal error)."""
    started = time.monotonic()
    if is_answer_file(filename):
        try:
            answers, notes = load_answer_file(spec=spec, filename=filename, data=data)
        except SubmissionError as exc:
            return not_judged(_error(spec, exc.message, started), cause="refused")
        return score(spec, Evidence(answers=answers), student=student, notes=notes,
                     duration_s=round(time.monotonic() - started, 3))
    try:
        source = read_code(filename=filename, data=data)
    except SubmissionError as exc:
        return not_judged(_error(spec, exc.message, started), cause="refused")
    notes = list(source.notes)
    arrays = dict(load_dataset(spec.starter.data).arrays) if spec.starter.data else {}
    limits = RunLimits(timeout_s=spec.limits.timeout_s, cpu_s=spec.limits.cpu_s,
                       memory_mb=spec.limits.memory_mb, max_output_bytes=spec.limits.max_output_kb * 1024)
    variables = [*spec.grade, *spec.answer_variables]
    job = Job(code=source.code, starter_code=spec.starter.code, grade=variables, data=arrays, limits=limits,
              cells=source.cell_spans(), beside=beside or {})
    run = run_student(job=job, isolation=isolation, warm=warm)
    logs = _logs(run)
    if run.internal:
        log.error("the sandbox failed before the student's code ran: %s", run.stderr[-2000:])
        return not_judged(_error(spec, run.error or t("Error interno.", "Internal error."), started, notes=notes,
                                 logs=logs), cause="grader")
    if not run.ok or run.payload is None:
        return _error(spec, run.error or t("Error desconocido.", "Unknown error."), started, notes=notes, logs=logs)
    notes += apply_environment(spec, run.payload, provided=arrays)  # what the sandbox's course environment adapted
    judged = judged_settings(spec.checks, spec.training.variable) if spec.training is not None else {}
    request = EvalRequest(grade=variables, payload=run.payload, training=spec.training, judged=judged)
    try:
        evidence = _evaluate(evaluators, request, spec)
    except EvaluatorError as exc:
        failed = _error(spec, exc.message, started, notes=notes, logs=logs)
        return not_judged(failed, cause="grader") if exc.internal else failed
    failure = _describe_student_error(evidence, source)
    fatal = _nothing_to_grade(spec, evidence, failure, source.slips)
    if fatal is not None:
        return _error(spec, fatal, started, notes=notes, logs=logs)
    if failure is not None and evidence.student_error is not None and evidence.student_error.continued \
            and source.kind == "py":
        notes.append(t(f"{failure.es}. Las instrucciones siguientes del script se ejecutaron igualmente y se calificó "
                       "lo que definieron; los errores que ese primero cause en ellas no se cuentan aparte.",
                       f"{failure.en}. The script's following statements were run anyway and what they defined was "
                       "graded; errors this first one causes in them are not counted separately."))
    elif failure is not None and evidence.student_error is not None and evidence.student_error.continued:
        notes.append(t(f"{failure.es}. Las celdas siguientes se ejecutaron igualmente (como «Ejecutar todo» de "
                       "Jupyter) y se calificó lo que definieron; los errores que ese primero cause en ellas no se "
                       "cuentan aparte.", f"{failure.en}. The following cells were run anyway (like Jupyter's "
                       "\"Run all\") and what they defined was graded; errors this first one causes in them are "
                       "not counted separately."))
    elif failure is not None:
        notes.append(t(f"{failure.es}. Se calificó lo que existía en ese momento.",
                       f"{failure.en}. What existed at that point was graded."))
    evidence.answers = answers_from_evidence(spec, evidence)
    return score(spec, evidence, student=student, notes=notes, logs=logs,
                 duration_s=round(time.monotonic() - started, 3))
