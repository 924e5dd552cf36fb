"""Hostile input that must fail fast with a specific message blaming the student, never as an internal error:
YAML alias bombs and tags, huge or deeply nested answers, unreadable sandbox reports, oversized notebooks."""

from __future__ import annotations

import json
import time
from typing import Any, cast

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from grader.core.facts import Evidence, ValueFacts
from grader.core.notebooks import MAX_NOTEBOOK_CELLS
from grader.core.questions.answers import answers_from_evidence, load_answer_file
from grader.core.questions.grading import grade_question
from grader.core.questions.parse import MAX_SHOWN_CHARS, shown
from grader.core.scoring import score
from grader.core.sources import SubmissionError, load_source
from grader.engine.sandbox.job import STARTED, Readers, RunLimits, interpret
from tests.test_questions import ACT, CTX, FREE, SHAPE, STEP, quiz_spec
from tests.test_sources import notebook

NOTEBOOK_CAP = 20 * 1024 * 1024  # what the pipeline allows a notebook


def refused(text: str | bytes, filename: str = "r.yaml") -> SubmissionError:
    """Load an answers file that must be refused (while it is read, before anything is expanded) and return
    the error."""
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(SubmissionError) as info:
        load_answer_file(spec=quiz_spec(), filename=filename, data=data)
    return info.value


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- answers files -----------------------------------------------------------------------------


def test_yaml_alias_bomb_is_refused_before_it_expands() -> None:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in "bcdefghi":  # 10**9 strings once expanded
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [{', '.join([f'*{previous}'] * 10)}]")
    lines.append("output: *i")
    bomb = "\n".join(lines) + "\n"
    assert len(bomb) < 2000
    message = refused(bomb).message
    assert message.es.startswith("`r.yaml`, línea 1 (respuesta a `a`): no se admiten anclas ni alias")
    assert message.en.startswith("`r.yaml`, line 1 (answer to `a`): YAML anchors and aliases")
    alias = refused("output: sigmoid\ninput_shape: *undefined\n").message
    assert "línea 2 (respuesta a `input_shape`)" in alias.es and "alias" in alias.es


@pytest.mark.parametrize(("text", "shown_tag"), [
    ("output: !!python/object/apply:os.system ['ls']\n", "!!python/object/apply:os.system"),
    ("output: !!binary aGVsbG8=\n", "!!binary"),
    ("output: !!set {a, b}\n", "!!set"),
    ("output: !mine sigmoid\n", "!mine"),
    ("%TAG !e! tag:example.com,2000:\n---\noutput: !e!thing x\n", "tag:example.com,2000:thing"),
])
def test_yaml_type_tags_are_refused(text: str, shown_tag: str) -> None:
    message = refused(text).message
    assert f"no se admiten etiquetas de tipo de YAML como `{shown_tag}`" in message.es
    assert f"YAML type tags such as `{shown_tag}` are not accepted" in message.en
    assert "(respuesta a `output`)" in message.es


def test_plain_tags_and_plain_values_still_load() -> None:
    answers, _ = load_answer_file(spec=quiz_spec(), filename="ok.yaml",
                                  data=b"output: !!str sigmoid\ninput_shape: [150, 150, 3]\n")
    assert answers == {"output": "sigmoid", "input-shape": [150, 150, 3]}


def test_depth_node_and_text_caps_in_answers_files() -> None:
    answers, _ = load_answer_file(spec=quiz_spec(), filename="d.json", data=f'{{"output": {nested(20)}}}'.encode())
    assert answers["output"] == json.loads(nested(20))
    deep = refused(f'{{"output": {nested(21)}}}', "d.json").message
    assert "anidadas a más de 20 niveles" in deep.es and "nested more than 20 levels" in deep.en
    assert "anidadas a más de 20 niveles" in refused(f'{{"output": {nested(10_000)}}}', "d.json").message.es
    block = "output:\n" + "".join("  " * i + "-\n" for i in range(1, 30))
    assert "línea 22 (respuesta a `output`)" in refused(block).message.es
    many = refused('{"output": [' + ", ".join(["1"] * 10_001) + "]}", "m.json").message
    assert "más de 10000 valores" in many.es and "more than 10000 values" in many.en
    long = refused("inferencia: " + "palabra " * 3000 + "\n").message
    assert "(respuesta a `inferencia`): hay un texto de más de 20000 caracteres" in long.es


@pytest.mark.parametrize("number", ["9" * 200_000, "9" * 5_000, "1" + "0" * 400, "0x" + "f" * 300, "-" + "7" * 301])
def test_huge_integer_in_an_answers_file_is_the_students_error(number: str) -> None:
    message = refused(f'{{"output": "sigmoid",\n "input-shape": {number}}}', "n.json").message
    assert message.es.startswith("`n.json`, línea 2 (respuesta a `input-shape`): hay un número de más de 300 cifras")
    assert "a number of more than 300 digits" in message.en
    assert len(message.es) < 300


def test_unknown_keys_note_is_short() -> None:
    _, notes = load_answer_file(spec=quiz_spec(), filename="k.yaml",
                                data="".join(f"{'k' * 500}{i}: 1\n" for i in range(200)).encode())
    assert notes[0].es.startswith("Se ignoraron claves") and len(notes[0].es) < 300


# --- answers a .py/.ipynb assigned (quiz grading path) -------------------------------------------


def test_huge_or_deep_values_assigned_in_code_are_the_students_error() -> None:
    spec = quiz_spec()
    deep: list[Any] = []
    for _ in range(5_000):
        deep = [deep]
    evidence = Evidence(variables={"input_shape": ValueFacts(value=10**5000), "output": ValueFacts(value=deep),
                                   "inferencia": ValueFacts(value=["x"] * 20_000)})
    evidence.answers = answers_from_evidence(spec, evidence)
    result = score(spec, evidence, student="ana")
    by_id = {c.id: c.message for c in result.checks}
    assert result.status == "graded" and result.score == 0
    assert by_id["input-shape"].es.startswith(
        "La respuesta a `input-shape` (variable `input_shape`) es un número de más de 300 cifras")
    assert by_id["output"].es.startswith("La respuesta a `output` tiene listas o diccionarios anidados a más de 20")
    assert by_id["inferencia"].en.startswith("The answer to `inferencia` has more than 10000 items")


@pytest.mark.parametrize(("question", "answer", "expected"), [
    (STEP, 10**400, "es un número de más de 300 cifras"),
    (STEP, "9" * 400, "el número es demasiado grande"),
    (STEP, "1e999", "el número es demasiado grande"),
    (SHAPE, [10**400, 3], "contiene un número de más de 300 cifras"),
    (SHAPE, "9" * 400 + "x3", "no es una dimensión entera no negativa"),
    (SHAPE, "*".join(["99999"] * 100), "el producto tiene más de 300 cifras"),
    (ACT, "z" * 19_000, "no es una de las opciones"),
    (FREE, "x" * 20_001, "es un texto de más de 20000 caracteres"),
])
def test_oversized_answers_get_a_specific_short_message(question: Any, answer: Any, expected: str) -> None:
    values = {"gradient": 2.5, "learning_rate": 0.01}
    outcome = grade_question(question, answer, CTX.__class__("quiz", "ana", values))
    assert not outcome.passed and expected in outcome.message.es
    assert len(outcome.message.es) < 500 and len(outcome.message.en) < 500


def test_shown_is_short_and_safe_on_anything() -> None:
    deep: list[Any] = []
    for _ in range(10_000):
        deep = [deep]
    assert shown(10**200_000) == "~1e200000" and shown(-(10**60)) == "-~1e60"
    assert shown([1, "a", {"b": (2,)}]) == "[1, 'a', {'b': (2,)}]"
    for value in (deep, "x" * 100_000, list(range(100_000)), {str(i): i for i in range(1000)}):
        text = shown(value)
        assert len(text) <= MAX_SHOWN_CHARS and "…" in text
    assert grade_question(SHAPE, list(range(5000)), CTX).message.es.endswith(", … no es correcta.")


# --- the sandbox's JSON report ---------------------------------------------------------------------


class _Stream:
    def __init__(self, data: bytes = b"") -> None:
        self.chunks, self.dropped = [data], False

    def text(self) -> str:
        return self.chunks[0].decode()


def run_with(raw: bytes, returncode: int = 0) -> Any:
    """What `interpret` makes of a run whose student code began (the harness's STARTED line is on stderr)."""
    readers = cast(Readers, type("R", (), {"out": _Stream(), "err": _Stream(STARTED.encode()),
                                           "result": _Stream(raw)})())
    return interpret(readers, stopped=None, returncode=returncode, limits=RunLimits(), started=time.monotonic())


def report(value: str) -> bytes:
    return ('{"complete": true, "variables": {"q": {"kind": "value", "value": ' + value + "}}, "
            '"fit_calls": [], "student_error": null}').encode()


def test_interpret_blames_unreadable_reports_on_the_student() -> None:
    assert run_with(report("[[1]]")).payload["variables"]["q"]["value"] == [[1]]
    for depth in (10_000, 150):  # a RecursionError while decoding; decodable but deeper than pydantic goes
        run = run_with(report(nested(depth)))
        assert run.payload is None and "anidados a más de 100 niveles" in run.error.es
        assert "nested more than 100 levels deep" in run.error.en
    digits = run_with(report("9" * 200_000))
    assert digits.payload is None and "contiene un número de más de 4300 cifras" in digits.error.es
    damaged = run_with(report("[1,") + b"garbage")
    assert "llegó dañado (no es JSON válido)" in damaged.error.es
    crashed = run_with(report(nested(10_000))[:5000], returncode=-9)  # died mid-write: the crash is reported
    assert "fue terminado" in crashed.error.es


# --- notebooks -------------------------------------------------------------------------------------


def cells_notebook(count: int) -> bytes:
    """A notebook of `count` cells, alternately code and markdown (built directly: nbformat is slow here)."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "texto"} if i % 2 else
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": f"x{i} = {i}"}
             for i in range(count)]
    return json.dumps({"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": cells}).encode()


def test_notebook_cell_cap() -> None:
    ok = load_source(filename="ok.ipynb", data=cells_notebook(MAX_NOTEBOOK_CELLS), max_bytes=NOTEBOOK_CAP)
    assert ok.code.count("\n") == MAX_NOTEBOOK_CELLS // 2 and ok.origins[-1] == (MAX_NOTEBOOK_CELLS // 2, 1)
    huge = cells_notebook(20_000)
    with pytest.raises(SubmissionError) as info:
        load_source(filename="big.ipynb", data=huge, max_bytes=NOTEBOOK_CAP)
    assert info.value.message.es.startswith("`big.ipynb` tiene 20000 celdas y el máximo es 2000")
    assert "has 20000 cells and the limit is 2000" in info.value.message.en


def test_notebook_code_size_cap_is_checked_before_compiling() -> None:
    data = notebook(new_code_cell("x = [" + "1, " * 100_000 + "]"))
    with pytest.raises(SubmissionError) as info:  # the size message, not a compile error: refused before compiling
        load_source(filename="datos.ipynb", data=data, max_bytes=NOTEBOOK_CAP)
    assert info.value.message.es.startswith("Las celdas de código de `datos.ipynb` suman 293 KB y el máximo es 256")


def test_notebook_json_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    data = notebook(new_markdown_cell("# Ej"), new_code_cell("import keras\nx = 1"))
    calls: list[int] = []
    loads = json.loads

    def counting(text: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(text))
        return loads(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counting)
    source = load_source(filename="ej.ipynb", data=data)
    assert source.code == "import keras\nx = 1\n" and source.origins == ((1, 1), (1, 2))
    assert calls == [len(data.decode())]


def test_the_teachers_view_reads_a_notebook_as_grading_does() -> None:
    """The drill-down (a web request) parses a notebook once, with grading's caps: a 3,000-cell notebook is
    shown as plain text with a note, never handed to nbformat; a normal one keeps its code cells and In [n]."""
    from grader.web.teacher.source import render_source

    cells = [{"cell_type": "code", "metadata": {}, "execution_count": i, "outputs": [], "source": "x = 1"}
             for i in range(3000)]
    huge = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}).encode()
    shown = render_source("enorme.ipynb", huge)
    assert len(shown.blocks) == 1 and shown.blocks[0].cell is None
    assert any("No es un cuaderno válido" in note.es for note in shown.notes)
    small = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# Título"}, *cells[:2]]}).encode()
    shown = render_source("ok.ipynb", small)
    assert [(b.cell, b.execution_count) for b in shown.blocks] == [(1, 0), (2, 1)]
