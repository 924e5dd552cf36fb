"""One submission through source -> sandbox -> evaluator -> checks, on every error path the issue names.

These tests start real student processes (TensorFlow import included), so each takes a few seconds.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from grader.core.results import GradeResult
from grader.core.sources import refused_before_running
from grader.core.specs.models import ExerciseSpec, LimitsSpec
from grader.engine.grader import Grader

SOLUTION = """from tensorflow import keras

model = keras.Sequential([
    keras.layers.Flatten(input_shape=(5, 5)),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(3, activation='relu'),
    keras.layers.Dense(2, activation='softmax'),
])
"""


@pytest.fixture(scope="module")
def spec(grader_nodb: Grader) -> ExerciseSpec:
    return grader_nodb.catalog.get("lab-add-hidden-16")


def grade(grader: Grader, spec: ExerciseSpec, code: str | bytes, filename: str = "s.py") -> GradeResult:
    data = code.encode() if isinstance(code, str) else code
    return grader.grade_bytes(spec=spec, filename=filename, data=data, student="s")


def test_syntax_error_names_line_and_text(spec: ExerciseSpec) -> None:
    """For a student who can still fix it (the web's intake), a syntax slip refuses the file, and the try does
    not count."""
    data = b"from tensorflow import keras\nmodel = keras.Sequential([\n"
    result = refused_before_running(filename="s.py", data=data, max_score=spec.max_score)
    assert result is not None and result.status == "error" and result.score == 0
    assert "línea 2" in result.error.es and "model = keras.Sequential([" in result.error.es
    assert "El '[' no se cerró nunca" in result.error.es and "'[' was never closed" in result.error.en
    assert not result.judged and result.notes[-1].es.startswith("Este intento no cuenta: tu archivo no llegó")
    assert refused_before_running(filename="s.py", data=SOLUTION.encode(), max_score=10) is None


def test_a_hand_in_with_syntax_slips_is_graded_past_them(grader_nodb: Grader, spec: ExerciseSpec) -> None:
    """Grading a hand-in reads past a slip, as a teacher does: the model written after a Python 2 print and a
    stray space earns its points, and the notes name both slips."""
    right = grade(grader_nodb, spec, SOLUTION)
    slipped = grade(grader_nodb, spec, "print 'empiezo'\n" + SOLUTION.replace("model =", " model =") + "x = (\n")
    assert slipped.judged and slipped.status == "graded" and slipped.score == right.score == spec.max_score
    said = [note.es for note in slipped.notes if "Error de sintaxis" in note.es]
    assert len(said) == 3 and "línea 1" in said[0] and "alineada" in said[1] and "que no se ejecutó" in said[2]


def test_bad_bytes_empty_and_oversize(grader_nodb: Grader, spec: ExerciseSpec) -> None:
    not_utf8 = grade(grader_nodb, spec, b"model = 1\n\xff\xfe\n")
    assert not_utf8.status == "error" and "10" in not_utf8.error.es and "UTF-8" in not_utf8.error.es
    empty = grade(grader_nodb, spec, "   \n# nada\n")
    assert empty.status == "error" and "vací" in empty.error.es
    huge = grade(grader_nodb, spec, "x = 1\n" * 60_000)
    assert huge.status == "error" and "KB" in huge.error.es
    assert [r.judged for r in (not_utf8, empty, huge)] == [False] * 3, "never run: no attempt used"


def test_exception_before_the_model_exists(grader_nodb: Grader, spec: ExerciseSpec) -> None:
    result = grade(grader_nodb, spec, "from tensorflow import keras\nmodel = kerass.Sequential([])\n")
    assert result.status == "error"
    assert "NameError en la línea 2" in result.error.es and "antes de definir `model`" in result.error.es
    assert result.judged, "the student's code ran: the try counts"


def test_sys_exit_and_os_exit_fail_closed(grader_nodb: Grader, spec: ExerciseSpec) -> None:
    sys_exit = grade(grader_nodb, spec, "import sys\nsys.exit(0)\n" + SOLUTION)
    assert sys_exit.status == "error" and "sys.exit() en la línea 2" in sys_exit.error.es
    os_exit = grade(grader_nodb, spec, "import os\nos._exit(0)\n" + SOLUTION)
    assert os_exit.status == "error" and "antes de entregar el modelo" in os_exit.error.es


def test_exception_after_the_model_is_graded_with_a_note(grader_nodb: Grader, spec: ExerciseSpec) -> None:
    result = grade(grader_nodb, spec, SOLUTION + "import matplotlib_que_no_existe\n")
    assert result.status == "graded" and result.is_full_marks
    assert any("ModuleNotFoundError en la línea 10" in n.es for n in result.notes)


def test_infinite_loop_times_out(grader_nodb: Grader, spec: ExerciseSpec) -> None:
    short = spec.model_copy(update={"limits": LimitsSpec(timeout_s=8)})
    result = grade(grader_nodb, short, "while True:\n    pass\n")
    assert result.status == "error" and "tiempo límite de 8 s" in result.error.es and result.judged


def test_notebook_with_magics_is_graded(grader_nodb: Grader, spec: ExerciseSpec) -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Laboratorio 2"),
        nbformat.v4.new_code_cell("!pip install -q tensorflow\n%matplotlib inline"),
        nbformat.v4.new_code_cell(SOLUTION),
    ])
    result = grade(grader_nodb, spec, nbformat.writes(nb), filename="lab.ipynb")
    assert result.status == "graded" and result.is_full_marks, result
    assert any("pip install" in n.es for n in result.notes)


def test_long_fit_is_intercepted_and_returns_a_history(grader_nodb: Grader, spec: ExerciseSpec) -> None:
    code = SOLUTION + (
        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n"
        "history = model.fit(X_train, y_train, validation_split=0.2, epochs=100000, verbose=1)\n"
        "print(sorted(history.history), len(history.history['loss']))\n"
    )
    result = grade(grader_nodb, spec, code)
    assert result.status == "graded" and result.is_full_marks
    assert "['accuracy', 'loss', 'val_accuracy', 'val_loss'] 1" in result.logs


def test_printed_fake_results_change_nothing(grader_nodb: Grader, spec: ExerciseSpec) -> None:
    fake = json.dumps({"complete": True, "score": 10, "status": "graded", "variables": {}})
    code = "from tensorflow import keras\nmodel = keras.Sequential([keras.Input((5, 5)), keras.layers.Flatten(),"
    code += " keras.layers.Dense(2, activation='softmax')])\n" + f"print({fake!r})\n"
    result = grade(grader_nodb, spec, code)
    assert result.status == "graded" and not result.is_full_marks
    assert "layers" in result.failed_check_ids()


def test_lambda_layer_is_refused_in_feedback(grader_nodb: Grader, spec: ExerciseSpec) -> None:
    code = ("from tensorflow import keras\nmodel = keras.Sequential([keras.Input((5, 5)), keras.layers.Flatten(),"
            " keras.layers.Lambda(lambda x: x * 0), keras.layers.Dense(2, activation='softmax')])\n")
    result = grade(grader_nodb, spec, code)
    assert result.status == "graded" and result.score == 0
    assert all("Lambda" in c.message.es for c in result.checks)


def test_code_and_questions_in_one_exercise(grader_nodb: Grader, spec: ExerciseSpec) -> None:
    from grader.core.i18n import Text
    from grader.core.questions.models import NumericQuestion, ShapeQuestion

    params = NumericQuestion(id="param-count", points=1, prompt=Text(es="¿Parámetros?", en="Parameters?"), answer=747)
    shape = ShapeQuestion(id="flatten-output", points=1, prompt=Text(es="Salida de Flatten", en="Flatten output"),
                          answer=[25])
    mixed = spec.model_copy(update={"checks": [c for c in spec.checks if c.id != "param-count"],
                                    "questions": [params, shape]})
    code = SOLUTION + "param_count = model.count_params()\nflatten_output = '(25,)'\n"
    result = grade(grader_nodb, mixed, code)
    assert result.status == "graded" and result.is_full_marks, result
    assert [c.id for c in result.checks][-2:] == ["param-count", "flatten-output"]
    unanswered = grade(grader_nodb, mixed, SOLUTION)
    by_id = {c.id: c for c in unanswered.checks}
    assert by_id["layers"].passed and not by_id["param-count"].passed
    assert by_id["flatten-output"].message.es == "No respondiste esta pregunta."


def test_a_grader_bug_is_that_submission_s_error_out_of_the_exercise_points(
        grader_nodb: Grader, spec: ExerciseSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug inside the grading code becomes this submission's error (so a batch goes on), scored 0 of the
    exercise's points like every other ungradeable submission, not 0 of 0."""
    import grader.engine.grader

    def broken(**_: object) -> GradeResult:
        raise RuntimeError("a bug in the grader")

    monkeypatch.setattr(grader.engine.grader, "grade_source", broken)
    result = grader_nodb.grade_bytes(spec=spec, filename="ana.py", data=SOLUTION.encode(), student="ana")
    assert result.status == "error" and result.score == 0 and result.max_score == spec.max_score > 0
    assert result.error is not None and "Error interno del calificador" in result.error.es
    assert "your teacher can grade it again" in result.error.en  # a resubmission of the same file reuses it
    assert not result.judged and result.notes[-1].en.startswith("This try does not count: the grader failed")
