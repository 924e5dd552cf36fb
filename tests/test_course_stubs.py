"""Packages students import that are not installed here (tensorflow_hub, tensorflow_datasets) and NumPy 1.x
names, inside the sandbox: the notebook runs and its Keras work is graded."""

from __future__ import annotations

import pytest

from grader.core.environment_notes import render
from grader.engine.grader import Grader
from tests.test_course_env import grade, notebook, notes_es, run_value

STUBS = """
import numpy as np
from numpy.lib.function_base import disp
import tensorflow as tf
import tensorflow_hub as hub
import tensorflow_datasets as tfds
url = "https://tfhub.dev/google/tf2-preview/mobilenet_v2/feature_vector/4"
feature_extractor_layer = hub.KerasLayer(url, input_shape=(224, 224, 3))
model = tf.keras.Sequential([feature_extractor_layer, tf.keras.layers.Dense(5, activation='softmax')])
resnet = hub.KerasLayer("https://tfhub.dev/google/imagenet/resnet_v2_50/feature_vector/4", trainable=True)
(train, valid), info = tfds.load('cats_vs_dogs', split=['train[:80%]', 'train[80%:]'], with_info=True,
                                 as_supervised=True)
image, label = next(iter(train))
mnist = tfds.load('mnist', split='train', batch_size=-1)
from sklearn.preprocessing import OneHotEncoder
from sklearn.linear_model import LogisticRegression
big = np.random.default_rng(0).random((5000, 4))
clf = LogisticRegression().fit(big, (big[:, 0] > 0.5).astype(int))
hot = OneHotEncoder(sparse=False).fit_transform([['a'], ['b'], ['a']])
base = tf.keras.applications.VGG16(weights='imagenet', include_top=False, input_shape=(32, 32, 3))
base.trainable = False
value = [list(model.layers[0].output.shape), feature_extractor_layer.trainable,
         resnet.trainable, int(train.cardinality()), int(valid.cardinality()), list(image.shape), str(image.dtype.name),
         info.features['label'].num_classes, info.features['label'].names, list(mnist['image'].shape),
         np.float is float, np.int is int, bool(np.bool(1)), np.object is object, bool(np.isnan(np.NaN)),
         disp is not None, list(hot.shape), list(base.output.shape), len(clf.predict(big))]
"""


@pytest.mark.slow
def test_hub_tfds_and_numpy1_names_run_offline_with_the_real_widths(grader_nodb: Grader) -> None:
    value, notes, error = run_value(grader_nodb, STUBS)
    assert error is None, error
    assert value == [[None, 1280], False, True, 480, 120, [160, 160, 3], "uint8", 2, ["cat", "dog"],
                     [6000, 28, 28, 1], True, True, True, True, True, True, [3, 2], [None, 1, 1, 512], 5000]
    codes = {(n["code"], n["args"].get("size", n["args"].get("name"))) for n in notes}
    assert {("hub_layer", 1280), ("hub_layer", 2048), ("tfds", "cats_vs_dogs"), ("numpy1", "float"),
            ("numpy1", "disp"), ("pretrained_weights", None), ("sklearn_sparse", None),
            ("sklearn_rows", None)} <= codes
    shown = "\n".join(n.es for n in render(notes))
    assert "hace su papel un extractor pequeño con la misma salida (1280 características)" in shown
    assert "`np.float` ya no existe en NumPy 2" in shown


HUB_EXAM = """import tensorflow as tf
import tensorflow_hub as hub
IMAGE_SIZE = (16, 16)
feature_extractor_url = "https://tfhub.dev/google/imagenet/resnet_v2_50/feature_vector/4"
feature_extractor_layer = hub.KerasLayer(feature_extractor_url, input_shape=IMAGE_SIZE + (3,))
feature_extractor_layer.trainable = False
model = tf.keras.Sequential([feature_extractor_layer, tf.keras.layers.Dense(1024, activation='relu'),
                             tf.keras.layers.Dense(1, activation='sigmoid')])
model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
"""


@pytest.mark.slow
def test_the_exam_s_hub_notebook_is_graded_on_what_the_student_wrote(grader_nodb: Grader) -> None:
    spec = grader_nodb.catalog.get("transfer-freeze")
    result = grade(grader_nodb, spec, notebook("pip install tensorflow_hub", HUB_EXAM), "examen.ipynb")
    assert result.status == "graded", (result.error, result.notes)
    passed = {c.id for c in result.checks if c.passed}
    # Frozen, the right head, compile: all the student's; only the parameter counts belong to the stand-in.
    assert {"frozen", "layers", "loss", "optimizer", "metrics", "trains"} <= passed, result.checks
    assert "hub.KerasLayer(" in notes_es(result)


UDACITY = """import tensorflow as tf
import tensorflow_hub as hub
import tensorflow_datasets as tfds
splits = tfds.Split.ALL.subsplit(weighted=(70, 30))
(training_set, validation_set), dataset_info = tfds.load('tf_flowers', with_info=True, as_supervised=True,
                                                         split=splits)
num_classes = dataset_info.features['label'].num_classes
URL = "https://tfhub.dev/google/imagenet/mobilenet_v2_140_224/feature_vector/4"
feature_extractor = hub.KerasLayer(URL, input_shape=(16, 16, 3))
feature_extractor.trainable = False
"""


def test_tfds_1_splits_load_the_parts_they_name(grader_nodb: Grader) -> None:
    value, _, error = run_value(grader_nodb, UDACITY + "value = [int(training_set.cardinality()), "
                                "int(validation_set.cardinality()), num_classes, tfds.Split.TRAIN.subsplit(k=4)[1], "
                                "tfds.Split.TRAIN.subsplit(tfds.percent[:80])]\n")
    assert error is None, error
    assert value == [350, 150, 5, "train[25%:50%]", "train[:80%]"]


def test_a_stand_in_is_never_graded_as_the_student_s_model(grader_nodb: Grader) -> None:
    """The student's model never got built (its cell failed): the TF Hub stand-in, the only other model, is not
    taken for it; with the model written, it is graded."""
    spec = grader_nodb.catalog.get("transfer-freeze")
    head = ("model = tf.keras.Sequential([feature_extractor, tf.keras.layers.Dense(1024, activation='relu'),\n"
            "                             tf.keras.layers.Dense(1, activation='sigmoid')])\n")
    unbuilt = grade(grader_nodb, spec, notebook(UDACITY, "raise ValueError('sin datos')\n" + head))
    assert unbuilt.status == "error" and "`model`" in unbuilt.error.es, unbuilt.checks
    assert "feature_extractor" not in notes_es(unbuilt)
    built = grade(grader_nodb, spec, notebook(UDACITY, head), "examen.ipynb")
    assert built.status == "graded" and "frozen" in {c.id for c in built.checks if c.passed}
