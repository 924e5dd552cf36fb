"""Old Keras and matplotlib calls inside the sandbox: adapted where the meaning is clear, else explained.

Plain Python (no import from the grader package), loaded by the harness. `plt.style.use('seaborn-...')`
uses matplotlib's renamed style, `ModelCheckpoint('best.hdf5')` saves to a file name Keras 3 accepts,
`Adam(lr=0.01)` means `Adam(learning_rate=0.01)` (`decay=`, which Keras 3 ignores, is noted), Keras 1's
layer keywords (`init=`, `output_dim=`, `W_regularizer=`, `nb_filter=`, `border_mode=`...) mean today's,
TensorBoard records nothing (it is not installed), `predict_classes`/`predict_proba` raise an
AttributeError that says what to write today, and evaluate/predict on large arrays run on the first rows
only, like fit. Each adaptation is noted once (courseenv.note).
"""

import re
import sys

from courseenv import SUBMISSION, note


def patch_styles(style):
    """plt.style.use('seaborn-whitegrid') -> 'seaborn-v0_8-whitegrid' (matplotlib renamed them in 3.6)."""
    original = style.use

    def use(name):
        def fix(one):
            if isinstance(one, str) and one.startswith("seaborn") and one not in style.available:
                new = "seaborn-v0_8" + one[len("seaborn"):]
                if new in style.available:
                    note("style", old=one, new=new)
                    return new
            return one

        return original([fix(n) for n in name] if isinstance(name, list) else fix(name))

    use.__doc__ = original.__doc__
    style.use = use


def _gone(message_es, message_en, code):
    def raise_gone(self):
        # Noted only when the student's own code asked for it: Keras' saving walks every attribute of the
        # model (ModelCheckpoint), and that AttributeError is expected and swallowed there.
        if sys._getframe(1).f_code.co_filename == SUBMISSION:
            note(code)
        raise AttributeError(f"{message_es} / {message_en}")

    return property(raise_gone)


def patch_keras(keras):
    """ModelCheckpoint's old file names, optimizers' `lr`, predict_classes/predict_proba explained."""
    checkpoint = keras.callbacks.ModelCheckpoint
    original_init = checkpoint.__init__

    def __init__(self, filepath, *args, **kwargs):
        path = str(filepath)
        weights = kwargs.get("save_weights_only", args[3] if len(args) > 3 else False)
        want = ".weights.h5" if weights else (".keras", ".h5")
        if not path.endswith(want):
            stem = re.sub(r"(\.(hdf5|h5|keras|ckpt|tf|weights))+$", "", path)
            new = stem + (".weights.h5" if weights else ".keras")
            note("checkpoint_path", old=path, new=new)
            filepath = new
        original_init(self, filepath, *args, **kwargs)
        if filepath != path:
            self._course_filepath = path  # what the student wrote: that is what gets graded

    checkpoint.__init__ = __init__
    patch_optimizers(keras)
    patch_applications()
    patch_h5_save()
    patch_tensorboard(keras)
    keras.Model.predict_classes = _gone(
        "`predict_classes` ya no existe en Keras 3: usa `np.argmax(model.predict(x), axis=1)`",
        "`predict_classes` no longer exists in Keras 3: use `np.argmax(model.predict(x), axis=1)`",
        "predict_classes")
    keras.Model.predict_proba = _gone(
        "`predict_proba` ya no existe en Keras 3: `model.predict(x)` ya da las probabilidades",
        "`predict_proba` no longer exists in Keras 3: `model.predict(x)` already gives the probabilities",
        "predict_proba")


def patch_optimizers(keras):
    """Adam(lr=0.01): Keras 2's name of `learning_rate`, which every Keras 3 optimizer refuses."""
    from keras.src.optimizers.base_optimizer import BaseOptimizer

    original_init = BaseOptimizer.__init__

    def __init__(self, *args, **kwargs):
        if kwargs.get("decay") is not None:  # Keras 3 ignores it (with a warning): say so in the feedback
            note("optimizer_decay")
        if "lr" in kwargs:
            lr = kwargs.pop("lr")
            note("optimizer_lr")
            if args:
                args = (lr, *args[1:])
            else:
                kwargs["learning_rate"] = lr
        original_init(self, *args, **kwargs)

    BaseOptimizer.__init__ = __init__


def patch_applications():
    """keras.applications.VGG16(weights='imagenet') and the others (ImageNet weights are their default): the
    weights cannot be downloaded here, so the model is built as written with random weights, noted. Every
    alias of the function (keras.applications, tf.keras.applications, the model's own module) is replaced."""
    import functools
    import inspect

    wrapped = {}
    for mod_name, module in list(sys.modules.items()):
        if not mod_name.startswith("keras.src.applications.") or module is None:
            continue
        for name, fn in list(vars(module).items()):
            if callable(fn) and getattr(fn, "__module__", None) == mod_name and name[:1].isupper():
                try:
                    signature = inspect.signature(fn)
                except (TypeError, ValueError):
                    continue
                if "weights" in signature.parameters:
                    wrapped[id(fn)] = _offline_weights(fn, signature, functools)
    # Not the modules a lean zygote defers (their first attribute access, vars() included, would import them,
    # and with them scikit-learn and matplotlib, into every job): none of them holds an application.
    aliases = [m for n, m in list(sys.modules.items()) if m is not None and n.startswith(("keras", "tensorflow"))
               and type(m).__name__ != "_LazyModule"]
    for module in aliases:
        for name, value in list(vars(module).items()):
            if id(value) in wrapped and callable(value) and wrapped[id(value)].__wrapped__ is value:
                setattr(module, name, wrapped[id(value)])


def _offline_weights(fn, signature, functools):
    @functools.wraps(fn)
    def build(*args, **kwargs):
        bound = signature.bind_partial(*args, **kwargs)
        bound.apply_defaults()
        if bound.arguments.get("weights") == "imagenet":
            bound.arguments["weights"] = None
            note("pretrained_weights", model=fn.__name__)
        return fn(*bound.args, **bound.kwargs)

    return build


def patch_one_hot(encoders):
    """OneHotEncoder(sparse=False): scikit-learn's old name of `sparse_output` (removed in 1.4), which the
    Kaggle course's exercises use; it means `sparse_output`, noted."""
    import functools
    import inspect

    cls = encoders.OneHotEncoder
    original = cls.__init__
    if "sparse" in inspect.signature(original).parameters:
        return

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        if "sparse" in kwargs:
            value = kwargs.pop("sparse")
            kwargs.setdefault("sparse_output", value)
            note("sklearn_sparse")
        original(self, *args, **kwargs)

    del __init__.__wrapped__  # scikit-learn reads the parameters from the signature: keep the original's
    __init__.__signature__ = inspect.signature(original)  # type: ignore[attr-defined]
    cls.__init__ = __init__


SKLEARN_ROWS = 2000
_VALIDATE: dict = {}


def cap_sklearn(module):
    """scikit-learn's `fit` on more than SKLEARN_ROWS rows (a comparison model on 60,000 MNIST images) runs on
    the first rows only, like Keras' fit here: its own validation of the training data (`validate_data` with
    reset=True, what every `fit` calls) is given the first rows. Applied to each scikit-learn module as it is
    imported (the function is imported by name into every estimator's module)."""
    validation = sys.modules.get("sklearn.utils.validation")
    if validation is None or not callable(vars(validation).get("validate_data")):
        return
    if "original" not in _VALIDATE:
        original = validation.validate_data

        def validate_data(_estimator, /, X="no_validation", y="no_validation", reset=True, **kwargs):
            shape = getattr(X, "shape", None)
            if reset and not isinstance(y, str) and y is not None and shape is not None and len(shape) > 0 \
                    and isinstance(shape[0], int) and shape[0] > SKLEARN_ROWS:
                note("sklearn_rows", rows=SKLEARN_ROWS)
                X, y = X[:SKLEARN_ROWS], y[:SKLEARN_ROWS]
            return original(_estimator, X, y, reset=reset, **kwargs)

        _VALIDATE.update(original=original, capped=validate_data)
    for target in (module, validation):
        if vars(target).get("validate_data") is _VALIDATE["original"]:
            vars(target)["validate_data"] = _VALIDATE["capped"]


def patch_h5_save():
    """model.save('x.h5'): Keras' legacy writer pops the optimizer out of the model's own compile settings
    (the model keeps training with it, but reads as compiled without one); it now works on a copy."""
    from keras.src.legacy.saving import saving_utils

    original = saving_utils.model_metadata

    def model_metadata(model, *args, **kwargs):
        holder = getattr(model, "_compile_config", None)
        config = getattr(holder, "config", None)
        if holder is None or not isinstance(config, dict):
            return original(model, *args, **kwargs)
        holder.config = dict(config)
        try:
            return original(model, *args, **kwargs)
        finally:
            holder.config = config

    saving_utils.model_metadata = model_metadata


def patch_tensorboard(keras):
    """keras.callbacks.TensorBoard records nothing here (TensorBoard is not installed, and its logs would go
    nowhere): the callback is created as written, so it is graded as the student's, and fit runs."""
    from keras.src.callbacks.callback import Callback

    board = keras.callbacks.TensorBoard
    original_init = board.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        note("tensorboard")

    def set_model(self, model):
        self._model = model

    board.__init__ = __init__
    board.set_model = set_model
    for name, value in vars(Callback).items():
        if name.startswith("on_") and callable(value):
            setattr(board, name, value)  # Callback's own hooks do nothing


def cap_inference(keras, rows):
    """evaluate/predict on more than `rows` rows run on the first `rows` only (grading needs neither's
    numbers); predict's result keeps the full length, the first rows' predictions repeated."""
    import numpy as np

    evaluate, predict = keras.Model.evaluate, keras.Model.predict

    def too_long(x):
        shape = getattr(x, "shape", None)
        return shape is not None and len(shape) > 0 and isinstance(shape[0], int) and shape[0] > rows

    def capped_evaluate(self, x=None, y=None, *args, **kwargs):
        if too_long(x):
            note("rows_capped", method="evaluate", rows=rows)
            x, y = x[:rows], (y[:rows] if too_long(y) else y)
        return evaluate(self, x, y, *args, **kwargs)

    def capped_predict(self, x, *args, **kwargs):
        if not too_long(x):
            return predict(self, x, *args, **kwargs)
        note("rows_capped", method="predict", rows=rows)
        out = predict(self, x[:rows], *args, **kwargs)
        return np.resize(out, (int(x.shape[0]), *out.shape[1:])) if isinstance(out, np.ndarray) else out

    capped_evaluate.__doc__, capped_predict.__doc__ = evaluate.__doc__, predict.__doc__
    keras.Model.evaluate, keras.Model.predict = capped_evaluate, capped_predict
