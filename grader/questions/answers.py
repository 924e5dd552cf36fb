"""Where a student's answers come from: a JSON/YAML mapping, or variables a .py/.ipynb assigned."""

from __future__ import annotations

from typing import Any

import yaml

from grader.facts import Evidence
from grader.i18n import Text, t
from grader.sources import SubmissionError, decode_utf8
from grader.specs.models import ExerciseSpec

ANSWER_EXTENSIONS = (".json", ".yaml", ".yml")
MAX_ANSWER_BYTES = 256 * 1024


def is_answer_file(filename: str) -> bool:
    """True for .json/.yaml/.yml submissions (answers only, nothing to run)."""
    return filename.lower().endswith(ANSWER_EXTENSIONS)


def load_answer_file(*, spec: ExerciseSpec, filename: str, data: bytes) -> tuple[dict[str, Any], list[Text]]:
    """Answers by question id from a JSON/YAML mapping, plus notes (e.g. keys that match no question).

    Keys may be question ids ('input-shape') or their variable names ('input_shape').
    """
    if not spec.questions:
        raise SubmissionError(t(
            f"`{filename}`: este ejercicio se responde con código (.py o .ipynb), no con un archivo de respuestas.",
            f"`{filename}`: this exercise is answered with code (.py or .ipynb), not with an answers file."))
    if len(data) > MAX_ANSWER_BYTES:
        raise SubmissionError(t(f"`{filename}` pesa más de {MAX_ANSWER_BYTES // 1024} KB.",
                                f"`{filename}` is larger than {MAX_ANSWER_BYTES // 1024} KB."))
    text = decode_utf8(filename, data)
    try:
        raw = yaml.safe_load(text)  # JSON is YAML too: one parser, safe loader only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where_es = f" (línea {mark.line + 1}, columna {mark.column + 1})" if mark else ""
        where_en = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise SubmissionError(t(f"`{filename}` no es JSON/YAML válido{where_es}: revisa comillas, comas y dos puntos.",
                                f"`{filename}` is not valid JSON/YAML{where_en}: check quotes, commas and colons.")
                              ) from None
    if not isinstance(raw, dict):
        example = '{"input-shape": "(150, 150, 3)"}'
        raise SubmissionError(t(f"`{filename}` debe ser un diccionario pregunta: respuesta, por ejemplo {example}.",
                                f"`{filename}` must be a mapping question: answer, e.g. {example}."))
    by_key = {q.id: q.id for q in spec.questions} | {q.variable: q.id for q in spec.questions}
    answers = {by_key[str(k)]: v for k, v in raw.items() if str(k) in by_key}
    unknown = sorted(str(k) for k in raw if str(k) not in by_key)
    notes = []
    if unknown:
        notes.append(t(f"Se ignoraron claves que no son preguntas de este ejercicio: {', '.join(unknown)}.",
                       f"Keys that are not questions of this exercise were ignored: {', '.join(unknown)}."))
    return answers, notes


def answers_from_evidence(spec: ExerciseSpec, evidence: Evidence) -> dict[str, Any]:
    """Answers from the plain values a .py/.ipynb assigned to the questions' variables."""
    answers: dict[str, Any] = {}
    for question in spec.questions:
        facts = evidence.variables.get(question.variable)
        if facts is not None and facts.kind == "value":
            answers[question.id] = facts.value
        elif facts is not None and facts.kind != "missing":
            answers[question.id] = f"<{facts.kind}>"
    return answers
