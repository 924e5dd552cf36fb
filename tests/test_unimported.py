"""A hand-in that lost its imports (the notebook's import cell was not the one copied): the course's usual
names it uses are supplied, its model is graded as if it had imported them, and the note says what to add."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from grader.core.environment_notes import render
from grader.core.unimported import IMPORT_LINES
from grader.engine.grader import Grader
from tests.test_course_env import grade, notebook, notes_es

IMPORTS = "from tensorflow.keras.models import Sequential\nfrom tensorflow.keras.layers import Dense, Flatten\n"
MODEL = """model = Sequential([
    Flatten(input_shape=(5, 5)),
    Dense(16, activation='relu'),
    Dense(16, activation='relu'),
    Dense(3, activation='relu'),
    Dense(2, activation='softmax'),
])
"""


def test_a_script_without_its_imports_is_graded_as_with_them(grader_nodb: Grader) -> None:
    spec = grader_nodb.catalog.get("lab-add-hidden-16")
    with_imports = grade(grader_nodb, spec, IMPORTS + MODEL)
    without = grade(grader_nodb, spec, MODEL)
    assert with_imports.score == with_imports.max_score and "sin importarlo" not in notes_es(with_imports)
    assert (without.status, without.score) == ("graded", with_imports.score)
    notes = notes_es(without)
    assert "Tu código usa `Dense`, `Flatten`, `Sequential` sin importarlo" in notes
    assert "`from tensorflow.keras.models import Sequential`" in notes
    assert "`from tensorflow.keras.layers import Dense`" in notes


def test_a_notebook_whose_import_cell_is_missing(grader_nodb: Grader) -> None:
    spec = grader_nodb.catalog.get("lab-add-hidden-16")
    result = grade(grader_nodb, spec, notebook("import numpy\nnumpy.random.seed(1)", MODEL), "lab.ipynb")
    assert (result.status, result.score) == ("graded", result.max_score)
    assert "`Dense`, `Flatten`, `Sequential` sin importarlo" in notes_es(result)


def test_names_the_code_binds_or_does_not_know_are_left_to_python(grader_nodb: Grader) -> None:
    spec = grader_nodb.catalog.get("lab-add-hidden-16")
    # Its own Dense (a function returning Keras' layer) is used as written: no note, the model is graded.
    own = grade(grader_nodb, spec, "from tensorflow import keras\nfrom tensorflow.keras.models import Sequential\n"
                "from tensorflow.keras.layers import Flatten\n"
                "def Dense(units, activation):\n    return keras.layers.Dense(units, activation=activation)\n"
                + MODEL)
    assert own.score == own.max_score and "sin importarlo" not in notes_es(own)
    # A misspelt name is not a usual import: Python's NameError stands, before the model exists.
    typo = grade(grader_nodb, spec, IMPORTS + MODEL.replace("Flatten(", "Flaten("))
    assert typo.status == "error" and "NameError" in typo.error.es and "sin importarlo" not in notes_es(typo)
    # A star import binds names Python knows only when it runs: nothing is supplied, nothing is noted.
    star = grade(grader_nodb, spec, "from tensorflow.keras.models import Sequential\n"
                 "from tensorflow.keras.layers import *\n" + MODEL)
    assert star.score == star.max_score and "sin importarlo" not in notes_es(star)


def test_a_forged_note_naming_anything_else_is_dropped() -> None:
    ok = render([{"code": "unimported", "args": {"names": "np,Dense"}}])
    assert len(ok) == 1 and "`import numpy as np`" in ok[0].es and "`np`, `Dense`" in ok[0].en
    for forged in ("os", "np,os", "Dense,", "", "__import__"):
        assert render([{"code": "unimported", "args": {"names": forged}}]) == [], forged


def test_the_sandbox_supplies_exactly_the_names_the_note_can_explain() -> None:
    sandbox = str(Path(__file__).resolve().parents[1] / "grader" / "engine" / "sandbox")
    before = set(sys.modules)
    sys.path.insert(0, sandbox)
    try:
        courseimports = importlib.import_module("courseimports")
    finally:
        sys.path.remove(sandbox)
        for name in ("courseimports", "courseenv"):  # the sandbox's bare module names stay out of this process
            if name not in before:
                sys.modules.pop(name, None)
    assert set(courseimports.USUAL_IMPORTS) == set(IMPORT_LINES)
    unbound, star = courseimports.unbound_names(
        "import numpy as np\nfor i in range(3):\n    x = np.zeros(i)\ndef f(a, *b, **c):\n    global g\n    return a\n"
        "try:\n    pass\nexcept Exception as e:\n    print(e)\nmodel = Sequential([Dense(1)])\n")
    assert (unbound, star) == ({"Sequential", "Dense"}, False)


SONAR = """from keras.models import Sequential
from keras.layers import Dense
from keras.wrappers.scikit_learn import KerasClassifier
from keras.optimizers import SGD
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

def create_baseline():
    model = Sequential()
    model.add(Dense(60, input_dim=30, activation='relu'))
    model.add(Dense(1, activation='sigmoid'))
    model.compile(loss='binary_crossentropy', optimizer=SGD(lr=0.01, momentum=0.8), metrics=['accuracy'])
    return model

pipeline = Pipeline([('standardize', StandardScaler()),
                     ('mlp', KerasClassifier(build_fn=create_baseline, epochs=300, batch_size=16, verbose=0))])
results = cross_val_score(pipeline, DATA, y_train, cv=3)
"""


def test_the_model_a_builder_function_returns_is_graded_when_nothing_kept_it(grader_nodb: Grader) -> None:
    """Brownlee's KerasClassifier(build_fn=create_baseline) pattern: with the data, cross_val_score trains it
    through Keras 2's scikit-learn wrapper; without (the student's own sonar.csv), create_baseline() is called
    once and its model graded; either way with a note."""
    spec = grader_nodb.catalog.get("binary-classifier")
    ran = grade(grader_nodb, spec, SONAR.replace("DATA", "X_train"))
    assert ran.status == "graded" and ran.score == ran.max_score, (ran.error, ran.checks)
    assert "KerasClassifier" in notes_es(ran) and "create_baseline()" in notes_es(ran)
    unrun = grade(grader_nodb, spec, SONAR.replace("DATA", "sonar_X"))
    assert unrun.status == "graded" and unrun.score == unrun.max_score, (unrun.error, unrun.checks)
    assert "Se calificó como `model` el modelo que devuelve tu función `create_baseline()`" in notes_es(unrun)
    needs_args = grade(grader_nodb, spec, SONAR.replace("DATA", "sonar_X").replace("create_baseline()",
                                                                                 "create_baseline(units)"))
    assert needs_args.status == "error" and "`model`" in needs_args.error.es


VGG_HEAD = """import tensorflow as tf
from tensorflow.keras.applications import VGG16
from tensorflow.keras.layers import Dense, Flatten
base_model = VGG16(weights='imagenet', include_top=False, input_shape=(32, 32, 3))
base_model.trainable = False
modelo = Sequential()
modelo.add(base_model)
modelo.add(Flatten())
modelo.add(Dense(1024, activation='relu'))
modelo.add(Dense(1, activation='sigmoid'))
modelo.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
"""


def test_a_base_model_inside_the_student_s_model_is_not_a_second_candidate(grader_nodb: Grader) -> None:
    spec = grader_nodb.catalog.get("transfer-freeze")
    result = grade(grader_nodb, spec, VGG_HEAD)
    assert result.status == "graded", (result.error, result.notes)
    assert "Se calificó `modelo` como `model`" in notes_es(result)
    assert "frozen" in {c.id for c in result.checks if c.passed}
