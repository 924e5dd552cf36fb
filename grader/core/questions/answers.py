"""Where a student's answers come from: a JSON/YAML mapping, or variables a .py/.ipynb assigned."""

from __future__ import annotations

from typing import Any

import yaml

from grader.core.facts import Evidence
from grader.core.i18n import Text, t
from grader.core.questions.parse import MAX_DEPTH, MAX_DIGITS, MAX_NODES, MAX_TEXT_CHARS, cut
from grader.core.sources import SubmissionError, decode_utf8
from grader.core.specs.models import ExerciseSpec

ANSWER_EXTENSIONS = (".json", ".yaml", ".yml")
MAX_ANSWER_BYTES = 256 * 1024
# Explicit tags that only restate what a plain value already is; anything else (!!python/..., !!binary,
# !!set, custom tags) is refused.
_YAML_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {"!", *(_YAML_TAG + name for name in ("str", "int", "float", "bool", "null", "seq", "map"))}
_INT_TAG = _YAML_TAG + "int"


class _Refused(Exception):
    """Something an answers file may not contain, found at `mark` (in the answer to `key`) while reading it."""

    def __init__(self, es: str, en: str, mark: yaml.Mark, key: str | None) -> None:
        super().__init__(en)
        self.es, self.en, self.line, self.key = es, en, mark.line + 1, key


class AnswerLoader(yaml.SafeLoader):
    """The pure-Python safe loader, refusing while it composes (before anything is built or expanded):
    anchors and aliases (a few KB of them expand to GBs), explicit non-plain tags, nesting deeper than
    MAX_DEPTH levels below the top mapping, more than MAX_NODES values, texts over MAX_TEXT_CHARS characters
    and integers of more than MAX_DIGITS digits."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.nodes = 0
        self.key: str | None = None  # the top-level key whose answer is being read

    def refuse(self, es: str, en: str, mark: yaml.Mark) -> _Refused:
        """The error for what was found at `mark`."""
        return _Refused(es, en, mark, self.key)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        """Check the next node's event before composing it (depth first, so recursion stays shallow)."""
        event = self.peek_event()
        mark = event.start_mark
        if self.depth == 1:
            self.key = cut(index.value, 60) if isinstance(index, yaml.ScalarNode) else None
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise self.refuse("no se admiten anclas ni alias de YAML (`&nombre`, `*nombre`): escribe cada "
                              "respuesta completa", "YAML anchors and aliases (`&name`, `*name`) are not "
                              "accepted: write each answer out in full", mark)
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in _PLAIN_TAGS:
            written = cut(tag.replace(_YAML_TAG, "!!"), 60)
            raise self.refuse(f"no se admiten etiquetas de tipo de YAML como `{written}`: escribe la respuesta "
                              "como un texto, un número o una lista", f"YAML type tags such as `{written}` are "
                              "not accepted: write the answer as a text, a number or a list", mark)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.refuse(f"el archivo tiene más de {MAX_NODES} valores: deja solo tus respuestas",
                              f"the file has more than {MAX_NODES} values: keep only your answers", mark)
        if isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_TEXT_CHARS:
            if tag in (None, "!") and self.resolve(yaml.ScalarNode, event.value, event.implicit) == _INT_TAG:
                raise self.too_many_digits(mark)
            raise self.refuse(f"hay un texto de más de {MAX_TEXT_CHARS} caracteres: acórtalo",
                              f"there is a text longer than {MAX_TEXT_CHARS} characters: shorten it", mark)
        nested = isinstance(event, yaml.CollectionStartEvent)
        self.depth += nested
        try:
            if self.depth > MAX_DEPTH + 1:  # + 1: the top mapping of question: answer
                raise self.refuse(f"las respuestas están anidadas a más de {MAX_DEPTH} niveles: responde con "
                                  "valores simples", f"the answers are nested more than {MAX_DEPTH} levels deep: "
                                  "answer with simple values", mark)
            node = super().compose_node(parent, index)
        finally:
            self.depth -= nested
        if isinstance(node, yaml.ScalarNode) and node.tag == _INT_TAG:
            try:  # converting 10**5000 is refused by Python; 10**400 converts but fits no float
                too_big = abs(self.construct_yaml_int(node)) >= 10**MAX_DIGITS
            except ValueError:
                too_big = True
            if too_big:
                raise self.too_many_digits(mark)
        return node

    def too_many_digits(self, mark: yaml.Mark) -> _Refused:
        """The error for an integer of more than MAX_DIGITS digits at `mark`."""
        return self.refuse(f"hay un número de más de {MAX_DIGITS} cifras: escríbelo con pocas cifras (p. ej. "
                           "0,025, 18000 o 2.5e-2)", f"there is a number of more than {MAX_DIGITS} digits: "
                           "write it with few digits (e.g. 0.025, 18000 or 2.5e-2)", mark)


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
        # JSON is YAML too: one parser, a SafeLoader subclass
        raw = yaml.load(text, Loader=AnswerLoader)
    except _Refused as exc:
        key_es, key_en = (f" (respuesta a `{exc.key}`)", f" (answer to `{exc.key}`)") if exc.key else ("", "")
        raise SubmissionError(t(f"`{filename}`, línea {exc.line}{key_es}: {exc.es}.",
                                f"`{filename}`, line {exc.line}{key_en}: {exc.en}.")) from None
    except RecursionError:  # not expected below MAX_DEPTH; hostile input must still be the student's error
        raise SubmissionError(t(f"`{filename}` está anidado a demasiada profundidad: responde con valores simples.",
                                f"`{filename}` is nested too deeply: answer with simple values.")) from None
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
    unknown = cut(", ".join(sorted(cut(str(k), 60) for k in raw if str(k) not in by_key)))
    notes = []
    if unknown:
        notes.append(t(f"Se ignoraron claves que no son preguntas de este ejercicio: {unknown}.",
                       f"Keys that are not questions of this exercise were ignored: {unknown}."))
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
