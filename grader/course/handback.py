"""Feedback files a teacher can hand back: one self-contained HTML page per student, and an index of the batch.

`grader grade ... --feedback-dir DIR` writes them. Each page holds the exercise's title, the score, every
check or question by title with its message (and hint, and model answer only when asked), the drawings of
the student's network and the grader's training curves, and the notes. Pages are self-contained (styles
inline, drawings as inline SVG, no script, nothing fetched) and well-formed, so they open anywhere, mail
well, and parse as XML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.core.i18n import Lang, Text, format_score
from grader.core.results import GradeResult
from grader.core.richtext import to_html
from grader.core.safetext import markup_text as escape
from grader.core.specs.models import ExerciseSpec
from grader.course.figures.feedback import FeedbackFigures, feedback_figures

STYLE = """body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#1b1f23}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;
vertical-align:top}tr.fail th{color:#a4262c}tr.pass th{color:#1a7f37}.muted{color:#57606a}
figure{margin:1rem 0}svg{max-width:100%;height:auto}figure svg{display:block;max-width:34rem}
code{background:#f3f4f6;padding:0 .2rem}
.error{border-left:4px solid #a4262c;padding:.5rem;background:#fff5f5;white-space:pre-wrap}"""
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class HandbackRow:
    """One student's graded submission."""

    student: str
    result: GradeResult


def _t(text: Text | None, lang: Lang) -> str:
    return escape(text.get(lang)) if text is not None else ""


def _message(text: Text | None, lang: Lang) -> str:
    """A generated message (code marked, technical detail folded; see grader/core/richtext.py)."""
    return to_html(text.get(lang)) if text is not None else ""


def _words(lang: Lang) -> dict[str, str]:
    es = lang == "es"
    return {"score": "Nota" if es else "Score", "check": "Comprobación" if es else "Check",
            "points": "Puntos" if es else "Points", "result": "Resultado" if es else "Result",
            "hint": "Pista" if es else "Hint", "answer": "Respuesta modelo" if es else "Model answer",
            "error": "Error de la entrega" if es else "Submission error", "notes": "Notas" if es else "Notes",
            "figures": "Tu red y su entrenamiento" if es else "Your network and its training",
            "params": "Parámetros por capa" if es else "Parameters per layer",
            "student": "Estudiante" if es else "Student", "status": "Estado" if es else "Status",
            "index": "Retroalimentación" if es else "Feedback", "graded": "calificada" if es else "graded",
            "failed": "no se pudo calificar" if es else "could not be graded"}


def _figures(figures: FeedbackFigures, lang: Lang) -> list[str]:
    words = _words(lang)
    if figures.empty:
        return []
    out = [f"<h2>{words['figures']}</h2>"]
    for network in figures.networks:
        out.append(f"<figure>{network.svg}")
        if network.lines:
            items = "".join(f"<li>{_t(line.text, lang)}</li>" for line in network.lines)
            out.append(f"<figcaption><h3>{words['params']}</h3><ol>{items}</ol><p>{escape(network.total)}</p>"
                       "</figcaption>")
        out.append("</figure>")
    if figures.curves is not None:
        out.append(f"<figure>{figures.curves}<figcaption>{_t(figures.diagnosis, lang)}</figcaption></figure>")
    return out


def student_page(row: HandbackRow, spec: ExerciseSpec, *, lang: Lang, with_answers: bool) -> str:
    """The HTML page of one student's feedback."""
    words, result = _words(lang), row.result
    title = escape(spec.title.get(lang))
    score = f"{format_score(result.score, lang)} / {format_score(result.max_score, lang)}"
    body = [f"<h1>{title}</h1>", f"<p>{words['student']}: <strong>{escape(row.student)}</strong> · "
            f"{words['score']}: <strong>{score}</strong></p>"]
    if result.error is not None:
        body.append(f'<div class="error"><strong>{words["error"]}:</strong> {_message(result.error, lang)}</div>')
    if result.checks:
        body.append(f"<table><thead><tr><th>{words['check']}</th><th>{words['points']}</th>"
                    f"<th>{words['result']}</th></tr></thead><tbody>")
        for check in result.checks:
            extra = ""
            if check.hint is not None and not check.passed:
                extra += f"<br/><em>{words['hint']}:</em> {_t(check.hint, lang)}"
            if with_answers and check.answer is not None:
                extra += f"<br/><em>{words['answer']}:</em> {_t(check.answer, lang)}"
            mark = "✔" if check.passed else "✘"
            points = f"{format_score(check.points, lang)} / {format_score(check.max_points, lang)}"
            body.append(f'<tr class="{"pass" if check.passed else "fail"}"><th>{mark} '
                        f"{_t(spec.item_title(check.id), lang)}</th><td>{points}</td>"
                        f"<td>{_message(check.message, lang)}{extra}</td></tr>")
        body.append("</tbody></table>")
    body += _figures(feedback_figures(result, spec, lang=lang, show_answers=with_answers), lang)
    if result.notes:
        body.append(f"<h2>{words['notes']}</h2><ul>" + "".join(f"<li>{_message(n, lang)}</li>" for n in result.notes)
                    + "</ul>")
    return _document(f"{title} · {escape(row.student)}", body, lang)


def _document(title: str, body: list[str], lang: Lang) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{lang}" xmlns="http://www.w3.org/1999/xhtml"><head>'
            f'<meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>'
            f"<title>{title}</title><style>{STYLE}</style></head><body>" + "\n".join(body) + "</body></html>\n")


def _file_names(students: Sequence[str]) -> list[str]:
    """A safe, unique file name per student (ids come from folder names a student may have chosen)."""
    names: list[str] = []
    for student in students:
        base = _UNSAFE.sub("_", student).strip("._") or "estudiante"
        name, n = f"{base[:80]}.html", 2
        while name in names or name == "index.html":
            name, n = f"{base[:80]}-{n}.html", n + 1
        names.append(name)
    return names


def write_feedback_dir(*, rows: Sequence[HandbackRow], spec: ExerciseSpec, directory: Path, lang: Lang,
                       with_answers: bool = False) -> list[Path]:
    """Write one page per row and `index.html` into `directory` (created); returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    words, written = _words(lang), []
    names = _file_names([row.student for row in rows])
    lines = []
    for row, name in zip(rows, names, strict=True):
        path = directory / name
        path.write_text(student_page(row, spec, lang=lang, with_answers=with_answers), encoding="utf-8")
        written.append(path)
        status = words["graded"] if row.result.status == "graded" else words["failed"]
        lines.append(f'<tr><th><a href="{escape(name)}">{escape(row.student)}</a></th><td>'
                     f"{format_score(row.result.score, lang)} / {format_score(row.result.max_score, lang)}</td>"
                     f"<td>{status}</td></tr>")
    title = f"{words['index']}: {escape(spec.title.get(lang))}"
    index = [f"<h1>{title}</h1>", f"<table><thead><tr><th>{words['student']}</th><th>{words['score']}</th>"
             f"<th>{words['status']}</th></tr></thead><tbody>", *lines, "</tbody></table>"]
    (directory / "index.html").write_text(_document(title, index, lang), encoding="utf-8")
    return [*written, directory / "index.html"]
