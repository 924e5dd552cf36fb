"""Grade exports as CSV text: a plain spreadsheet, a Canvas gradebook import and a Moodle grade import.

All three are written from a `Gradebook` (grader.course.gradebook.build_gradebook with every row), so an export
shows exactly what the gradebook page shows under the same policy. A student with no counted attempt gets
a blank cell, never a 0: to an LMS a blank means "no score", a 0 would be a grade.
See /work/shared/notes/lms-exports.md for what Canvas and Moodle expect.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from grader.course.gradebook import Cell, Column, Gradebook, GradebookRow

MoodleIdentity = Literal["email", "idnumber"]
MOODLE_IDENTITIES: tuple[MoodleIdentity, ...] = ("email", "idnumber")
CENTS = Decimal("0.01")
CANVAS_IDENTITY_HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def _csv(rows: Iterable[Sequence[str]]) -> str:
    """Rows as CSV text (comma-separated, quoted where needed, CRLF line ends as RFC 4180 says)."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _points(value: float) -> str:
    """A score as LMSs compare them: two decimals, a dot as separator, halves rounded up.

    Rounded from the shortest repr: `:.2f` rounds halves to even (7.125 -> 7.12) and follows binary noise
    (1.005 -> 1.00), where a teacher reading 7.125 and 1.005 in the gradebook expects 7.13 and 1.01.
    """
    return str(Decimal(repr(value)).quantize(CENTS, rounding=ROUND_HALF_UP))


def _score(cell: Cell) -> str:
    """The counted final score of a cell, blank when nothing counts."""
    return _points(cell.counted.final) if cell.counted is not None else ""


def _titles(cols: Sequence[Column]) -> list[str]:
    """Spanish titles as column names; a repeated title gets its exercise id so no two columns collide."""
    names = [c.title.es for c in cols]
    return [f"{name} ({c.exercise})" if names.count(name) > 1 else name
            for name, c in zip(names, cols, strict=True)]


def generic_csv(book: Gradebook) -> str:
    """student_id, name, email, section, one column per exercise (by id), total."""
    header = ["student_id", "name", "email", "section", *(c.exercise for c in book.columns), "total"]
    return _csv([header, *([r.student.external_id, r.student.name, r.student.email, r.student.section,
                            *(_score(c) for c in r.cells), _points(r.total)] for r in book.rows)])


def canvas_csv(book: Gradebook) -> str:
    """A Canvas gradebook import: identity columns, a `Points Possible` row, then one row per student.

    Canvas matches a column to an existing assignment by "Title (canvas id)"; we know no Canvas ids, so the
    plain title is used, which matches an assignment of that title or creates it. Students are matched by
    SIS User ID (our student id), then SIS Login ID (the email, the usual login), then name.
    """
    titles = _titles(book.columns)
    blanks = [""] * (len(CANVAS_IDENTITY_HEADER) - 1)
    rows: list[list[str]] = [[*CANVAS_IDENTITY_HEADER, *titles],
                             ["Points Possible", *blanks, *(_points(c.max_score) for c in book.columns)]]
    # The Canvas ID column stays empty: only Canvas knows it, and an empty cell falls through to the SIS ids.
    rows += [[r.student.display, "", r.student.external_id, r.student.email, r.student.section,
              *(_score(c) for c in r.cells)] for r in book.rows]
    return _csv(rows)


def _feedback(cell: Cell, policy: str) -> str:
    """What a Moodle feedback cell says about how the grade came about (blank without a counted attempt)."""
    if cell.counted is None:
        return ""
    parts = [f"{'Mejor' if policy == 'best' else 'Último'} de {cell.tries} intento(s)"]
    if cell.counted.late:
        parts.append("entrega tardía, con penalización")
    if cell.counted.overridden:
        parts.append("nota revisada por el profesor")
    return "; ".join(parts) + "."


def moodle_csv(book: Gradebook, *, identity: MoodleIdentity) -> str:
    """A Moodle grade import: the identity column, the name, then a grade and a feedback column per exercise.

    Feedback always travels with its grade: Moodle overwrites grades when a feedback column is imported
    alone. Email matching in Moodle is case-sensitive, so emails are written exactly as stored. A student
    without the identity value cannot be matched and is left out (Moodle would stop the import on them).
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
            line += [_score(cell), _feedback(cell, book.policy)]
        rows.append(line)
    return _csv(rows)


def _identity(row: GradebookRow, identity: MoodleIdentity) -> str:
    """The value Moodle matches the student by."""
    return row.student.email if identity == "email" else row.student.external_id

