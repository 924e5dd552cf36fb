"""What refuses a submission before it runs, and how a try that uses no attempt reads.

A SubmissionError carries the bilingual, specific message for bad input (which file, which line, what to do);
`not_judged` marks a result as a try that does not count, by cause.
"""

from __future__ import annotations

from typing import Literal

from grader.core.i18n import Text, t
from grader.core.results import GradeResult


class SubmissionError(Exception):
    """Bad input: carries a bilingual, specific message (which line, which file, what to do)."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.es)  # so str(exc) is the Spanish message
        self.message = message


def fail(es: str, en: str) -> SubmissionError:
    """A SubmissionError with the message in Spanish and English."""
    return SubmissionError(t(es, en))


# What a try that uses no attempt adds to its notes, by cause.
_NOT_COUNTED = {
    "refused": t("Este intento no cuenta: tu archivo no llegó a ejecutarse, así que no gasta ninguno de tus "
                 "intentos. Corrígelo y vuelve a enviarlo.", "This try does not count: your file was never run, "
                 "so it uses none of your attempts. Fix it and submit it again."),
    "grader": t("Este intento no cuenta: falló el calificador, no tu entrega, así que no gasta ninguno de tus "
                "intentos.", "This try does not count: the grader failed, not your submission, so it uses none "
                "of your attempts."),
}


def not_judged(result: GradeResult, *, cause: Literal["refused", "grader"]) -> GradeResult:
    """`result` as a try that uses no attempt (`judged=False`), with a note telling the student so.

    The rule: a try is judged when the student's code ran, whatever became of it. Not judged:
    - "refused": the submission was refused before running, for what the file is rather than what the code
      does: every SubmissionError (not an accepted file, over a size, cell or code cap, not UTF-8 text or NUL
      bytes (UTF-16, binary), an unreadable notebook, no code at all, a syntax error, an answers file that
      cannot be read as a mapping of answers), or a file a batch could not take (discover's problems);
    - "grader": the grader failed, not the student: an exception while grading, an internal failure of the
      evaluator, a sandbox that could not start (it raises), a grading given up after MAX_CLAIMS claims
      (grader/queue/claims.py), an exercise gone from the catalog, a file a batch could not read.
    Judged (the student's doing): checks were run; or their code raised, called sys.exit, ran out of time,
    CPU or memory, crashed its process, wrote an oversized or damaged result, or defined nothing gradable;
    or the evaluator ran out of time or memory on what the code built.
    """
    return result.model_copy(update={"judged": False, "notes": [*result.notes, _NOT_COUNTED[cause]]})
