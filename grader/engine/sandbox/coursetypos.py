"""A misspelt Keras name in the student's own code, read as the one name it can only mean.

`layers.BacthNormalization()`, `Dense(64, activations='relu')`, `EarlyStopping(patiense=5)`,
`model.compile(optimizier='adam')`: Keras stops the script there, and the grader then has no model (or no
compiled one) to grade; a teacher reading the code sees what was meant and grades the rest. A misspelt
method (`model.coplie(...)`) is left as it is: it costs what it skips, the compile's checks, nothing else.
So, only for code of the submission itself (a library probing Keras still finds the name absent), a name
that is one unambiguous close match of a real one (the same letters in another case, or one edit away - two
for names of six letters or more - counting a swap of two neighbours as one edit, with no tie) is read as
that name, and a note tells the student Keras would refuse it. Anything else fails as it would anywhere.

Plain Python (no import from the grader package), loaded by the harness.
"""

import functools
import inspect
import re
import sys
from types import FrameType

from courseenv import SUBMISSION, note

# Keras's modules of named things a student spells out, in each of their import paths.
API = re.compile(r"(tensorflow\.)?keras(\._tf_keras\.keras)?\.(layers|optimizers|callbacks|losses|metrics|"
                 r"activations|models|regularizers|initializers|constraints)$")
# Keras 1's keyword names -> Keras 2/3's, renamed (from any caller) where the layer takes the new name and not
# the old one, and the new one was not given: Dense(12, input_dim=8, init='uniform').
KERAS1_KEYWORDS = {"init": "kernel_initializer", "output_dim": "units", "W_regularizer": "kernel_regularizer",
                   "b_regularizer": "bias_regularizer", "W_constraint": "kernel_constraint",
                   "b_constraint": "bias_constraint", "nb_filter": "filters", "border_mode": "padding",
                   "subsample": "strides"}
# Keyword arguments every layer takes through **kwargs (Keras' Layer pops them itself).
LAYER_KWARGS = ("input_shape", "input_dim", "batch_size", "batch_input_shape", "weights", "name", "dtype",
                "trainable")


def meant(name, names):
    """The one name of `names` that `name` misspells, or None (none close enough, or two equally close)."""
    if not isinstance(name, str) or name.startswith("_") or len(name) < 3:
        return None
    same = [n for n in set(names) if n.lower() == name.lower()]
    if len(same) == 1:
        return same[0]
    allowed = 1 if len(name) <= 5 else 2
    scored = sorted((d, n) for n in set(names) if (d := distance(name, n, allowed)) <= allowed)
    if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def distance(a, b, limit):
    """Edits (insert, delete, replace, swap two neighbours) from `a` to `b`; anything over `limit` is limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before, row = None, list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (x != y))
            if before is not None and i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                current[j] = min(current[j], before[j - 2] + 1)
        before, row = row, current
        if min(row) > limit:
            return limit + 1
    return min(row[-1], limit + 1)


def _from_submission(depth):
    """Whether the frame `depth` levels up from the caller runs the student's code (passing over TensorFlow's
    lazy `tf.keras` modules and the import machinery, which only forward the student's lookup)."""
    try:
        caller: FrameType | None = sys._getframe(depth + 1)
    except ValueError:
        return False
    while caller is not None and (caller.f_code.co_filename.endswith("lazy_loader.py")
                                  or caller.f_code.co_filename.startswith("<frozen importlib")):
        caller = caller.f_back
    return caller is not None and caller.f_code.co_filename == SUBMISSION


def patch_module(module):
    """`module.Nmae` (attribute or `from module import Nmae`) from the student's code reads as `module.Name`."""
    if "__getattr__" in vars(module):
        return

    def __getattr__(name):
        found = meant(name, [n for n in vars(module) if not n.startswith("_")]) if _from_submission(1) else None
        if found is None:
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
        note("typo_name", wrote=name, meant=found)
        return getattr(module, found)

    module.__getattr__ = __getattr__


def accepted_keywords(function):
    """The keyword names `function` takes (empty when it takes any: **kwargs is left to it)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return ()
    return tuple(p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


def correct_keywords(kwargs, valid, depth):
    """Rename in `kwargs` each Keras 1 keyword, and each unknown keyword that misspells one of `valid` not given
    when called from the student's code (`depth` frames above the caller)."""
    for old in [k for k in kwargs if k in KERAS1_KEYWORDS and k not in valid]:
        new = KERAS1_KEYWORDS[old]
        if new in valid and new not in kwargs:
            kwargs[new] = kwargs.pop(old)
            note("keras1_keyword", old=old, new=new)
    unknown = [k for k in kwargs if k not in valid]
    if not unknown or not _from_submission(depth + 1):
        return
    for wrote in unknown:
        found = meant(wrote, [v for v in valid if v not in kwargs])
        if found is not None:
            kwargs[found] = kwargs.pop(wrote)
            note("typo_keyword", wrote=wrote, meant=found)


def wrap_keywords(original, valid):
    """`original` (an __init__ or method) with misspelt keywords from the student's code corrected."""

    @functools.wraps(original)
    def wrapper(self, *args, **kwargs):
        correct_keywords(kwargs, valid, 1)
        return original(self, *args, **kwargs)

    # Keras reads __init__'s signature with inspect.getfullargspec, which ignores __wrapped__.
    del wrapper.__wrapped__
    wrapper.__signature__ = inspect.signature(original)  # type: ignore[attr-defined]
    return wrapper


def patch_classes(keras):
    """Misspelt keywords of every layer, optimizer and callback class, and of `Model.compile`."""
    for module, extra in ((keras.layers, LAYER_KWARGS), (keras.optimizers, ()), (keras.callbacks, ())):
        for cls in {obj for obj in vars(module).values() if isinstance(obj, type) and "__init__" in vars(obj)}:
            valid = set(extra)
            for base in cls.__mro__:
                valid.update(accepted_keywords(vars(base).get("__init__", object.__init__)))
            valid.discard("self")
            if valid:
                cls.__init__ = wrap_keywords(vars(cls)["__init__"], frozenset(valid))  # type: ignore[misc]
    compile_ = keras.Model.compile
    keras.Model.compile = wrap_keywords(compile_, frozenset(accepted_keywords(compile_)) - {"self"})


def install(keras):
    """Patch Keras's classes, its API modules already imported, and each one imported later (`after_import`)."""
    patch_classes(keras)
    for name in [n for n in sys.modules if API.match(n)]:
        patch_module(sys.modules[name])


def after_import(module):
    """The import hook's part: a Keras API module imported under another path is patched too."""
    if API.match(module.__name__):
        patch_module(module)
