"""Text a student controls is data everywhere it goes (issue 26), without TensorFlow: the report boundary,
notebooks with lone surrogates, CSV cells, quoted Markdown, XHTML/SVG pages and neutral model names."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pydantic_core import PydanticSerializationError

from grader.core.i18n import t
from grader.core.results import CheckResult, GradeResult
from grader.core.safetext import clean, csv_cell, csv_text, markup_text
from grader.core.sources import SubmissionError, load_source
from grader.core.specs.loader import load_catalog
from grader.core.summaries import LayerSummary, ModelSummary
from grader.course.exports import generic_csv
from grader.course.figures.network import network_svg
from grader.course.handback import HandbackRow, write_feedback_dir
from grader.engine.evaluator.names import neutral_names
from grader.engine.evaluator.process import EvalRequest
from grader.engine.sandbox.job import Readers, RunLimits, interpret
from grader.engine.sandbox.report import (
    MAX_CONTAINERS,
    MAX_ITEMS,
    MAX_REPORT_BYTES,
    NAME_CHARS,
    ReportRefused,
    read_report,
)
from grader.web.markdown import render_message
from tests.test_exports import _book

HOSTILE = "a\ud800b\x01c\x1b[31m\u202eevil\u2066\ufffe\uffff\x7f"
BIDI_AND_CONTROLS = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x202A, 0x202F),
                                      *range(0x2066, 0x206A), 0xFFFE, 0xFFFF, 0xD800, 0xDFFF)]


def _report(message: str = "boom", layer: str = "dense", **extra: object) -> bytes:
    """A report as the harness writes it (json.dumps escapes a lone surrogate as \\ud800)."""
    config = {"class_name": "Sequential", "config": {"name": "seq", "layers": [
        {"class_name": "Dense", "config": {"name": layer, "units": 2}}]}}
    return json.dumps({"complete": True, "variables": {"model": {"kind": "model", "config": config}},
                       "fit_calls": [], "student_error": {"type": "RuntimeError", "message": message, "line": 3},
                       "env_notes": [], **extra}).encode()


def _interpret(raw: bytes, returncode: int = 0):  # type: ignore[no-untyped-def]
    """What the trusted side makes of a run that wrote `raw` to its result pipe."""
    readers = Readers.start(io.BytesIO(b""), io.BytesIO("\x1b]0;x\x07\ud800".encode("utf-8", "surrogatepass")),
                            io.BytesIO(raw), RunLimits())
    readers.join()
    return interpret(readers, stopped=None, returncode=returncode, limits=RunLimits(), started=0.0)


def test_clean_replaces_every_unsafe_character_visibly() -> None:
    for char in BIDI_AND_CONTROLS:
        assert clean(f"x{char}y") == "x\ufffdy", repr(char)
    assert clean("línea\ttab\nnueva ñ 😀") == "línea\ttab\nnueva ñ 😀"  # text stays text
    assert clean("x" * 500, 10) == "x" * 9 + "…"


def test_a_lone_surrogate_in_the_students_exception_reaches_the_evaluator_as_text() -> None:
    """`raise RuntimeError("\\ud800")` made the evaluator request unserialisable: an internal error, every try."""
    raw_payload = json.loads(_report(message="\ud800 y \x00"))
    with pytest.raises(PydanticSerializationError):  # the hole: what used to reach the request as is
        EvalRequest(grade=["model"], payload=raw_payload).model_dump_json()
    run = _interpret(_report(message="\ud800 y \x00"))
    assert run.ok, run.error
    assert run.payload["student_error"]["message"] == "\ufffd y \ufffd"
    assert "\ud800" not in run.stderr and "\x1b" not in run.stderr
    request = EvalRequest(grade=["model"], payload=run.payload)
    assert EvalRequest.model_validate_json(request.model_dump_json()).payload == run.payload


def test_names_are_cleaned_and_capped_and_unknown_fields_dropped() -> None:
    payload = read_report(_report(layer=HOSTILE + "n" * 10_000, unknown=[[]] * 1000))
    layer = payload["variables"]["model"]["config"]["config"]["layers"][0]["config"]["name"]
    assert len(layer) == NAME_CHARS and layer.endswith("…")
    assert all(c not in layer for c in BIDI_AND_CONTROLS)
    assert set(payload) == {"complete", "variables", "fit_calls", "student_error", "env_notes"}


@pytest.mark.parametrize(("raw", "says"), [
    (b'{"complete": true, "x": "' + b"n" * (MAX_REPORT_BYTES + 1) + b'"}', "larger than 8 MB"),
    (b'{"complete": true, "x": [' + b"[]," * MAX_CONTAINERS + b"[]]}", "lists or mappings"),
    (json.dumps({"complete": True, "fit_calls": list(range(MAX_ITEMS + 1))}).encode(), "has 10001 items"),
    (b"[1, 2]", "not a mapping"),
    (b'{"complete": tru', "not valid JSON"),
])
def test_forged_reports_are_refused_and_blamed_on_the_students_code(raw: bytes, says: str) -> None:
    run = _interpret(raw)
    assert run.payload is None and run.error is not None
    assert says in run.error.en and run.error.es and run.error.es != run.error.en
    assert "grader" not in run.error.en.split(":")[0]  # "Your code's result...", never an internal error


def test_a_report_near_the_caps_is_refused_before_it_is_parsed() -> None:
    """30 MB of empty lists took the CLI from 109 MB to 1.64 GB: parsing allocates far more than the bytes."""
    raw = b'{"complete": true, "junk": [' + b"[]," * (MAX_REPORT_BYTES // 3 - 20) + b"[]]}"
    assert len(raw) <= MAX_REPORT_BYTES
    tracemalloc.start()
    try:
        with pytest.raises(ReportRefused):
            read_report(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024  # refused from a count of its bytes: nothing was parsed


def test_a_notebook_cell_with_a_lone_surrogate_gets_its_own_message() -> None:
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [], "source": "x = 1\n"},
        {"cell_type": "code", "metadata": {}, "execution_count": 2, "outputs": [],
         "source": "y = 2\nraise RuntimeError('\ud800')\n"}]}
    with pytest.raises(SubmissionError) as caught:
        load_source(filename="entrega.ipynb", data=json.dumps(notebook).encode())
    message = caught.value.message
    assert "nested" not in message.en and "\\ud800" in message.en and "surrogate" in message.en
    assert "celda 2" in message.es.lower() or "cell 2" in message.en.lower(), message.en


FORMULAS = ["=HYPERLINK(\"http://x\";\"clic\")", "+SUM(1;2)", "-2+3+cmd|' -C calc'!A0", "@SUM(1+1)", "\tx", "\rx"]


def test_csv_cells_that_spreadsheets_would_run_are_neutralised() -> None:
    for formula in FORMULAS:  # a lone carriage return is no line end once clean: it becomes U+FFFD
        assert str(csv_cell(formula))[:1] in ("'", "\ufffd"), formula
    assert [csv_cell(v) for v in ("-2.5", "+3", "1e-3", 7, -1.5, None, "ana")] == ["-2.5", "+3", "1e-3", 7, -1.5,
                                                                                   None, "ana"]
    rows = list(csv.reader(io.StringIO(csv_text([FORMULAS]))))
    assert not [cell for cell in rows[0] if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_every_web_export_neutralises_the_students_fields() -> None:
    book = _book()
    row = book.rows[0]
    hostile = type(row.student)(row.student.id, "=HYPERLINK(\"http://x\")", "+SUM(1;2)", "@evil", "-1+cmd")
    book = type(book)(columns=book.columns, rows=(type(row)(hostile, row.cells), *book.rows[1:]), policy=book.policy,
                      matched=book.matched, page=1, pages=1)
    cells = [cell for line in csv.reader(io.StringIO(generic_csv(book))) for cell in line]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@") or (cell[:1] == "-" and not _number(cell))]


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_a_quoted_answer_is_never_a_link_or_bold_in_a_message() -> None:
    answer = "**NOTA FINAL: 10/10** [Solicitar revisión de la nota](https://evil.example) <b>x</b> # h"
    html = render_message(f"No se pudo leer tu respuesta «{answer}» como `número`.")
    assert "<a" not in html and "<strong>" not in html and "<b>" not in html and "<h1" not in html
    assert "**NOTA FINAL: 10/10**" in html and "<code>número</code>" in html


def _summary(name: str) -> ModelSummary:
    return ModelSummary(variable="model", class_name="Sequential", input_shape=[None, 5, 5], params=450, layers=[
        LayerSummary(class_name="Flatten", name=name, output_shape=[None, 25]),
        LayerSummary(class_name="Dense", name=name + "2", units=16, activation="relu", output_shape=[None, 16],
                     params=416)])


def test_feedback_pages_and_drawings_stay_well_formed_with_control_characters(tmp_path: Path) -> None:
    svg = network_svg(_summary(HOSTILE), lang="es")
    ET.fromstring(svg)
    assert "\u202e" not in svg and "\x01" not in svg
    result = GradeResult(status="graded", score=1, max_score=10, models=[_summary(HOSTILE)], checks=[
        CheckResult(id="layers", passed=False, points=0, max_points=10, message=t(HOSTILE, HOSTILE))])
    paths = write_feedback_dir(rows=[HandbackRow(student="=x\x01\u202e", result=result)],
                               spec=load_catalog().get("lab-add-hidden-16"), directory=tmp_path, lang="es",
                               with_answers=False)
    for path in paths:
        text = path.read_text(encoding="utf-8")
        ET.fromstring(text.split("\n", 1)[1])
        assert "\u202e" not in text
    assert markup_text("<a\x00>") == "&lt;a\ufffd&gt;"


def test_rebuilt_models_get_neutral_names_wired_as_before() -> None:
    """Functional graphs name their inputs, outputs and each tensor's source: every reference follows."""
    config = {"class_name": "Functional", "config": {"name": "m\u202e<b>", "layers": [
        {"class_name": "InputLayer", "name": "in\x01", "config": {"name": "in\x01"}, "inbound_nodes": []},
        {"class_name": "Dense", "name": "relu", "config": {"name": "relu", "activation": "relu",
                                                           "dtype": {"config": {"name": "float32"}}},
         "inbound_nodes": [{"args": [{"config": {"keras_history": ["in\x01", 0, 0]}}]}]}],
        "input_layers": ["in\x01", 0, 0], "output_layers": [["relu", 0, 0]]}}
    neutral, originals = neutral_names(config)
    text = json.dumps(neutral)
    assert "\\u0001" not in text and "\\u202e" not in text and '"name": "relu"' not in text
    inner = neutral["config"]
    assert inner["name"] == "model" and inner["input_layers"][0] == inner["layers"][0]["name"] == "layer_0"
    assert inner["layers"][1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"][0] == "layer_0"
    assert inner["output_layers"][0][0] == "layer_1" and inner["layers"][1]["config"]["activation"] == "relu"
    assert inner["layers"][1]["config"]["dtype"]["config"]["name"] == "float32"
    assert originals == {"layer_0": "in\x01", "layer_1": "relu", "model": "m\u202e<b>"}
    assert config["config"]["name"] == "m\u202e<b>"  # the caller's copy is untouched


def test_grader_grade_format_csv_neutralises_student_ids(capsys: pytest.CaptureFixture[str]) -> None:
    from grader.batch.grading import GradedSubmission
    from grader.cli.main import _print

    rows = [GradedSubmission(student=formula, exercise="lab", path=f"{formula}/entrega.py",
                             result=GradeResult(status="graded", score=-2.5 if i else 10, max_score=10))
            for i, formula in enumerate(FORMULAS)]
    _print(rows, "csv", "es")
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert [row[0][:1] for row in table[1:]] == ["'", "'", "'", "'", "'", "\ufffd"]
    assert [row[2][:1] for row in table[1:]] == ["'", "'", "'", "'", "'", "\ufffd"]
    assert table[1][4] == "10.0" and table[2][4] == "-2.5"  # numbers stay numbers
