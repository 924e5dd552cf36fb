"""Honest feedback when a student's code stops early: checks say where and why, notes reach every output,
notebook cells are numbered as the student sees them, and long exception messages keep their useful end."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from pathlib import Path
from typing import Any

import nbformat
import pytest
from click.testing import CliRunner

from grader.cli.main import main
from grader.core.checks import get_kind
from grader.core.excerpt import keep_ends
from grader.core.facts import (
    CompileFacts,
    Evidence,
    FitCallFacts,
    LayerFacts,
    MissingFacts,
    ModelFacts,
    StudentError,
)
from grader.core.i18n import t
from grader.core.sources import load_source
from grader.engine.grader import Grader
from grader.engine.pipeline import _describe_student_error

SHAPE_ERROR = ("expected axis -1 of input shape to have value 784, " + "while tracing the model call " * 40
               + "but received input with shape (None, 64)")
HIDDEN16 = """from tensorflow import keras

model = keras.Sequential([
    keras.layers.Flatten(input_shape=(5, 5)),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(3, activation='relu'),
    keras.layers.Dense(2, activation='softmax'),
])
"""
EARLY_STOPPING = "early_stopping = callbacks.EarlyStopping(min_delta=0.001, patience=20, restore_best_weights=True)\n"
SMALL_MODEL = ("model = keras.Sequential([layers.Dense(8, activation='relu', input_shape=[11]), layers.Dense(1)])\n"
               "model.compile(optimizer='adam', loss='mae')\n")


def run(kind: str, params: dict[str, Any], evidence: Evidence) -> Any:
    """Run one registered check kind on `evidence`."""
    check = get_kind(kind)
    return check.run(check.params_model.model_validate(params), evidence)


def crashed(line: int | None = 84, **variables: Any) -> Evidence:
    """Evidence of code that raised FileNotFoundError at `line`."""
    error = StudentError(type="FileNotFoundError", message="[Errno 2] No such file or directory: 'datos.csv'",
                         line=line)
    return Evidence(variables=variables, student_error=error)


def small_model(compiled: bool = True) -> ModelFacts:
    """A built Dense(1) model, compiled with adam/mae unless told otherwise."""
    return ModelFacts(class_name="Sequential", built=True, input_shape=[11], output_shape=[1], params=12,
                      trainable_params=12, layers=[LayerFacts(class_name="Dense", name="d", units=1,
                                                              activation="linear", params=12)],
                      compile=CompileFacts(optimizer="adam", loss="mae") if compiled else None)


# --- checks: pure functions of the facts ----------------------------------------------------------------


@pytest.mark.parametrize(("kind", "params"), [
    ("layers", {"expected": [{"class": "Dense", "units": 1}]}),
    ("input_shape", {"shape": [11]}),
    ("param_count", {"total": 12}),
    ("loss", {"expected": ["mae"]}),
    ("trains", {}),
])
def test_a_model_missing_because_the_code_stopped_says_where_and_why(kind: str, params: dict[str, Any]) -> None:
    out = run(kind, params, crashed(model=MissingFacts(stopped=True)))
    assert not out.passed
    assert out.message.es == "Tu código se detuvo en la línea 84 (FileNotFoundError) antes de definir `model`."
    assert out.message.en == "Your code stopped at line 84 (FileNotFoundError) before defining `model`."
    # The sandbox not saying whether it stopped: the recorded exception is still the cause.
    assert "FileNotFoundError" in run(kind, params, crashed(model=MissingFacts())).message.es


def test_fit_and_compile_missing_because_the_code_stopped() -> None:
    evidence = crashed(model=small_model(compiled=False))
    fit = run("fit", {"validation": "data"}, evidence)
    assert fit.message.es == "Tu código se detuvo en la línea 84 (FileNotFoundError) antes de llamar a model.fit."
    assert fit.message.en == "Your code stopped at line 84 (FileNotFoundError) before calling model.fit."
    callback = run("callback", {"class_name": "EarlyStopping"}, evidence)
    assert "antes de llamar a model.fit" in callback.message.es and "No se llamó" not in callback.message.es
    loss = run("loss", {"expected": ["mae"]}, evidence)
    assert loss.message.es == "Tu código se detuvo en la línea 84 (FileNotFoundError) antes de llamar a model.compile."
    variable = run("callback", {"source": "variable", "variable": "early_stopping", "class_name": "EarlyStopping"},
                   crashed(early_stopping=MissingFacts(stopped=True)))
    assert "antes de definir `early_stopping`" in variable.message.es


def test_the_location_the_pipeline_found_is_used_and_sys_exit_is_named() -> None:
    evidence = crashed(model=MissingFacts(stopped=True))
    assert evidence.student_error is not None
    evidence.student_error.where = t("celda de código 4 (In [7]), línea 3", "code cell 4 (In [7]), line 3")
    out = run("layers", {"expected": [{"class": "Dense"}]}, evidence)
    assert out.message.es == ("Tu código se detuvo en la celda de código 4 (In [7]), línea 3 (FileNotFoundError) "
                              "antes de definir `model`.")
    no_line = run("fit", {}, crashed(line=None, model=small_model()))
    assert no_line.message.es == "Tu código se detuvo (FileNotFoundError) antes de llamar a model.fit."
    exited = Evidence(student_error=StudentError(type="SystemExit", message="exit(0)", line=2))
    assert run("fit", {}, exited).message.es == \
        "Tu código llamó a sys.exit() en la línea 2 antes de llamar a model.fit."


def test_without_an_exception_the_old_messages_stay() -> None:
    assert run("layers", {"expected": [{"class": "Dense"}]}, Evidence(variables={"model": MissingFacts()})) \
        .message.es.startswith("No se encontró la variable `model`")
    assert run("fit", {}, Evidence(variables={"model": small_model()})).message.es.startswith("No se llamó a model.fit")
    assert run("loss", {"expected": ["mae"]}, Evidence(variables={"model": small_model(compiled=False)})) \
        .message.es.startswith("El modelo `model` no está compilado")
    # The sandbox says the code ran past where `model` would be: the exception is not why it is missing.
    assert run("layers", {"expected": [{"class": "Dense"}]}, crashed(model=MissingFacts(stopped=False))) \
        .message.es.startswith("No se encontró la variable `model`")
    fitted = crashed(model=small_model())
    fitted.fit_calls = [FitCallFacts(model_variable="model", has_validation_data=True)]
    assert run("fit", {"validation": "data"}, fitted).passed


# --- long messages keep their useful end ----------------------------------------------------------------


def test_keep_ends_keeps_the_784_and_the_64() -> None:
    short = keep_ends(SHAPE_ERROR)
    assert "784" in short and "(None, 64)" in short and " … " in short and len(short) < 340
    assert keep_ends("ValueError: corto") == "ValueError: corto"


def test_the_pipeline_keeps_both_ends_of_a_long_error() -> None:
    evidence = Evidence(student_error=StudentError(type="ValueError", message=SHAPE_ERROR, line=3))
    failure = _describe_student_error(evidence, load_source(filename="s.py", data=b"x = 1\ny = 2\nz = 3\n"))
    assert failure is not None
    assert failure.es.startswith("Tu código lanzó ValueError en la línea 3: expected axis -1")
    assert "784" in failure.es and failure.en.endswith("received input with shape (None, 64)")


# --- end to end: real sandbox -----------------------------------------------------------------------------


def grade(grader: Grader, exercise: str, data: str, filename: str = "s.py") -> Any:
    """Grade `data` against `exercise` with the session's grader."""
    return grader.grade_bytes(spec=grader.catalog.get(exercise), filename=filename, data=data.encode(),
                              student="s")


def test_py_stopped_before_model_names_line_and_exception(grader_nodb: Grader) -> None:
    # The statement that raised is the one that would define `model` (a script runs on after a statement
    # that raised, so a model defined by a later statement would be graded).
    code = ("from tensorflow import keras\nimport numpy as np\n\nif np.loadtxt('datos.csv') is not None:\n"
            + textwrap.indent(HIDDEN16, "    "))
    result = grade(grader_nodb, "lab-add-hidden-16", code)
    assert result.status == "error"
    assert "FileNotFoundError en la línea 4" in result.error.es and "No se encontró la variable" not in result.error.es

    wine = ("from tensorflow import keras\nfrom tensorflow.keras import layers, callbacks\n" + EARLY_STOPPING
            + "if open('vinos.csv'):\n" + textwrap.indent(SMALL_MODEL, "    "))
    result = grade(grader_nodb, "wine-early-stopping", wine)
    assert result.status == "graded", result
    by_id = {c.id: c for c in result.checks}
    for check in ("layers", "param-count", "loss", "optimizer", "trains"):
        assert by_id[check].message.es == ("Tu código se detuvo en la línea 4 (FileNotFoundError) antes de "
                                           "definir `model`."), by_id[check]
    assert by_id["fit"].message.en == "Your code stopped at line 4 (FileNotFoundError) before calling model.fit."
    assert any("FileNotFoundError en la línea 4" in n.es and "vinos.csv" in n.es for n in result.notes)


def test_a_long_error_from_the_sandbox_keeps_the_784_and_the_64(grader_nodb: Grader) -> None:
    huge = SHAPE_ERROR.replace("while tracing", "x" * 3000 + " while tracing", 1)
    result = grade(grader_nodb, "lab-add-hidden-16", HIDDEN16 + f"raise ValueError({huge!r})\n")
    assert result.status == "graded" and result.is_full_marks, result
    note = next(n.es for n in result.notes if "ValueError en la línea 10" in n.es)
    assert "value 784" in note and "(None, 64)" in note and len(note) < 500


def test_notebook_names_the_code_cell_and_its_in_number(grader_nodb: Grader) -> None:
    code_cells = ["from tensorflow import keras\nfrom tensorflow.keras import layers, callbacks", EARLY_STOPPING,
                  SMALL_MODEL, "import numpy as np\n# cargar datos\nextra = np.load('extra.npy')\n"
                  "model.fit(X_train, y_train, validation_data=(X_valid, y_valid), batch_size=256)"]
    cells = []
    for number, source in enumerate(code_cells, start=1):
        cells.append(nbformat.v4.new_markdown_cell(f"## Paso {number}"))
        cell = nbformat.v4.new_code_cell(source)
        cell.execution_count = number + 10
        cells.append(cell)
    result = grade(grader_nodb, "wine-early-stopping", nbformat.writes(nbformat.v4.new_notebook(cells=cells)),
                   filename="lab.ipynb")
    assert result.status == "graded", result
    fit = next(c for c in result.checks if c.id == "fit")
    assert fit.message.es == ("Tu código se detuvo en la celda de código 4 (In [14]), línea 3 (FileNotFoundError) "
                              "antes de llamar a model.fit.")
    assert any("celda de código 4 (In [14]), línea 3" in n.es for n in result.notes)


def test_every_cli_format_shows_the_notes(tmp_path: Path, sqlite_url: str) -> None:
    folder = tmp_path / "entregas"
    folder.mkdir()
    (folder / "ana.py").write_text(HIDDEN16 + "datos = open('datos.csv').read()\n")

    def cli(*args: str) -> str:
        out = CliRunner().invoke(main, ["grade", "lab-add-hidden-16", str(folder), "--workers", "1", "--db",
                                        sqlite_url, *args])
        assert out.exit_code == 0, out.output
        return out.stdout

    row = json.loads(cli("--format", "json"))
    assert row["score"] == row["max_score"]
    assert any("FileNotFoundError en la línea 10" in note for note in row["notes"]), row
    table = cli("--format", "table", "--lang", "en")
    assert "note: Your code raised FileNotFoundError at line 10" in table
    parsed = list(csv.DictReader(io.StringIO(cli("--format", "csv"))))
    assert "FileNotFoundError en la línea 10" in parsed[0]["notes"]


# --- the web shows the notes too --------------------------------------------------------------------------


def test_web_pages_and_api_show_the_notes(app: Any, teacher: Any) -> None:
    from tests.student_helpers import issue_token
    from tests.test_gradebook import finish_with, result, submit_as
    from tests.web_helpers import login

    note = t("Tu código lanzó FileNotFoundError en la línea 10: datos.csv. Se calificó lo que existía.",
             "Your code raised FileNotFoundError at line 10: datos.csv. What existed at that point was graded.")
    sub = submit_as(app, "ana")
    finish_with(app, result(10, [("layers", True, 10, 10)]).model_copy(update={"notes": [note]}))
    assert note.es in teacher.get(f"/teacher/submissions/{sub}").get_data(as_text=True)
    student = app.test_client()
    assert login(student, "ana").status_code == 302
    assert note.es in student.get(f"/submissions/{sub}").get_data(as_text=True)
    api = student.get(f"/api/v1/submissions/{sub}", headers=issue_token(app, "ana")).get_json()
    assert api["notes"] == [{"es": note.es, "en": note.en}]
