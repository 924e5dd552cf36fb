"""A check fails for its own reason only: a wrong optimizer or loss costs its own check, not the training too,
and saving the model (`model.save('x.h5')`) does not make the grader read its optimizer as missing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import grader.engine.pipeline as pipeline
from grader.core.checks.compile import judged_settings
from grader.core.cost.budget import training_refusal
from grader.core.facts import CompileFacts, Evidence, LayerFacts, ModelFacts
from grader.core.i18n import t
from grader.core.specs.loader import load_catalog
from grader.core.specs.models import CheckSpec
from grader.engine.evaluator.pool import EvaluatorError
from grader.engine.grader import Grader
from grader.engine.pipeline import grade_source
from grader.engine.sandbox.job import SandboxRun
from tests.test_course_env import grade, notebook, notes_es

LAB = """import tensorflow as tf
from tensorflow import keras
(train_images, train_labels), (test_images, test_labels) = keras.datasets.fashion_mnist.load_data()
train_images, test_images = train_images / 255.0, test_images / 255.0
model = keras.Sequential([keras.layers.Flatten(input_shape=(28, 28)), keras.layers.Dense(128, activation='relu'),
                          keras.layers.Dense(10, activation='softmax')])
model.compile(optimizer=OPTIMIZER, loss='sparse_categorical_crossentropy', metrics=['accuracy'])
model.fit(train_images, train_labels, validation_split=0.2, epochs=10)
model.save('mymodel.h5')
"""


def test_the_settings_other_checks_judge_are_named_canonically() -> None:
    checks = [CheckSpec(id="o", type="optimizer", points=1, params={"expected": "adam"}),
              CheckSpec(id="l", type="loss", points=1, params={"expected": ["SparseCategoricalCrossentropy"]}),
              CheckSpec(id="x", type="loss", points=1, params={"variable": "other", "expected": ["mse"]})]
    assert judged_settings(checks, "model") == {"optimizer": ["Adam"], "loss": ["sparse_categorical_crossentropy"]}
    assert judged_settings(checks, "other") == {"loss": ["mean_squared_error"]}


@pytest.mark.slow
def test_a_wrong_optimizer_costs_its_own_check_only_and_saving_keeps_it(grader_nodb: Grader) -> None:
    spec = grader_nodb.catalog.get("fashion-mnist-lab")
    right = grade(grader_nodb, spec, LAB.replace("OPTIMIZER", "'adam'"))
    assert right.score == right.max_score, right.checks  # saved as .h5 after compile: still Adam
    wrong = grade(grader_nodb, spec, LAB.replace("OPTIMIZER", "keras.optimizers.SGD()"))
    failed = {c.id: c for c in wrong.checks if not c.passed}
    assert list(failed) == ["optimizer"], wrong.checks
    trains = next(c for c in wrong.checks if c.id == "trains")
    assert "Se entrenó con lo que pide el enunciado (el optimizador Adam en lugar de tu SGD)" in trains.message.es
    assert "the optimizer Adam instead of your SGD" in trains.message.en


def test_a_layer_whose_input_shape_is_lost_is_not_called_unsupported() -> None:
    conv = {"class_name": "Conv2D", "config": {"filters": 8, "kernel_size": [3, 3], "strides": [1, 1],
                                               "padding": "valid", "activation": "relu", "use_bias": True}}
    config = {"class_name": "Sequential", "config": {"layers": [conv, {"class_name": "Flatten", "config": {}},
                                                                {"class_name": "Dense", "config": {"units": 1}}]}}
    refusal = training_refusal(config, input_shape=(16,), rows=100, valid_rows=10, batch_size=32, epochs=1)
    assert refusal is not None and "no pudo seguir la forma de los datos hasta la capa Conv2D" in refusal.es
    assert "Usa capas como Dense, Conv2D" not in refusal.es  # no message lists the layer it refuses


NO_MODEL = """import cv2
from tensorflow.keras.models import Sequential
feature_extractor_layer.trainable = False
model = Sequential([feature_extractor_layer, Dense(1024, activation='relu'), Dense(1, activation=sigmoide)])
"""

IN_A_FUNCTION = """from tensorflow import keras
from keras.datasets import mnist

def entrenar_modelo(x, y):
    model = keras.Sequential([keras.layers.Flatten(input_shape=(5, 5)), keras.layers.Dense(16, activation='relu'),
                              keras.layers.Dense(16, activation='relu'), keras.layers.Dense(3, activation='relu'),
                              keras.layers.Dense(2, activation='softmax')])
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    model.fit(x, y, epochs=5)

if __name__ == "__main__":
    entrenar_modelo(X_train, y_train)
"""


@pytest.mark.slow
def test_only_a_model_the_student_wrote_is_graded(grader_nodb: Grader) -> None:
    stopped = grade(grader_nodb, grader_nodb.catalog.get("transfer-freeze"), NO_MODEL)
    # The starter's feature extractor is never graded as the student's model.
    assert stopped.score == 0 and "feature_extractor_layer` como `model`" not in notes_es(stopped)
    assert all("se esperaba Sequential" not in c.message.es for c in stopped.checks), stopped.checks
    local = grade(grader_nodb, grader_nodb.catalog.get("lab-add-hidden-16"), IN_A_FUNCTION)
    assert local.score == local.max_score, local.checks
    assert "el modelo que tu función `entrenar_modelo` creó y entrenó con fit" in notes_es(local)


CALLBACKS_ONLY = """from tensorflow import keras
from tensorflow.keras.callbacks import EarlyStopping, ModelCheckpoint, ReduceLROnPlateau
early_stopping = EarlyStopping(monitor='val_loss', patience=10)
checkpoint = ModelCheckpoint('mejor_modelo.keras', monitor='val_loss', save_best_only=True)
reduce_lr = ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=3)
"""


@pytest.mark.slow
def test_callbacks_written_right_are_graded_without_fit(grader_nodb: Grader) -> None:
    result = grade(grader_nodb, grader_nodb.catalog.get("training-callbacks"), CALLBACKS_ONLY)
    by_id = {c.id: c for c in result.checks}
    assert by_id["early-stopping"].passed and by_id["checkpoint"].passed, result.checks
    assert "se calificó el callback tal como lo escribiste" in by_id["early-stopping"].message.es
    assert not by_id["reduce-lr"].passed  # patience=3, not 5: still judged on what was written
    assert "ReduceLROnPlateau tiene patience=3; se esperaba 5. Tu código no llamó a model.fit" \
        in by_id["reduce-lr"].message.es
    assert not by_id["fit"].passed and "No se llamó a model.fit" in by_id["fit"].message.es


HOTEL = """import pandas as pd
from tensorflow import keras
from sklearn.compose import make_column_transformer
from sklearn.pipeline import make_pipeline
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler, OneHotEncoder
from sklearn.model_selection import train_test_split
hotel = pd.read_csv('../input/dl-course-data/hotel.csv')
X = hotel.copy()
y = X.pop('is_canceled')
features_num = ["lead_time", "adults", "children", "adr"]
features_cat = ["hotel", "meal", "deposit_type"]
preprocessor = make_column_transformer(
    (make_pipeline(SimpleImputer(strategy="constant"), StandardScaler()), features_num),
    (make_pipeline(SimpleImputer(strategy="constant", fill_value="NA"), OneHotEncoder(handle_unknown='ignore')),
     features_cat))
X_train, X_valid, y_train, y_valid = train_test_split(X, y, stratify=y, train_size=0.75)
X_train = preprocessor.fit_transform(X_train)
X_valid = preprocessor.transform(X_valid)
input_shape = [X_train.shape[1]]
model = keras.Sequential([keras.layers.Dense(32, activation='relu', input_shape=input_shape),
                          keras.layers.Dense(16, activation='relu'), keras.layers.Dense(1, activation='sigmoid')])
model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
model.fit(X_train, y_train, validation_data=(X_valid, y_valid), epochs=20, batch_size=32)
"""


@pytest.mark.slow
def test_a_model_made_for_its_own_data_is_trained_on_the_exercise_s_width(grader_nodb: Grader) -> None:
    result = grade(grader_nodb, grader_nodb.catalog.get("binary-classifier"), HOTEL)
    by_id = {c.id: c for c in result.checks}
    assert by_id["trains"].passed, by_id["trains"].message
    assert "la entrada de los datos del ejercicio (30,) en lugar de tu (14,)" in by_id["trains"].message.es
    assert not by_id["input-shape"].passed  # the width itself is judged by its own check, once


class SlowTraining:
    """An evaluator pool whose brief training runs out of time; without the training it answers."""

    def __init__(self, evidence: Evidence) -> None:
        self.evidence, self.requests = evidence, []

    @contextmanager
    def acquire(self) -> Iterator[SlowTraining]:
        yield self

    def evaluate(self, request: Any, **_: Any) -> Evidence:
        self.requests.append(request)
        if request.training is not None:
            raise EvaluatorError(t("demasiado costoso de entrenar", "too costly to train"), training=True)
        return self.evidence.model_copy(deep=True)


def test_a_model_too_costly_to_train_costs_the_training_check_only(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_catalog().get("lab-add-hidden-16")
    layers = [LayerFacts(class_name="Flatten", name="f"), *(LayerFacts(
        class_name="Dense", name=f"d{i}", units=u, activation=a, params=p) for i, (u, a, p) in enumerate(
        [(16, "relu", 416), (16, "relu", 272), (3, "relu", 51), (2, "softmax", 8)]))]
    model = ModelFacts(class_name="Sequential", built=True, input_shape=[5, 5], output_shape=[2], params=747,
                       trainable_params=747, layers=layers,
                       compile=CompileFacts(optimizer="Adam", loss="sparse_categorical_crossentropy",
                                            metrics=["accuracy"]))
    pool = SlowTraining(Evidence(variables={"model": model}))
    monkeypatch.setattr(pipeline, "run_student", lambda **_: SandboxRun(payload={"complete": True}, error=None))
    monkeypatch.setattr(pipeline, "apply_environment", lambda *_, **__: [])
    result = grade_source(spec=spec, filename="a.py", data=b"model = 1\n", evaluators=pool,  # type: ignore[arg-type]
                          isolation=None, student="ana")  # type: ignore[arg-type]
    assert result.status == "graded" and len(pool.requests) == 2, result
    failed = {c.id: c.message.es for c in result.checks if not c.passed}
    assert list(failed) == ["trains"] and failed["trains"] == "demasiado costoso de entrenar"


def test_a_sandbox_that_never_reached_the_code_uses_no_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_catalog().get("lab-add-hidden-16")
    failed = SandboxRun(payload=None, error=t("falló el calificador", "the grader failed"), internal=True)
    monkeypatch.setattr(pipeline, "run_student", lambda **_: failed)
    result = grade_source(spec=spec, filename="a.py", data=b"model = 1\n", evaluators=None,  # type: ignore[arg-type]
                          isolation=None, student="ana")  # type: ignore[arg-type]
    assert result.status == "error" and not result.judged and result.error.es == "falló el calificador"


FRAGMENT = ("import pandas as pd\nfrom tensorflow import keras\nfrom tensorflow.keras import layers",
            "mis_datos = pd.read_csv('/content/drive/MyDrive/mis_datos_propios.csv')\n"
            "X_train = mis_datos.drop('y', axis=1)\ninput_shape = [X_train.shape[1]]",
            "model = keras.Sequential([layers.Dense(32, activation='relu', input_shape=input_shape),\n"
            "    layers.Dense(16, activation='relu'), layers.Dense(1, activation='sigmoid')])\n"
            "model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])")


@pytest.mark.slow
def test_a_model_whose_input_shape_came_from_missing_data_is_built_with_the_exercise_s(grader_nodb: Grader) -> None:
    result = grade(grader_nodb, grader_nodb.catalog.get("binary-classifier"), notebook(*FRAGMENT), "frag.ipynb")
    assert all(c.passed for c in result.checks), result.checks
    assert "tu modelo se construyó con la forma de los datos del ejercicio, (30,)" in notes_es(result)
    assert "mis_datos_propios.csv" in notes_es(result)  # the missing file is still reported


PICKLED = """import pickle
from keras.models import Sequential
from keras.layers.core import Dense, Activation
with open('/content/drive/MyDrive/mydata.pkl', 'rb') as f:
    x_train, y_train = pickle.load(f)
model = Sequential()
model.add(Dense(input_dim=x_train.shape[1], output_dim=16))
model.add(Activation('relu'))
model.add(Dense(output_dim=1))
model.add(Activation('sigmoid'))
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
"""


def test_a_model_built_from_rows_a_missing_file_held_is_built_with_the_exercise_s(grader_nodb: Grader) -> None:
    """`input_dim=x_train.shape[1]` after the student's own pickle: that statement runs with the exercise's
    X_train in place of x_train, and says so; a name that no failed statement assigned is left to Python."""
    spec = grader_nodb.catalog.get("binary-classifier")
    result = grade(grader_nodb, spec, PICKLED)
    assert result.status == "graded" and result.score == result.max_score, (result.error, result.checks)
    assert "`x_train` venía de una celda de datos que falló" in notes_es(result)
    never = grade(grader_nodb, spec, PICKLED.replace("x_train.shape[1]", "x_tr.shape[1]"))
    assert "venía de una celda de datos" not in notes_es(never)
    assert never.score < result.score


TWO_SOFTMAX = """from tensorflow import keras
model = keras.Sequential([keras.Input((30,)), keras.layers.Dense(16, activation='relu'),
                          keras.layers.Dense(2, activation='softmax')])
model.compile(optimizer='adam', loss='LOSS', metrics=['accuracy'])
"""


def test_two_softmax_units_on_binary_labels_cost_the_output_and_loss_not_the_training(grader_nodb: Grader) -> None:
    """As the student's own `to_categorical` did, the training gives 0/1 labels one-hot to a two-unit output with
    a loss that wants one column per class, and says so."""
    spec = grader_nodb.catalog.get("binary-classifier")
    for loss in ("categorical_crossentropy", "mean_squared_error", "sparse_categorical_crossentropy"):
        result = grade(grader_nodb, spec, TWO_SOFTMAX.replace("LOSS", loss))
        failed = {c.id for c in result.checks if not c.passed}
        assert failed == {"output-layer", "loss"}, result.checks
        trains = next(c for c in result.checks if c.id == "trains")
        assert trains.passed and "Las etiquetas del ejercicio se dieron en one-hot de 2 columnas" in trains.message.es


def test_labels_are_one_hot_only_for_an_output_and_loss_that_want_it() -> None:
    import keras
    import numpy as np

    from grader.engine.evaluator.training import _one_hot_width

    two = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    one = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    labels = np.array([0, 1, 1, 0])
    assert _one_hot_width(two, keras.losses.get("categorical_crossentropy"), labels) == 2
    assert _one_hot_width(two, keras.losses.get("sparse_categorical_crossentropy"), labels) == 0
    assert _one_hot_width(one, keras.losses.get("binary_crossentropy"), labels) == 0
    assert _one_hot_width(two, keras.losses.get("mse"), np.array([0.5, 1.5])) == 0  # not class labels
    assert _one_hot_width(two, keras.losses.get("mse"), np.array([0, 1, 2])) == 0  # more classes than units
