"""A misspelt Keras name in the student's own code (grader/engine/sandbox/coursetypos.py): read as the one name
it can only mean, with a note saying Keras would stop there; anything not that close still fails as anywhere."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

from grader.core.environment_notes import render
from grader.engine.grader import Grader
from tests.test_course_env import grade, notes_es

MODEL = """from tensorflow import keras
from tensorflow.keras.layers import Flaten
model = keras.Sequential([
    Flaten(input_shape=(5, 5)),
    keras.layers.Dence(16, activations='relu'),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(3, activation='relu'),
    keras.layers.Dense(2, activation='softmax'),
])
"""


def test_misspelt_layers_and_keywords_are_read_as_meant_and_said(grader_nodb: Grader) -> None:
    spec = grader_nodb.catalog.get("lab-add-hidden-16")
    result = grade(grader_nodb, spec, MODEL)
    assert (result.status, result.score) == ("graded", result.max_score)
    notes = notes_es(result)
    assert "`Flaten` no existe en Keras: se leyó como `Flatten`" in notes
    assert "`Dence` no existe en Keras: se leyó como `Dense`" in notes
    assert "`activations=` no es un argumento de Keras: se leyó como `activation=`" in notes


def test_a_misspelt_compile_keyword_is_read_as_meant_but_a_misspelt_method_is_not(grader_nodb: Grader) -> None:
    """A keyword typo would lose the whole compile call; a misspelt `compile` skips only the compile, which
    then costs its own checks, as a teacher reading it takes it."""
    spec = grader_nodb.catalog.get("sgd-compile-adam-mae")
    result = grade(grader_nodb, spec, "model.compile(optimizier='adam', loss='mae')\n")
    assert (result.status, result.score) == ("graded", result.max_score)
    assert "`optimizier=` no es un argumento de Keras: se leyó como `optimizer=`" in notes_es(result)
    method = grade(grader_nodb, spec, "model.coplie(optimizer='adam', loss='mae')\n")
    assert method.score == 0 and method.error is not None and "coplie" in method.error.es
    assert "se leyó como" not in notes_es(method)


def test_what_is_not_one_close_match_still_fails(grader_nodb: Grader) -> None:
    spec = grader_nodb.catalog.get("lab-add-hidden-16")
    far = grade(grader_nodb, spec, MODEL.replace("Dence(16, activations=", "Dns(16, activation="))
    assert far.status == "error" and "AttributeError" in far.error.es and "Dns" in far.error.es
    unknown = grade(grader_nodb, spec, MODEL.replace("Dence(16, activations=", "Dense(16, colour="))
    assert unknown.status == "error" and "colour" in unknown.error.es


def _sandbox_module(name: str) -> ModuleType:
    sandbox = str(Path(__file__).resolve().parents[1] / "grader" / "engine" / "sandbox")
    before = set(sys.modules)
    sys.path.insert(0, sandbox)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(sandbox)
        for bare in ("coursetypos", "courseapi", "courseenv", "coursefiles"):  # kept out of this process
            if bare not in before:
                sys.modules.pop(bare, None)


def test_only_one_unambiguous_close_name_is_meant() -> None:
    meant = _sandbox_module("coursetypos").meant
    assert meant("BacthNormalization", ["BatchNormalization", "LayerNormalization"]) == "BatchNormalization"
    assert meant("earlystopping", ["EarlyStopping", "ModelCheckpoint"]) == "EarlyStopping"
    assert meant("Dns", ["Dense"]) is None and meant("_private", ["private"]) is None
    assert meant("abcx", ["abcd", "abce"]) is None  # two equally close: no guess


def test_a_forged_typo_note_is_dropped() -> None:
    assert len(render([{"code": "typo_name", "args": {"wrote": "Dence", "meant": "Dense"}}])) == 1
    assert render([{"code": "typo_name", "args": {"wrote": "<script>", "meant": "Dense"}}]) == []
