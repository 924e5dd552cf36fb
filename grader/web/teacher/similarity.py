"""Similarity flags of an exercise, for teachers only: the flagged pairs, a pair side by side with the
shared statements marked and the evidence, and a note per pair. "Run now" only queues a run: the job
(grader.web.similarity_jobs, or a run after the deadline) does the work, never a request."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grader.core.similarity import read_document
from grader.core.sources import SubmissionError
from grader.course.similarity import PairKey, latest_done, latest_run, note_for, request_run, set_note
from grader.db.models import Submission
from grader.db.similarity_models import SimilarityFlag
from grader.web.auth import teacher_required
from grader.web.i18n import N_, gettext
from grader.web.offering import offering_id
from grader.web.routes import Routes
from grader.web.services import assigned_spec
from grader.web.state import db

routes = Routes()
# Each kind of evidence (grader.core.similarity.compare.WEIGHTS) as the page names it, in Spanish: the
# templates translate it from this table (`_(kinds[...])`), so each name is marked for pybabel with N_.
KINDS = {
    "Colab file id": N_("id de archivo de Colab"), "Colab authorship tag": N_("marca de autoría de Colab"),
    "Colab user id": N_("id de usuario de Colab"), "Colab output id": N_("id de salida de Colab"),
    "Colab run timestamp": N_("hora de ejecución en Colab"), "run timestamp": N_("hora de ejecución"),
    "widget id": N_("id de widget"), "cell id": N_("id de celda"),
    "notebook name": N_("nombre del cuaderno"), "execution counts": N_("contadores de ejecución"),
    "output image": N_("imagen de salida"), "output": N_("línea de salida"), "comment": N_("comentario"),
    "markdown": N_("texto"), "string": N_("cadena"), "architecture": N_("arquitectura"), "seed": N_("semilla"),
    "setting": N_("ajuste"), "number": N_("número"),
    "name": N_("nombre de variable"), "word": N_("palabra"), "code": N_("código"), "answer": N_("respuesta libre"),
    "sentence": N_("frase"), "choice": N_("respuesta corta"),
}
MAX_NOTE = 4000  # characters of a teacher's note
MAX_LINES = 3000  # lines of one hand-in shown side by side


@routes.get("/exercises/<exercise_id>/similarity")
@teacher_required
def similarity_page(exercise_id: str) -> Any:
    """The newest finished run's flagged pairs, with their notes, and the state of the newest run."""
    spec = assigned_spec(exercise_id)
    session = db()
    done, newest = latest_done(session, exercise_id, offering_id()), latest_run(session, exercise_id, offering_id())
    flags = [(flag, note_for(session, PairKey.of(flag))) for flag in done.flags] if done else []
    return render_template("teacher/similarity.html", spec=spec, exercise_id=exercise_id, done=done,
                           newest=newest, flags=flags, kinds=KINDS)


@routes.post("/exercises/<exercise_id>/similarity")
@teacher_required
def similarity_request(exercise_id: str) -> Any:
    """Queue a run (the job does it); say so."""
    assigned_spec(exercise_id)
    session = db()
    run = request_run(session, exercise_slug=exercise_id, requested_by=current_user.username,
                      offering_id=offering_id())
    session.commit()
    flash(gettext("Comparación en cola: se hará en segundo plano.") if run
          else gettext("Aún no hay entregas de este ejercicio."), "ok" if run else "error")
    return redirect(url_for("teacher.similarity_page", exercise_id=exercise_id))


def _flag_or_404(exercise_id: str, flag_id: int) -> SimilarityFlag:
    flag = db().get(SimilarityFlag, flag_id)
    if flag is None or flag.run.exercise.slug != exercise_id or flag.run.offering_id != offering_id():
        abort(404)
    return flag


def _cells(submission: Submission, spans: list[list[int]]) -> list[tuple[int, list[tuple[int, str, bool]]]]:
    """The code cells of a submission as (cell number, [(line number, text, shared)]), within MAX_LINES."""
    try:
        doc = read_document(name="", filename=submission.filename, data=submission.source)
    except SubmissionError:
        return []
    shown: list[tuple[int, list[tuple[int, str, bool]]]] = []
    budget = MAX_LINES
    for number, cell in doc.code_cells:
        lines = cell.source.splitlines()[:budget]
        budget -= len(lines)
        marked = [(i, text, any(c == number and first <= i <= last for c, first, last in spans))
                  for i, text in enumerate(lines, start=1)]
        shown.append((number, marked))
    return shown


@routes.get("/exercises/<exercise_id>/similarity/<int:flag_id>")
@teacher_required
def similarity_pair(exercise_id: str, flag_id: int) -> Any:
    """One flagged pair side by side, shared statements marked, with the evidence and the note."""
    spec = assigned_spec(exercise_id)
    flag = _flag_or_404(exercise_id, flag_id)
    return render_template("teacher/similarity_pair.html", spec=spec, exercise_id=exercise_id, flag=flag,
                           left=_cells(flag.submission_a, flag.shared.get("a", [])),
                           right=_cells(flag.submission_b, flag.shared.get("b", [])),
                           note=note_for(db(), PairKey.of(flag)), kinds=KINDS)


@routes.post("/exercises/<exercise_id>/similarity/<int:flag_id>/note")
@teacher_required
def similarity_note(exercise_id: str, flag_id: int) -> Any:
    """Save the teacher's note on the pair (kept for later runs)."""
    assigned_spec(exercise_id)
    flag = _flag_or_404(exercise_id, flag_id)
    session = db()
    set_note(session, key=PairKey.of(flag), note=request.form.get("note", "")[:MAX_NOTE],
             teacher=current_user.username)
    session.commit()
    flash(gettext("Nota guardada."), "ok")
    return redirect(url_for("teacher.similarity_pair", exercise_id=exercise_id, flag_id=flag_id))
