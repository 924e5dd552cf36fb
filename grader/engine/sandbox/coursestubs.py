"""Packages students import that are not installed here, and NumPy 1.x names, inside the sandbox.

Plain Python (no import from the grader package), loaded by the harness before coursecompat, whose import
hook serves these modules only when the real package is absent:

* `tensorflow_hub`: `hub.KerasLayer(url, input_shape=..., trainable=False)` is a small Keras model made of
  built-in layers (so the grader can read it) whose output has the size of the named model (MobileNetV2's
  feature vector: 1280; a classification handle: 1001...), frozen unless `trainable=True`.
* `tensorflow_datasets`: `tfds.load(name, split=..., as_supervised=..., with_info=...)` for the image data
  sets courses use (mnist, fashion_mnist, cifar10, cats_vs_dogs, tf_flowers, horses_or_humans...), as
  tf.data Datasets of generated images with the real shapes, dtypes and classes (fewer rows).
* NumPy 1.x names NumPy 2 removed (`np.float`, `np.int`, `np.object`, `np.str`, `np.NaN`, `disp`...), when the
  student's own code asks for them, mean what they meant, noted once.
"""

import re
import sys
from typing import Any

from coursedatasets import prototypes
from courseenv import SUBMISSION, note

# tfhub.dev handle (a part of it) -> the size of the model's output; the first match wins.
HUB_OUTPUTS = (
    (r"classification", 1001), (r"efficientnet.*b1", 1280), (r"efficientnet.*b2", 1408),
    (r"efficientnet.*b3", 1536), (r"efficientnet.*b4", 1792), (r"efficientnet.*b5", 2048),
    (r"efficientnet.*b6", 2304), (r"efficientnet.*b7", 2560), (r"efficientnet", 1280),
    (r"mobilenet[_-]?v1|mobilenet[_-]v3[_-]small", 1024), (r"mobilenet", 1280), (r"inception[_-]resnet", 1536),
    (r"resnet|inception|bit[/_-]|xception", 2048), (r"nasnet[_-]large", 4032), (r"nasnet", 1056), (r"vgg", 512),
    (r"nnlm.*dim[_-]?50", 50), (r"nnlm.*dim[_-]?128", 128), (r"universal[_-]sentence[_-]encoder", 512),
)


def hub_output_size(handle):
    """The output size of the TF Hub model `handle` names (1280 when nothing matches: MobileNetV2's)."""
    text = str(handle).lower()
    return next((size for pattern, size in HUB_OUTPUTS if re.search(pattern, text)), 1280)


# The models made here in place of a package's (TF Hub's), kept alive so their ids stay theirs: never graded
# as the student's own model.
STAND_INS: list = []


def _hub(module):
    """tensorflow_hub without TF Hub: KerasLayer is a small frozen feature extractor of the right width."""
    import keras

    def KerasLayer(handle, trainable=False, input_shape=None, output_shape=None, arguments=None, name=None,
                   **kwargs):
        """A Sequential of built-in layers standing for the TF Hub model `handle` (no download)."""
        size = output_shape[-1] if isinstance(output_shape, (list, tuple)) and output_shape else \
            hub_output_size(handle)
        stack = [keras.Input(shape=tuple(input_shape))] if input_shape else []
        # Frozen random filters, max-pooled (what a pattern looks like wherever it is), spread linearly
        # to the model's width: a head on top learns from it, as from the real features.
        stack += [keras.layers.Conv2D(32, 3, strides=2, activation="relu"), keras.layers.GlobalMaxPooling2D(),
                  keras.layers.Dense(int(size))]
        layer = keras.Sequential(stack, name=name or "keras_layer")
        layer.trainable = bool(trainable)
        STAND_INS.append(layer)
        note("hub_layer", handle=re.sub(r"^\w+://", "", str(handle))[-60:], size=int(size))
        return layer

    module._strict = True
    module.__all__ = ["KerasLayer"]
    module.KerasLayer = KerasLayer
    module.__version__ = "0.16.1"


# tfds name -> (image shape, class names or count, train rows, test rows or 0); fewer rows than the real ones.
TFDS: dict = {
    "mnist": ((28, 28, 1), 10, 6000, 1000), "fashion_mnist": ((28, 28, 1), 10, 6000, 1000),
    "cifar10": ((32, 32, 3), 10, 3000, 600), "cats_vs_dogs": ((160, 160, 3), ["cat", "dog"], 600, 0),
    "tf_flowers": ((160, 160, 3), ["dandelion", "daisy", "tulips", "sunflowers", "roses"], 500, 0),
    "horses_or_humans": ((300, 300, 3), ["horses", "humans"], 300, 100),
    "rock_paper_scissors": ((300, 300, 3), ["rock", "paper", "scissors"], 300, 90),
    "beans": ((500, 500, 3), ["angular_leaf_spot", "bean_rust", "healthy"], 120, 40),
}


def _images(name, rows):
    """`rows` uint8 images of `name`'s shape (a class pattern, brightness and noise) and int64 labels."""
    import numpy as np

    shape, classes, _, _ = TFDS[name]
    count = classes if isinstance(classes, int) else len(classes)
    rng = np.random.default_rng(sum(map(ord, name)))
    side, channels = shape[0], shape[2]
    coarse = prototypes(rng, count, 28, 3 if channels == 3 else 0)
    scale = -(-side // 28)
    protos = np.kron(coarse, np.ones((scale, scale, 1) if channels == 3 else (scale, scale)))[:, :side, :side]
    y = rng.permutation(np.arange(rows) % count)
    x = (protos[y] * rng.uniform(60, 100, size=(rows,) + (1,) * (protos.ndim - 1))).astype("uint8")
    x += rng.integers(0, 150, size=x.shape, dtype="uint8")
    return x.reshape((rows, *shape)), y.astype("int64")


def _split_rows(name, split):
    """(first, last) rows of `split` ('train', 'test', 'train[:80%]', 'train[10%:]', 'train[:500]')."""
    _, _, n_train, n_test = TFDS[name]
    match = re.fullmatch(r"\s*(train|test|validation|all)\s*(?:\[\s*(-?\d*)(%?)\s*:\s*(-?\d*)(%?)\s*\])?\s*",
                         str(split))
    if match is None:
        raise ValueError(f"Unknown split {split!r}")
    part, a, a_pc, b, b_pc = match.groups()
    offset, total = (0, n_train) if part == "train" or not n_test else (n_train, n_test)
    if part == "all":
        offset, total = 0, n_train + n_test

    def at(value, percent, default):
        if value in (None, ""):
            return default
        index = int(value) * total // 100 if percent else int(value)
        return max(0, min(total, index if index >= 0 else total + index))

    return offset + at(a, a_pc, 0), offset + at(b, b_pc, total)


class _Info:
    """The `info` of `tfds.load(..., with_info=True)`: features, splits, names."""

    def __init__(self, name):
        import types

        shape, classes, n_train, n_test = TFDS[name]
        names = [str(i) for i in range(classes)] if isinstance(classes, int) else list(classes)
        label = types.SimpleNamespace(num_classes=len(names), names=names, int2str=names.__getitem__,
                                      str2int=names.index)
        image = types.SimpleNamespace(shape=shape, dtype="uint8")
        self.name, self.features = name, {"label": label, "image": image}
        self.splits = {"train": types.SimpleNamespace(num_examples=n_train)}
        if n_test:
            self.splits["test"] = types.SimpleNamespace(num_examples=n_test)


def load(name, split=None, as_supervised=False, with_info=False, batch_size=None, **kwargs):
    """tfds.load for the image data sets courses use, offline: generated images, real shapes and classes."""
    import tensorflow as tf

    key = str(name).split(":")[0].split("/")[0].strip().lower()
    if key not in TFDS:
        raise ConnectionError(f"Sin conexión a internet: tensorflow_datasets no puede descargar '{key}' / no "
                              f"internet connection: tensorflow_datasets cannot download '{key}'")
    _, _, n_train, n_test = TFDS[key]
    x, y = _images(key, n_train + n_test)
    note("tfds", name=key, rows=n_train + n_test)

    def one(part):
        first, last = _split_rows(key, part)
        if batch_size == -1:
            return (tf.constant(x[first:last]), tf.constant(y[first:last])) if as_supervised else \
                {"image": tf.constant(x[first:last]), "label": tf.constant(y[first:last])}
        data = (x[first:last], y[first:last]) if as_supervised else {"image": x[first:last], "label": y[first:last]}
        return tf.data.Dataset.from_tensor_slices(data)

    result: object
    if split is None:
        result = {part: one(part) for part in (["train", "test"] if n_test else ["train"])}
    else:
        result = [one(part) for part in split] if isinstance(split, (list, tuple)) else one(split)
    return (result, _Info(key)) if with_info else result


class _KerasEstimator:
    """keras.wrappers.scikit_learn's estimator (removed in Keras 3; scikeras' today): `build_fn` builds and
    compiles the model, fit trains it with the epochs and batch size given, as far as scikit-learn needs
    (Pipeline, cross_val_score, GridSearchCV clone it through get_params/set_params)."""

    _estimator_type = "classifier"

    def __init__(self, build_fn=None, model=None, **sk_params):
        self.build_fn, self.sk_params = build_fn or model, dict(sk_params)
        self.model: Any = None
        note("sklearn_wrapper")

    def get_params(self, deep=True):
        """What clone() passes to __init__."""
        return {"build_fn": self.build_fn, **self.sk_params}

    def set_params(self, **params):
        """scikit-learn's set_params."""
        self.build_fn = params.pop("build_fn", self.build_fn)
        self.sk_params.update(params)
        return self

    def _settings(self, function):
        import inspect

        try:
            accepted = inspect.signature(function).parameters
        except (TypeError, ValueError):
            return {}
        return {k: v for k, v in self.sk_params.items() if k in accepted}

    def fit(self, x, y, **kwargs):
        """Build the model with `build_fn` and train it."""
        self.model = self.build_fn(**self._settings(self.build_fn))
        settings = {k: v for k, v in self.sk_params.items() if k in ("epochs", "batch_size", "verbose")}
        self.model.fit(x, y, **{**settings, **kwargs})
        return self

    def predict(self, x, **kwargs):
        """Classes (0/1 or the argmax) for a classifier, values for a regressor."""
        import numpy as np

        out = np.asarray(self.model.predict(x, verbose=0))
        if self._estimator_type != "classifier":
            return out.reshape(len(out))
        return (out.reshape(len(out)) > 0.5).astype(int) if out.ndim == 1 or out.shape[-1] == 1 else out.argmax(-1)

    def score(self, x, y, **kwargs):
        """Accuracy for a classifier, minus the mean squared error for a regressor."""
        import numpy as np

        guess, truth = self.predict(x), np.asarray(y)
        truth = truth.argmax(-1) if truth.ndim > 1 and self._estimator_type == "classifier" else truth
        if self._estimator_type == "classifier":
            return float(np.mean(guess == truth))
        return -float(np.mean((guess - truth.reshape(len(truth))) ** 2))


class KerasClassifier(_KerasEstimator):
    """keras.wrappers.scikit_learn.KerasClassifier."""


class KerasRegressor(_KerasEstimator):
    """keras.wrappers.scikit_learn.KerasRegressor."""

    _estimator_type = "regressor"


def _sklearn_wrappers(module):
    """keras.wrappers.scikit_learn and scikeras.wrappers: KerasClassifier and KerasRegressor."""
    module._strict = True
    module.__all__ = ["KerasClassifier", "KerasRegressor"]
    module.KerasClassifier, module.KerasRegressor = KerasClassifier, KerasRegressor


class Split(str):
    """TFDS 1.x's named splits, which old tutorials still use: `tfds.Split.ALL.subsplit(weighted=(70, 30))`,
    `Split.TRAIN.subsplit(k=4)`, `Split.TRAIN.subsplit(tfds.percent[:80])`; each part is a split string load reads."""

    def subsplit(self, arg=None, k=None, percent=None, weighted=None):
        """The parts of this split: `k` equal ones, the `percent` slice, or parts in proportion to `weighted`."""
        if isinstance(arg, int):
            k = arg
        elif isinstance(arg, slice):
            percent = arg
        elif arg is not None:
            weighted = arg
        if percent is not None:
            start, stop = (f"{v}%" if v is not None else "" for v in (percent.start, percent.stop))
            return f"{self}[{start}:{stop}]"
        weights = [1] * int(k) if k else [float(w) for w in weighted or [1]]
        bounds = [round(100 * sum(weights[:i]) / sum(weights)) for i in range(len(weights) + 1)]
        return [f"{self}[{bounds[i]}%:{bounds[i + 1]}%]" for i in range(len(weights))]


for _name in ("train", "test", "validation", "all"):
    setattr(Split, _name.upper(), Split(_name))


class _Percent:
    def __getitem__(self, part):
        return part


def _tfds(module):
    """tensorflow_datasets without downloads: load, as_numpy, builder's info, TFDS 1.x's Split and percent."""
    module._strict = True
    module.__all__ = ["load", "as_numpy", "Split", "percent"]
    module.Split, module.percent = Split, _Percent()
    module.load = load
    module.as_numpy = lambda ds: ds.as_numpy_iterator() if hasattr(ds, "as_numpy_iterator") else ds
    module.__version__ = "4.9.4"


def disp(mesg, device=None, linefeed=True):
    """numpy.disp (removed in NumPy 2): print `mesg`."""
    (device or sys.stdout).write(f"{mesg}\n" if linefeed else f"{mesg}")


def numpy1_names(np):
    """NumPy 1.x names NumPy 2 removed -> what they meant."""
    return {"float": float, "int": int, "object": object, "str": str, "complex": complex,
            "long": int, "unicode": str, "float_": np.float64, "complex_": np.complex128, "string_": np.bytes_,
            "unicode_": np.str_, "bool8": np.bool_, "int0": np.intp, "uint0": np.uintp, "NaN": np.nan,
            "NAN": np.nan, "Inf": np.inf, "Infinity": np.inf, "infty": np.inf, "PINF": np.inf, "NINF": -np.inf,
            "product": np.prod, "cumproduct": np.cumprod, "alltrue": np.all, "sometrue": np.any,
            "round_": np.round, "asfarray": lambda a, dtype=np.float64: np.asarray(a, dtype=dtype), "disp": disp,
            "mat": np.asmatrix, "msort": lambda a: np.sort(a, axis=0)}


def patch_numpy(np):
    """`np.float`, `np.int`, `np.NaN`... in the student's own code mean NumPy 1.x's (each noted once); a
    library probing NumPy still finds them absent."""
    names, original = numpy1_names(np), vars(np).get("__getattr__")

    def __getattr__(attr):
        if attr in names and sys._getframe(1).f_code.co_filename in (SUBMISSION, "<starter>"):
            note("numpy1", name=attr)
            return names[attr]
        if original is None:
            raise AttributeError(f"module 'numpy' has no attribute {attr!r}")
        return original(attr)

    np.__getattr__ = __getattr__
