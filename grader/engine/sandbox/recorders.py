"""What the student's code does with Keras, recorded while it runs: its calls to fit and the callbacks it makes.

Loaded inside the sandbox by harness.py, beside it: it imports nothing from the grader package. `plain` is
the one way a value leaves the sandbox as data (exact builtin types only); the trusted side judges what is
recorded here, so nothing here decides a score. The harness's Snapshot keeps this module's globals, so code
that patches them is undone before anything is reported.
"""

import itertools
import sys
import traceback

import courseenv
from courseenv import SUBMISSION

CALLBACK_ATTRS = (
    "monitor", "patience", "min_delta", "restore_best_weights", "mode", "baseline", "start_from_epoch",
    "save_best_only", "save_weights_only", "filepath", "save_freq", "factor", "min_lr", "cooldown",
    "initial_value_threshold",
)


def plain(value, depth=0):
    """Convert to JSON-safe data only through exact builtin types (subclasses with tricks are refused)."""
    import numpy as np

    if depth > 6:
        raise ValueError("too deeply nested")
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if value == value and abs(value) != float("inf") else str(value)
    if kind in (list, tuple):
        if len(value) > 10000:
            raise ValueError("too long")
        return [plain(v, depth + 1) for v in value]
    if kind is dict:
        return {str(k): plain(v, depth + 1) for k, v in list(value.items())[:1000] if type(k) is str}
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        return plain(value.item(), depth)
    if kind is np.ndarray and value.size <= 10000:
        return plain(value.tolist(), depth)
    raise TypeError(kind.__name__)


def callback_facts(cb):
    """Class name and the scalar attributes graders read; |min_delta| because Keras 3 flips its sign."""
    cls = type(cb)
    name = cls.__name__ if cls.__module__.startswith("keras") else f"{cls.__module__}.{cls.__name__}"
    attrs = {}
    written = getattr(cb, "_course_filepath", None)  # the file name the student wrote (see courseapi.py)
    for key in CALLBACK_ATTRS:
        try:
            value = plain(written if key == "filepath" and type(written) is str else getattr(cb, key))
        except Exception:
            continue
        if isinstance(value, (list, dict)):
            continue
        if key == "min_delta" and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = abs(value)
        attrs[key] = value
    return {"kind": "callback", "class_name": name, "attrs": attrs}


def shape_of(value):
    """The shape of an array-like argument, or None."""
    shape = getattr(value, "shape", None)
    try:
        return [None if d is None else int(d) for d in shape] if shape is not None else None
    except (TypeError, ValueError):
        return None


def head(value, rows):
    """The first `rows` rows of an array-like (fit runs only briefly inside the sandbox)."""
    if value is None or not hasattr(value, "shape") or not hasattr(value, "__getitem__"):
        return value
    try:
        return value[:rows]
    except Exception:
        return value


def install_fit_recorder(keras, fit_calls, fit_cfg):
    """Replace Model.fit: record the arguments, then run one short epoch so a real History comes back."""
    original_fit = keras.Model.fit

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, **kwargs):
        """Record this call, then train for at most `max_epochs` on at most `max_rows` rows."""
        if "nb_epoch" in kwargs:  # Keras 1's name
            epochs = kwargs.pop("nb_epoch")
            courseenv.note("nb_epoch")
        cbs = list(callbacks or [])
        caller = sys._getframe(1).f_code
        fit_calls.append({
            "model": self,
            "function": caller.co_name if caller.co_filename == SUBMISSION else None,
            "epochs": epochs if type(epochs) is int else None,
            "batch_size": batch_size if type(batch_size) is int else None,
            "validation_split": float(validation_split) if validation_split else None,
            "has_validation_data": validation_data is not None,
            "steps_per_epoch": kwargs.get("steps_per_epoch") if type(kwargs.get("steps_per_epoch")) is int else None,
            "x_shape": shape_of(x),
            "y_shape": shape_of(y),
            "callbacks": [callback_facts(cb) for cb in cbs],
        })
        rows = fit_cfg["max_rows"]
        if isinstance(validation_data, tuple):
            validation_data = tuple(head(v, rows) for v in validation_data)
        if kwargs.get("steps_per_epoch"):
            kwargs["steps_per_epoch"] = min(int(kwargs["steps_per_epoch"]), 2)
        start = kwargs.get("initial_epoch", 0) or 0
        return original_fit(self, head(x, rows), head(y, rows), batch_size=batch_size,
                            epochs=start + min(fit_cfg["max_epochs"], max(1, int(epochs or 1))),
                            verbose=0, callbacks=cbs, validation_split=validation_split,
                            validation_data=validation_data, **kwargs)

    def fit_generator(self, generator, *args, **kwargs):
        """Keras 2's fit_generator: fit takes generators itself now."""
        courseenv.note("fit_generator")
        return self.fit(generator, *args, **kwargs)

    keras.Model.fit = fit
    keras.Model.fit_generator = fit_generator


MAX_CALLBACKS = 20


def install_callback_recorder(keras, made):
    """Remember the callbacks the student's own code creates (at most MAX_CALLBACKS), so that one written
    right is graded even when the code never passes it to fit."""
    original_init = keras.callbacks.Callback.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        # The student's call, through the callback class's own __init__ chain (and the course environment's
        # wrappers of it: coursetypos' keywords, courseapi's checkpoint paths).
        callers = itertools.islice(traceback.walk_stack(sys._getframe(1)), 8)
        if any(frame.f_code.co_filename == SUBMISSION for frame, _ in callers) and len(made) < MAX_CALLBACKS \
                and all(cb is not self for cb in made):
            made.append(self)

    keras.callbacks.Callback.__init__ = __init__
