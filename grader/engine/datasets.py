"""Data sets the exercises train on: shipped in the repo, bundled with scikit-learn, or synthetic.

Every data set is deterministic (fixed seeds and splits), so a grading is reproducible, and nothing is
downloaded. Each one gives at least X_train, y_train, X_valid, y_valid; some also give the names the
course's notebooks use (train_images, train_labels, ...). The same arrays are handed to the student's
namespace (as public starter data) and used by the trusted brief training.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from grader.core.dataset_names import known_datasets

DATA_DIR = Path(__file__).with_name("data")


@dataclass(frozen=True)
class Dataset:
    """Named arrays plus what the labels look like (for baselines and accuracy)."""

    name: str
    arrays: dict[str, np.ndarray]
    task: str  # "regression" | "binary" | "multiclass" | "onehot"

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        """(X_train, y_train)."""
        return self.arrays["X_train"], self.arrays["y_train"]

    @property
    def valid(self) -> tuple[np.ndarray, np.ndarray]:
        """(X_valid, y_valid)."""
        return self.arrays["X_valid"], self.arrays["y_valid"]


def _split(x: np.ndarray, y: np.ndarray, valid_share: float, seed: int) -> dict[str, np.ndarray]:
    order = np.random.default_rng(seed).permutation(len(x))
    cut = round(len(x) * (1 - valid_share))
    tr, va = order[:cut], order[cut:]
    return {"X_train": x[tr], "y_train": y[tr], "X_valid": x[va], "y_valid": y[va]}


def _linear(n_features: int) -> Callable[[], Dataset]:
    def make() -> Dataset:
        """y = Xw + 0.5 + small noise, seeded by the number of features."""
        rng = np.random.default_rng(n_features)
        x = rng.normal(size=(600, n_features)).astype("float32")
        w = rng.normal(size=(n_features,)).astype("float32")
        y = (x @ w + 0.5 + rng.normal(scale=0.1, size=600)).astype("float32")
        return Dataset(f"linear-{n_features}", _split(x, y, 0.25, 1), "regression")

    return make


def _ring_2() -> Dataset:
    """A non-linear regression on two inputs (needs the hidden ReLU layers to do well)."""
    rng = np.random.default_rng(2)
    x = rng.uniform(-2, 2, size=(800, 2)).astype("float32")
    y = (np.abs(x[:, 0]) + np.abs(x[:, 1]) + rng.normal(scale=0.05, size=800)).astype("float32")
    return Dataset("ring-2", _split(x, y, 0.25, 2), "regression")


def _binary_15() -> Dataset:
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=800, n_features=15, n_informative=8, random_state=15)
    return Dataset("binary-15", _split(x.astype("float32"), y.astype("float32"), 0.25, 15), "binary")


def _bars_5x5() -> Dataset:
    """5x5 'images' of a horizontal (class 0) or vertical (class 1) bar with noise: the lab's input shape."""
    rng = np.random.default_rng(5)
    n = 600
    y = rng.integers(0, 2, size=n)
    pos = rng.integers(0, 5, size=n)
    x = rng.uniform(0, 0.2, size=(n, 5, 5)).astype("float32")
    for i in range(n):
        if y[i] == 0:
            x[i, pos[i], :] += 0.8
        else:
            x[i, :, pos[i]] += 0.8
    return Dataset("bars-5x5", _split(x, y.astype("int64"), 0.25, 5), "multiclass")


def _wine() -> Dataset:
    """Lesson 4.5: red wine, 70/30 split, features and target min-max scaled on the training part."""
    table = np.loadtxt(DATA_DIR / "winequality-red.csv", delimiter=",", skiprows=1, dtype="float64")
    order = np.random.default_rng(0).permutation(len(table))
    cut = round(len(table) * 0.7)
    train, valid = table[order[:cut]], table[order[cut:]]
    lo, hi = train.min(axis=0), train.max(axis=0)
    train, valid = (train - lo) / (hi - lo), (valid - lo) / (hi - lo)
    arrays = {"X_train": train[:, :-1], "y_train": train[:, -1], "X_valid": valid[:, :-1], "y_valid": valid[:, -1]}
    return Dataset("wine", {k: v.astype("float32") for k, v in arrays.items()}, "regression")


def _breast_cancer() -> Dataset:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    arrays = _split(data.data.astype("float32"), data.target.astype("float32"), 0.25, 30)
    mean, std = arrays["X_train"].mean(axis=0), arrays["X_train"].std(axis=0) + 1e-8
    for key in ("X_train", "X_valid"):
        arrays[key] = ((arrays[key] - mean) / std).astype("float32")
    return Dataset("breast-cancer", arrays, "binary")


def _digits() -> Dataset:
    """scikit-learn's 8x8 digits as a Fashion-MNIST stand-in, with the lab's variable names too."""
    from sklearn.datasets import load_digits

    data = load_digits()
    images = (data.images / 16.0).astype("float32")
    arrays = _split(images, data.target.astype("int64"), 0.2, 10)
    arrays |= {"train_images": arrays["X_train"], "train_labels": arrays["y_train"],
               "test_images": arrays["X_valid"], "test_labels": arrays["y_valid"]}
    return Dataset("digits", arrays, "multiclass")


def _fashion_mnist() -> Dataset:
    """The Fashion-MNIST lab on 28x28 images: the very images `fashion_mnist.load_data()` gives inside the
    sandbox (grader/engine/sandbox/coursedatasets.py), scaled to [0, 1]; the test images are the validation part."""
    from grader.engine.sandbox.coursedatasets import image_dataset

    (x_train, y_train), (x_test, y_test) = image_dataset("fashion_mnist")
    arrays = {"X_train": (x_train / 255.0).astype("float32"), "y_train": y_train.astype("int64"),
              "X_valid": (x_test / 255.0).astype("float32"), "y_valid": y_test.astype("int64")}
    arrays |= {"train_images": arrays["X_train"], "train_labels": arrays["y_train"],
               "test_images": arrays["X_valid"], "test_labels": arrays["y_valid"]}
    return Dataset("fashion_mnist", arrays, "multiclass")


def _squares_16() -> Dataset:
    """16x16 RGB images, class 1 when a bright square is present: the transfer-learning stand-in."""
    rng = np.random.default_rng(16)
    n = 400
    x = rng.uniform(0, 0.4, size=(n, 16, 16, 3)).astype("float32")
    y = rng.integers(0, 2, size=n)
    for i in np.flatnonzero(y):
        r, c = rng.integers(0, 11, size=2)
        x[i, r:r + 5, c:c + 5, :] += 0.6
    return Dataset("squares-16", _split(x, y.astype("float32"), 0.25, 16), "binary")


_MAKERS: dict[str, Callable[[], Dataset]] = {
    "linear-3": _linear(3),
    "ring-2": _ring_2,
    "binary-15": _binary_15,
    "bars-5x5": _bars_5x5,
    "wine": _wine,
    "breast-cancer": _breast_cancer,
    "digits": _digits,
    "fashion_mnist": _fashion_mnist,
    "squares-16": _squares_16,
}


# Every data set is named in the core's list (what specs are validated against), and only those.
assert sorted(_MAKERS) == known_datasets(), "grader/core/dataset_names.py and _MAKERS disagree"


@cache
def load_dataset(name: str) -> Dataset:
    """The data set called `name` (cached: the arrays are read-only by convention)."""
    try:
        return _MAKERS[name]()
    except KeyError:
        raise KeyError(f"unknown data set {name!r}; known: {', '.join(known_datasets())}") from None
