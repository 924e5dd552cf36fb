"""Questions answered in the browser: one form field per question, turned into the same answers a file gives.

The form shows each question in the student's variant: choice options in their own shuffled order and
letters, numeric and shape inputs saying which formats are read, free text as a text area. What the student
sends becomes an answers document (`respuestas.json`), or, for an exercise with code too, assignments appended
to their code, so the browser, the API and the CLI all go through one grading path and give the same
per-question results.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from grader.core.i18n import Text, t
from grader.core.questions.models import ChoiceQuestion, NumericQuestion, ShapeQuestion, TextQuestion
from grader.core.questions.parse import MAX_TEXT_CHARS
from grader.core.questions.variants import letter, option_order, render
from grader.core.scoring import question_context
from grader.core.specs.models import ExerciseSpec

ANSWERS_FILENAME = "respuestas.json"
# A field's name in the form: a prefix keeps question ids apart from the form's own fields (code, upload).
FIELD_PREFIX = "q-"
Answer = str | list[str]
# The longest number, shape or option letter kept (the form's inputs say maxlength="200" too).
SHORT_ANSWER_CHARS = 200


@dataclass(frozen=True)
class Choice:
    """One option as this student sees it: its letter and text."""

    letter: str
    text: Text


@dataclass(frozen=True)
class QuizField:
    """One question as a form field."""

    id: str
    kind: str  # choice, numeric, shape, text
    title: Text
    prompt: Text
    points: float
    help: Text
    options: tuple[Choice, ...] = ()
    multiple: bool = False
    max_chars: int = MAX_TEXT_CHARS

    @property
    def name(self) -> str:
        """The form field's name."""
        return FIELD_PREFIX + self.id


def _help(question: object) -> Text:
    """What the field accepts, said next to it."""
    if isinstance(question, ChoiceQuestion):
        return (t("Marca todas las opciones correctas.", "Tick every right option.") if question.multiple
                else t("Elige una opción.", "Choose one option."))
    if isinstance(question, NumericQuestion):
        units = ", ".join(question.units)
        es = "Un número: 0,025, 0.025, 2.5e-2 o 2,5 %; separa miles con espacio (18 000)."
        en = "A number: 0.025, 0,025, 2.5e-2 or 2.5 %; separate thousands with a space (18 000)."
        return t(es + (f" Puedes añadir la unidad ({units})." if units else ""),
                 en + (f" You may add the unit ({units})." if units else ""))
    if isinstance(question, ShapeQuestion):
        return t("Una forma: las dimensiones separadas por comas, como (150, 150, 3), sin la del lote.",
                 "A shape: the dimensions separated by commas, such as (150, 150, 3), without the batch one.")
    return t("Respuesta libre: explícalo con tus palabras; el profesor la revisa.",
             "Free answer: explain it in your own words; the teacher reviews it.")


def quiz_fields(spec: ExerciseSpec, *, student: str) -> list[QuizField]:
    """The form of `spec`'s questions as `student` sees them (their variant, their option order)."""
    ctx = question_context(spec, student)
    fields = []
    for question in spec.questions:
        options: tuple[Choice, ...] = ()
        multiple = False
        if isinstance(question, ChoiceQuestion):
            order = option_order(question, exercise_id=spec.id, student=student)
            options = tuple(Choice(letter=letter(i), text=render(o.text, ctx.values)) for i, o in enumerate(order))
            multiple = question.multiple
        fields.append(QuizField(id=question.id, kind=question.kind, title=spec.item_title(question.id),
                                prompt=render(question.prompt, ctx.values), points=question.points,
                                help=_help(question), options=options, multiple=multiple))
    return fields


def answers_from_form(spec: ExerciseSpec, form: Mapping[str, Answer]) -> dict[str, Answer]:
    """The answers by question id from a form's fields; blank fields are left out (unanswered).

    Choice answers are letters (several in a list); the others are the text as typed, cut to the longest
    answer the grader reads, so what is stored is exactly what gets graded.
    """
    answers: dict[str, Answer] = {}
    for question in spec.questions:
        value = form.get(FIELD_PREFIX + question.id)
        given = value if isinstance(value, list) else [value]
        picks = [v.strip() for v in given if isinstance(v, str) and v.strip()]
        if not picks:
            continue
        if isinstance(question, ChoiceQuestion):
            # No more picks than options: a forged form cannot store an endless list.
            letters = [p[:SHORT_ANSWER_CHARS] for p in picks[:len(question.options)]]
            answers[question.id] = letters if len(letters) > 1 or question.multiple else letters[0]
        else:
            # One value per question: a repeated field (a forged form) keeps the first, never a list.
            limit = MAX_TEXT_CHARS if isinstance(question, TextQuestion) else SHORT_ANSWER_CHARS
            answers[question.id] = picks[0][:limit]
    return answers


def answers_document(answers: Mapping[str, Answer]) -> bytes:
    """An answers file's bytes (JSON, UTF-8) for `answers`: what the CLI would read from respuestas.json."""
    return json.dumps(dict(answers), ensure_ascii=False, indent=2).encode("utf-8")


def code_with_answers(spec: ExerciseSpec, code: str, answers: Mapping[str, Answer]) -> str:
    """`code` with the form's answers assigned after it, as the .py way of answering does.

    Appended, so every line of the student's code keeps its number in error messages; the values are Python
    literals (`repr` of text and lists of text), never code the student typed.
    """
    lines = [f"{q.variable} = {answers[q.id]!r}" for q in spec.questions if q.id in answers]
    if not lines:
        return code
    return code.rstrip("\n") + "\n\n# Respuestas del formulario / answers from the form\n" + "\n".join(lines) + "\n"


@dataclass(frozen=True)
class GivenAnswer:
    """One question of a submitted answers document, as the student reads it back: title and answer."""

    title: Text
    answer: str


def answers_given(spec: ExerciseSpec | None, *, filename: str, source: bytes | str) -> list[GivenAnswer] | None:
    """The answers of a quiz submitted as an answers document (the form's respuestas.json), question by
    question in the spec's order, to show as answers rather than as code; None for anything else (code, a
    notebook, a YAML file, a document that does not read as answers)."""
    if spec is None or not spec.questions or spec.checks or not filename.endswith(".json"):
        return None
    try:
        document = json.loads(source)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(document, dict):
        return None
    given = []
    for question in spec.questions:
        value = document.get(question.id)
        if isinstance(value, list):
            value = ", ".join(str(v)[:SHORT_ANSWER_CHARS] for v in value[:len(document) + 26])
        if value is not None:
            given.append(GivenAnswer(title=spec.item_title(question.id), answer=str(value)[:MAX_TEXT_CHARS]))
    return given
