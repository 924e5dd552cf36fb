"""Grading one answer to one question. Question kinds live in a registry keyed by the spec's `kind`,
like check kinds: adding a kind means one decorated function here."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from grader.core.checks.registry import Outcome
from grader.core.i18n import Text, format_numbers, format_score, t
from grader.core.questions.models import ChoiceQuestion, NumericQuestion, Option, ShapeQuestion, TextQuestion
from grader.core.questions.parse import (
    AnswerError,
    AnswerTooLarge,
    check_answer_size,
    fold,
    parse_choices,
    parse_number,
    parse_shape,
    shown,
)
from grader.core.questions.variants import evaluate, letter, option_order, render


@dataclass(frozen=True)
class QuestionContext:
    """Whose answer this is: the student's variant decides expected answers and option letters."""

    exercise_id: str
    student: str
    values: dict[str, Any] = field(default_factory=dict)


QuestionFn = Callable[[Any, Any, QuestionContext], Outcome]
_KINDS: dict[str, QuestionFn] = {}


def question_kind(kind: str) -> Callable[[QuestionFn], QuestionFn]:
    """Register the decorated function as the grader of questions whose `kind` is `kind`."""

    def register(fn: QuestionFn) -> QuestionFn:
        _KINDS[kind] = fn
        return fn

    return register


def is_unanswered(answer: Any) -> bool:
    """Missing, None, blank text or an empty list."""
    return answer is None or (isinstance(answer, str) and not answer.strip()) or answer == []


def grade_question(question: Any, answer: Any, ctx: QuestionContext) -> Outcome:
    """The outcome of `answer` (None when the student did not answer)."""
    try:
        check_answer_size(answer)  # first: even telling "unanswered" apart compares the whole value
    except AnswerTooLarge as exc:
        name = f"`{question.id}`" + (f" (variable `{question.variable}`)" if question.variable != question.id else "")
        return Outcome(False, t(f"La respuesta a {name} {exc.message.es}", f"The answer to {name} {exc.message.en}"))
    if is_unanswered(answer):
        return Outcome(False, t("No respondiste esta pregunta.", "You did not answer this question."))
    try:
        return _KINDS[question.kind](question, answer, ctx)
    except AnswerError as exc:
        return Outcome(False, t(f"No se pudo leer tu respuesta {shown(answer)}: {exc.message.es}.",
                                f"Your answer {shown(answer)} could not be read: {exc.message.en}."))


def _resolve(pick: str, order: list[Option]) -> Option | None:
    if len(pick) == 1 and pick.isalpha() and ord(pick) - ord("a") < len(order):
        return order[ord(pick) - ord("a")]
    for option in order:
        if pick in {fold(option.id), fold(option.text.es), fold(option.text.en)}:
            return option
    return None


@question_kind("choice")
def choice(question: ChoiceQuestion, answer: Any, ctx: QuestionContext) -> Outcome:
    """Options by the student's letter, id or text; partial credit as the spec says."""
    order = option_order(question, exercise_id=ctx.exercise_id, student=ctx.student)
    # An option's whole text first: it may itself contain the separators used between several picks.
    whole = _resolve(fold(answer), order) if isinstance(answer, str) else None
    picks = [fold(whole.id)] if whole is not None else parse_choices(answer)
    chosen: list[Option] = []
    for pick in picks:
        option = _resolve(pick, order)
        if option is None:
            labels = ", ".join(letter(i) for i in range(len(order)))
            raise AnswerError(t(f"{shown(pick)} no es una de las opciones ({labels})",
                                f"{shown(pick)} is not one of the options ({labels})"))
        if option not in chosen:
            chosen.append(option)
    if not question.multiple and len(chosen) != 1:
        return Outcome(False, t(f"Elige una sola opción; elegiste {len(chosen)}.",
                                f"Choose one option only; you chose {len(chosen)}."))
    correct = {o.id for o in question.options if o.correct}
    right = sum(o.id in correct for o in chosen)
    wrong = len(chosen) - right
    full = right == len(correct) and wrong == 0
    picked = ", ".join(f"{letter(order.index(o))}) {o.text.es}" for o in chosen)
    picked_en = ", ".join(f"{letter(order.index(o))}) {o.text.en}" for o in chosen)
    feedback = [render(o.feedback, ctx.values) for o in chosen if o.feedback is not None and o.id not in correct]
    extra_es = "".join(f" {f.es}" for f in feedback)
    extra_en = "".join(f" {f.en}" for f in feedback)
    if full:
        return Outcome(True, t(f"Correcto: {picked}.", f"Right: {picked_en}."))
    fraction = max(0.0, (right - wrong) / len(correct)) if question.partial == "proportional" else 0.0
    if question.multiple:
        return Outcome(False, t(f"Elegiste {picked}: {right} de {len(correct)} opciones correctas y {wrong} "
                                f"incorrecta(s).{extra_es}",
                                f"You chose {picked_en}: {right} of {len(correct)} right options and {wrong} "
                                f"wrong.{extra_en}"), fraction=fraction)
    return Outcome(False, t(f"Elegiste {picked}, que no es la respuesta correcta.{extra_es}",
                            f"You chose {picked_en}, which is not the right answer.{extra_en}"))


def right_options(question: Any, ctx: QuestionContext) -> Text | None:
    """For a choice question, its right option(s) with this student's letters, as model answer; None otherwise.

    Kept apart from the message so that an exam shows it only after the teacher releases the feedback.
    """
    if not isinstance(question, ChoiceQuestion):
        return None
    order = option_order(question, exercise_id=ctx.exercise_id, student=ctx.student)
    right = [(letter(i), o) for i, o in enumerate(order) if o.correct]
    if not right:
        return None
    es = ", ".join(f"{mark}) {o.text.es}" for mark, o in right)
    en = ", ".join(f"{mark}) {o.text.en}" for mark, o in right)
    if len(right) == 1:
        return t(f"La respuesta correcta es {es}.", f"The right answer is {en}.")
    return t(f"Las respuestas correctas son {es}.", f"The right answers are {en}.")


def _fmt(value: float) -> Text:
    """The student's number written back in each language's way (they typed 0,05: they read 0,05)."""
    return format_numbers(value, significant=6)


@question_kind("numeric")
def numeric(question: NumericQuestion, answer: Any, ctx: QuestionContext) -> Outcome:
    """A number within the tolerances; decimal commas and the spec's units are accepted."""
    expected = evaluate(question.answer, ctx.values)
    value = parse_number(answer, units=question.units, integer=float(expected).is_integer())
    if math.isclose(value, expected, rel_tol=question.rel_tol, abs_tol=question.abs_tol):
        return Outcome(True, t(f"Correcto: {_fmt(value).es}.", f"Right: {_fmt(value).en}."))
    return Outcome(False, t(f"Tu respuesta, {_fmt(value).es}, no es correcta.",
                            f"Your answer, {_fmt(value).en}, is not right."))


@question_kind("shape")
def shape(question: ShapeQuestion, answer: Any, ctx: QuestionContext) -> Outcome:
    """A shape in any notation; a product of dimensions is called out as the flattened size."""
    expected = [int(evaluate(d, ctx.values)) for d in question.answer]
    dims, multiplied = parse_shape(answer)
    written = shown(tuple(dims))
    if dims == expected:
        return Outcome(True, t(f"Correcto: {written}.", f"Right: {written}."))
    size = math.prod(expected)
    if len(expected) > 1 and (multiplied or dims == [size]):
        return Outcome(False, t(
            f"{size} es el tamaño aplanado (el producto de las dimensiones, lo que produce Flatten), "
            "no la forma: escribe cada dimensión, por ejemplo (alto, ancho, canales).",
            f"{size} is the flattened size (the product of the dimensions, what Flatten produces), not the "
            "shape: write each dimension, e.g. (height, width, channels)."))
    if dims[:1] == [None] and dims[1:] == expected:
        return Outcome(False, t(f"{written} incluye la dimensión del lote (None); aquí no va.",
                                f"{written} includes the batch dimension (None); it does not belong here."))
    return Outcome(False, t(f"La forma {written} no es correcta.", f"The shape {written} is not right."))


def _mentions(answer: str, keyword: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(fold(keyword)) + r"(?!\w)", answer) is not None


def _found_ideas(question: TextQuestion, answer: Any) -> tuple[list[Any], list[Any]]:
    """The rubric ideas `answer` mentions by keyword, and those it does not."""
    written = fold(answer if isinstance(answer, str) else str(answer))
    found = [idea for idea in question.rubric if any(_mentions(written, k) for k in idea.keywords)]
    return found, [idea for idea in question.rubric if idea not in found]


def missing_ideas(question: Any, answer: Any) -> Text | None:
    """For a text question, the rubric ideas `answer` does not mention, as model answer; None otherwise.

    Kept apart from the message (which says which ideas were present) so a release policy can withhold it.
    """
    if not isinstance(question, TextQuestion) or is_unanswered(answer):
        return None
    try:
        check_answer_size(answer)
    except AnswerTooLarge:
        return None
    missing = _found_ideas(question, answer)[1]
    if not missing:
        return None
    return t("Ideas que no se encontraron: " + "; ".join(i.description.es for i in missing) + ".",
             "Ideas not found: " + "; ".join(i.description.en for i in missing) + ".")


@question_kind("text")
def text(question: TextQuestion, answer: Any, ctx: QuestionContext) -> Outcome:
    """Rubric ideas found by keyword give suggested points; a teacher reviews the answer."""
    found, missing = _found_ideas(question, answer)
    fraction = sum(i.weight for i in found) / sum(i.weight for i in question.rubric)
    parts_es, parts_en = [], []
    if found:
        parts_es.append("Ideas presentes: " + "; ".join(i.description.es for i in found) + ".")
        parts_en.append("Ideas present: " + "; ".join(i.description.en for i in found) + ".")
    elif missing:
        # The missing ideas themselves are the model answer (see missing_ideas); the message only counts them.
        parts_es.append(f"No se encontró ninguna de las {len(missing)} ideas esperadas.")
        parts_en.append(f"None of the {len(missing)} expected ideas was found.")
    suggested = round(question.points * fraction, 2)
    if question.review:
        parts_es.append(f"Puntuación sugerida: {format_score(suggested)} de {format_score(question.points)}, "
                        "pendiente de revisión del profesor.")
        parts_en.append(f"Suggested score: {format_score(suggested, 'en')} of {format_score(question.points, 'en')}, "
                        "pending the teacher's review.")
    message = Text(es=" ".join(parts_es), en=" ".join(parts_en))
    return Outcome(fraction >= 1 - 1e-9, message, fraction=fraction, needs_review=question.review)
