"""Grade exports as CSV text: a plain spreadsheet, a Canvas gradebook import and a Moodle grade import.

All three are written from a `Gradebook` (grader.course.gradebook.build_gradebook with every row), so an export
shows exactly what the gradebook page shows under the same policy. A student with no counted attempt gets
a blank cell, never a 0: to an LMS a blank means "no score", a 0 would be a grade.

A score still waiting for a teacher's review (`Attempt.pending_review`) is never exported as if it were final:
with `pending="exclude"` its cell is blank, with `pending="include"` it is exported and marked provisional.
See /work/shared/notes/lms-exports.md for what Canvas and Moodle expect.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from grader.core.i18n import SCORE_DECIMALS, round_score
from grader.core.safetext import csv_text
from grader.course.gradebook import Attempt, Cell, Column, Gradebook, GradebookRow, StudentInfo

ExportKind = Literal["generic", "canvas", "moodle"]
EXPORT_KINDS: tuple[ExportKind, ...] = ("generic", "canvas", "moodle")
MoodleIdentity = Literal["email", "idnumber"]
MOODLE_IDENTITIES: tuple[MoodleIdentity, ...] = ("email", "idnumber")
PendingChoice = Literal["include", "exclude"]
PENDING_CHOICES: tuple[PendingChoice, ...] = ("exclude", "include")
# Leaving provisional scores out is the default: a file uploaded to an LMS should hold final grades only.
DEFAULT_PENDING: PendingChoice = "exclude"
CANVAS_IDENTITY_HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
# Canvas ignores a column whose name ends in "(read only)", so the marker travels without creating an assignment.
CANVAS_PENDING_HEADER = "Pendiente de revisión (read only)"
GENERIC_PENDING_HEADER = "pending_review"
PROVISIONAL = "Provisional: pendiente de revisión del profesor."


@dataclass(frozen=True)
class ExportOptions:
    """How an export treats scores that still wait for review."""

    pending: PendingChoice = DEFAULT_PENDING


def _csv(rows: Iterable[Sequence[str]]) -> str:
    """Rows as CSV text, cells that a spreadsheet would run as formulas neutralised (grader.core.safetext)."""
    return csv_text(rows)


def points(value: float) -> str:
    """A score as LMSs read it: `round_score` (2 decimals, halves away from zero) written with a dot."""
    return f"{round_score(value):.{SCORE_DECIMALS}f}"


def waiting(cell: Cell) -> bool:
    """True when the cell's counted attempt has checks waiting for a teacher's review."""
    return cell.counted is not None and cell.counted.pending_review > 0


def _exported(cell: Cell, options: ExportOptions) -> Attempt | None:
    """The attempt whose score the export writes for `cell`: none when pending scores are left out."""
    if waiting(cell) and options.pending == "exclude":
        return None
    return cell.counted


def _score(cell: Cell, options: ExportOptions) -> str:
    """The exported score of a cell, blank when nothing counts (or it waits for review and is left out)."""
    counted = _exported(cell, options)
    return points(counted.final) if counted is not None else ""


def _total(row: GradebookRow, options: ExportOptions) -> str:
    """The sum of the exported cells' unrounded scores, rounded once (3 x 3.3333 -> cells 3.33, total 10.00)."""
    return points(sum(a.final for a in (_exported(c, options) for c in row.cells) if a is not None))


def _waiting_ids(book: Gradebook, row: GradebookRow) -> str:
    """The exercise ids of `row` whose score waits for review, space-separated (blank when none): exported as
    provisional, or left empty, as the options say; either way the file tells why."""
    return " ".join(col.exercise for col, cell in zip(book.columns, row.cells, strict=True) if waiting(cell))


def _titles(cols: Sequence[Column]) -> list[str]:
    """Spanish titles as column names; a repeated title gets its exercise id so no two columns collide."""
    names = [c.title.es for c in cols]
    return [f"{name} ({c.exercise})" if names.count(name) > 1 else name
            for name, c in zip(names, cols, strict=True)]


def generic_csv(book: Gradebook, options: ExportOptions = ExportOptions()) -> str:
    """student_id, name, email, section, one column per exercise (by id), total, pending_review.

    `pending_review` lists the exercises waiting for review: provisional scores (pending=include) or cells
    left empty for that reason (pending=exclude), so an empty cell is never mistaken for "not submitted".
    """
    header = ["student_id", "name", "email", "section", *(c.exercise for c in book.columns), "total",
              GENERIC_PENDING_HEADER]
    return _csv([header, *([r.student.external_id, r.student.name, r.student.email, r.student.section,
                            *(_score(c, options) for c in r.cells), _total(r, options),
                            _waiting_ids(book, r)] for r in book.rows)])


def canvas_csv(book: Gradebook, options: ExportOptions = ExportOptions()) -> str:
    """A Canvas gradebook import: identity columns, a `Points Possible` row, then one row per student.

    Canvas matches a column to an existing assignment by "Title (canvas id)"; we know no Canvas ids, so the
    plain title is used, which matches an assignment of that title or creates it. Students are matched by
    SIS User ID (our student id), then SIS Login ID (the email, the usual login), then name. A last
    "(read only)" column, which Canvas skips, names the exercises waiting for review (as in `generic_csv`).
    """
    titles = _titles(book.columns)
    blanks = [""] * (len(CANVAS_IDENTITY_HEADER) - 1)
    rows: list[list[str]] = [[*CANVAS_IDENTITY_HEADER, *titles, CANVAS_PENDING_HEADER],
                             ["Points Possible", *blanks, *(points(c.max_score) for c in book.columns), ""]]
    # The Canvas ID column stays empty: only Canvas knows it, and an empty cell falls through to the SIS ids.
    rows += [[r.student.display, "", r.student.external_id, r.student.email, r.student.section,
              *(_score(c, options) for c in r.cells), _waiting_ids(book, r)] for r in book.rows]
    return _csv(rows)


def _feedback(cell: Cell, policy: str, options: ExportOptions) -> str:
    """What a Moodle feedback cell says about how the grade came about (blank without an exported score)."""
    if _exported(cell, options) is None:
        return ""
    tries = f"{cell.tries} {'intento' if cell.tries == 1 else 'intentos'}"
    parts = [f"{'Mejor' if policy == 'best' else 'Último'} de {tries}"]
    if cell.counted is not None and cell.counted.late:
        parts.append("entrega tardía, con penalización")
    if cell.counted is not None and cell.counted.overridden:
        parts.append("nota revisada por el profesor")
    return "; ".join(parts) + "." + (f" {PROVISIONAL}" if waiting(cell) else "")


def unmatched(book: Gradebook, *, identity: MoodleIdentity) -> tuple[StudentInfo, ...]:
    """The students a Moodle export by `identity` cannot include: they have no such value to be matched by."""
    return tuple(r.student for r in book.rows if not _identity(r, identity))


def moodle_csv(book: Gradebook, *, identity: MoodleIdentity, options: ExportOptions = ExportOptions()) -> str:
    """A Moodle grade import: the identity column, the name, then a grade and a feedback column per exercise.

    Feedback always travels with its grade: Moodle overwrites grades when a feedback column is imported
    alone; a provisional grade says so in its feedback. Email matching in Moodle is case-sensitive, so
    emails are written exactly as stored. A student without the identity value cannot be matched: the file
    leaves them out (Moodle would stop the import on them) and `unmatched` names them for the teacher.
    """
    titles = _titles(book.columns)
    header = ["Email address" if identity == "email" else "ID number", "Full name"]
    for title in titles:
        header += [title, f"Feedback: {title}"]
    rows = [header]
    for row in book.rows:
        key = _identity(row, identity)
        if not key:
            continue
        line = [key, row.student.display]
        for cell in row.cells:
            line += [_score(cell, options), _feedback(cell, book.policy, options)]
        rows.append(line)
    return _csv(rows)


def _identity(row: GradebookRow, identity: MoodleIdentity) -> str:
    """The value Moodle matches the student by."""
    return row.student.email if identity == "email" else row.student.external_id


def filename(*, kind: ExportKind, identity: MoodleIdentity, policy: str, options: ExportOptions,
             day: str) -> str:
    """The download's name: one per format and Moodle identity, so two exports never overwrite each other.

    e.g. notas-moodle-email-best-2030-01-10.csv; `-provisionales` when provisional scores are included.
    """
    what = {"generic": "generico", "canvas": "canvas"}.get(kind, f"moodle-{identity}")
    extra = "-provisionales" if options.pending == "include" else ""
    return f"notas-{what}-{policy}{extra}-{day}.csv"
