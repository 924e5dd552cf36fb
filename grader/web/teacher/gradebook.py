"""Teacher pages: the gradebook, its exports and the roster. Every route is `teacher_required`."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, render_template, request
from sqlalchemy import select

from grader.course.accounts import import_roster
from grader.course.exports import MOODLE_IDENTITIES, canvas_csv, generic_csv, moodle_csv
from grader.course.gradebook import (
    POLICIES,
    SORT_KEYS,
    Gradebook,
    GradebookFilters,
    Policy,
    build_gradebook,
    sections,
    students,
)
from grader.db.models import User, utcnow
from grader.web.auth import teacher_required
from grader.web.i18n import add_translations, gettext
from grader.web.routes import Routes
from grader.web.state import db, state

routes = Routes()

add_translations({
    # Gradebook cell markers: T(ardía) / R(evisada) read L(ate) / O(verridden) in English.
    "T": "L",
    "R": "O",
    "Buscar (nombre, id o correo)": "Search (name, id or email)",
    "Sección": "Section",
    "Todas": "All",
    "Intento que cuenta": "Attempt that counts",
    "El mejor": "The best",
    "El último": "The last",
    "Ordenar por": "Sort by",
    "Nombre": "Name",
    "Id": "Id",
    "Total": "Total",
    "Descendente": "Descending",
    "Filtrar": "Filter",
    "CSV genérico": "Generic CSV",
    "Canvas (CSV)": "Canvas (CSV)",
    "Moodle por correo": "Moodle by email",
    "Moodle por número de id": "Moodle by ID number",
    "Estudiante": "Student",
    "estudiantes": "students",
    "Página": "Page",
    "de": "of",
    "Anterior": "Previous",
    "Siguiente": "Next",
    "Paginación": "Pagination",
    "Ningún estudiante coincide con el filtro.": "No student matches the filter.",
    "intentos": "attempts",
    "tardía": "late",
    "revisada": "overridden",
    "pendiente": "pending",
    "Leyenda": "Legend",
    "entrega tardía (con penalización)": "late submission (penalised)",
    "nota modificada por el profesor": "score overridden by the teacher",
    "hay intentos en cola": "attempts are queued",
    "Notas de los estudiantes por ejercicio, con el intento que cuenta según la política elegida.":
        "Students' scores per exercise, with the attempt that counts under the chosen policy.",
    "Importar lista de estudiantes": "Import the student list",
    "CSV con las columnas student_id, name, email (y, opcionalmente, section).":
        "CSV with columns student_id, name, email (and, optionally, section).",
    "Archivo CSV": "CSV file",
    "o pega el CSV aquí": "or paste the CSV here",
    "Importar": "Import",
    "Cuentas creadas": "Accounts created",
    "Apunta o reparte estas contraseñas ahora: no se volverán a mostrar.":
        "Write down or hand out these passwords now: they will not be shown again.",
    "Contraseña inicial": "First password",
    "Actualizados": "Updated",
    "Errores": "Errors",
    "Elige un archivo CSV o pega su contenido.": "Choose a CSV file or paste its contents.",
    "El archivo no es texto UTF-8: guárdalo como «CSV UTF-8» y vuelve a subirlo.":
        "The file is not UTF-8 text: save it as \"CSV UTF-8\" and upload it again.",
    "No se reconoce como CSV: la primera línea debe ser student_id,name,email.":
        "Not recognised as CSV: the first line must be student_id,name,email.",
    "Correo": "Email",
    "Cuenta": "Account",
    "Estudiantes inscritos": "Enrolled students",
    "Todavía no hay estudiantes.": "There are no students yet.",
})


@dataclass(frozen=True)
class GradebookParams:
    """The gradebook's query string, parsed: policy, filters and page."""

    policy: Policy
    filters: GradebookFilters
    page: int

    def args(self) -> dict[str, str]:
        """The query string that shows this view again (without the page), for links and exports."""
        args = {"policy": self.policy, "q": self.filters.search, "section": self.filters.section,
                "sort": self.filters.sort, "dir": "desc" if self.filters.descending else "asc"}
        return {k: v for k, v in args.items() if v}


def gradebook_params() -> GradebookParams:
    """The request's gradebook parameters; unknown values fall back to the defaults (course policy, name)."""
    policy = request.args.get("policy", "")
    sort = request.args.get("sort", "")
    filters = GradebookFilters(search=request.args.get("q", "")[:200], section=request.args.get("section", ""),
                               sort=sort if sort in SORT_KEYS else "name",  # type: ignore[arg-type]
                               descending=request.args.get("dir") == "desc")
    return GradebookParams(policy=policy if policy in POLICIES else state().course.grading_policy,  # type: ignore[arg-type]
                           filters=filters, page=max(request.args.get("page", 1, type=int) or 1, 1))


def current_gradebook(params: GradebookParams, *, paged: bool) -> Gradebook:
    """The gradebook the page (one page of rows) and the exports (every row) both show."""
    web = state()
    return build_gradebook(db(), course=web.course, catalog=web.catalog, policy=params.policy,
                           filters=params.filters, page=params.page if paged else None)


@routes.get("/gradebook")
@teacher_required
def gradebook() -> Any:
    """Students x exercises: counted score per cell, totals, search, section filter, sorting, pages."""
    params = gradebook_params()
    return render_template("teacher/gradebook.html", book=current_gradebook(params, paged=True), params=params,
                           sections=sections(db()))


EXPORTS = ("generic", "canvas", "moodle")


@routes.get("/export/<kind>.csv")
@teacher_required
def export(kind: str) -> Any:
    """The gradebook as a CSV download: `generic`, `canvas`, or `moodle` (with ?identity=email|idnumber)."""
    if kind not in EXPORTS:
        abort(404)
    book = current_gradebook(gradebook_params(), paged=False)
    if kind == "moodle":
        identity = request.args.get("identity", "email")
        if identity not in MOODLE_IDENTITIES:
            abort(400)
        text = moodle_csv(book, identity=identity)  # type: ignore[arg-type]
    else:
        text = canvas_csv(book) if kind == "canvas" else generic_csv(book)
    # A BOM lets spreadsheet programs see the accents of the plain export; LMS importers are given none.
    data = text.encode("utf-8-sig" if kind == "generic" else "utf-8")
    filename = f"notas-{kind}-{book.policy}-{utcnow():%Y-%m-%d}.csv"
    return Response(data, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _uploaded_roster() -> str | None:
    """The roster text from the upload (which wins) or the text box; raises UnicodeDecodeError on non-UTF-8."""
    upload = request.files.get("roster")
    if upload is not None and upload.filename:
        return upload.read().decode("utf-8-sig")
    return request.form.get("text", "").strip() or None


@routes.route("/roster", methods=["GET", "POST"])
@teacher_required
def roster() -> Any:
    """Import students from a CSV; new accounts' first passwords are shown once, in this response only."""
    outcome, error, status = None, None, 200
    if request.method == "POST":
        try:
            text = _uploaded_roster()
        except UnicodeDecodeError:
            text, error = None, gettext(
                "El archivo no es texto UTF-8: guárdalo como «CSV UTF-8» y vuelve a subirlo.")
        if text is None:
            error = error or gettext("Elige un archivo CSV o pega su contenido.")
            status = 400
        else:
            session = db()
            try:
                outcome = import_roster(session, text=text)
            except csv.Error:  # the sniffer finds no delimiter: not a CSV at all
                session.rollback()
                error = gettext("No se reconoce como CSV: la primera línea debe ser student_id,name,email.")
                status = 400
            else:
                session.commit()
    session = db()
    accounts = {sid: name for sid, name in session.execute(
        select(User.student_id, User.username).where(User.student_id.is_not(None)))}
    response = Response(render_template("teacher/roster.html", outcome=outcome, error=error,
                                        people=students(session), accounts=accounts), status=status)
    # The page may carry first passwords: keep it out of every cache and the browser's history cache.
    response.headers["Cache-Control"] = "no-store"
    return response

