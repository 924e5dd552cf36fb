"""Which object of the student's is graded under each name the exercise asks for, in the sandbox.

The name itself when the code set it; else the one Keras model the student made under another name (a base
model inside it is a part, not a second one), the one their own function built and fit, or the one their one
model-building function returns; never an object the starter code or a stand-in made. And the exercise's own
data bound where a failed data statement left the model's input undefined. Every choice is noted.

Plain Python (no import from the grader package), loaded by the harness.
"""

import re

import courseenv
import coursestubs
from courseenv import SUBMISSION

_BUILDER = re.compile(r"(create|build|get|make|define|baseline|crea|construi|model)", re.IGNORECASE)


def built_by_function(grade, namespace, keras, fit_calls):
    """(function name, model) when the code defines the one function that builds a model (`create_baseline()`
    handed to KerasClassifier, `build_model()`), takes no required argument and was never used to leave a
    model anywhere: no model-like name of `grade` is set, no Keras model is in the namespace, none was fit in a
    function of the student's. It is called once, here, before the snapshot is restored (what it patches is
    undone); None otherwise."""
    import inspect
    import types

    wanted = [name for name in grade if "model" in name.lower() and name not in namespace]
    if len(wanted) != 1 or any(type(call.get("function")) is str for call in fit_calls):
        return None
    stand_ins = {id(stand_in) for stand_in in coursestubs.STAND_INS}
    if any(issubclass(type(value), keras.Model) and id(value) not in stand_ins for value in list(namespace.values())):
        return None
    found = []
    for key, value in list(namespace.items()):
        if type(key) is str and type(value) is types.FunctionType and value.__code__.co_filename == SUBMISSION \
                and _BUILDER.search(key):
            try:
                required = [p for p in inspect.signature(value).parameters.values() if p.default is p.empty
                            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
            except (TypeError, ValueError):
                continue
            if not required:
                found.append((key, value))
    if len(found) != 1:
        return None
    try:
        model = found[0][1]()
    except BaseException:  # SystemExit too: its own failure, graded as a missing model
        return None
    return (found[0][0], model) if issubclass(type(model), keras.Model) else None


def _sublayers(model):
    """The layers a Keras model class holds, read from the instance's own list (no property of a student's
    subclass runs: a subclass is not looked into)."""
    if not type(model).__module__.startswith("keras."):
        return ()
    layers = object.__getattribute__(model, "__dict__").get("_layers")
    return list(layers) if isinstance(layers, list) and type(layers).__module__.startswith(("builtins", "keras.")) \
        else ()  # Keras keeps them in its own TrackedList


def graded_objects(grade, namespace, starter, stopped, keras, starter_models=frozenset(), fit_calls=(), built=None):
    """What to grade under each name of `grade`. A name of `stopped` (an error may have kept the student's
    code from replacing it) still holding the object the starter code made is left out. A missing model-like
    name ('model...') takes the one Keras model the student made under another name (never one the starter
    code made), else the one model the student's own function built and fit, else the model `built` by the
    student's one model-building function (built_by_function), with a note."""
    graded = {}
    for name in grade:
        if name not in namespace:
            continue
        if name in stopped and name in starter and namespace[name] is starter[name]:
            courseenv.note("starter_object", name=name)
            continue
        graded[name] = namespace[name]
    wanted = [name for name in grade if name not in graded and name not in starter and "model" in name.lower()]
    if len(wanted) != 1:
        return graded
    taken = {id(value) for value in graded.values()} | {id(value) for value in starter.values()}
    taken |= starter_models  # ids of every Keras model the starter code made (its feature extractor...)
    taken |= {id(stand_in) for stand_in in coursestubs.STAND_INS}  # TF Hub's stand-ins: no model the student wrote
    found: dict = {}
    for key, value in list(namespace.items()):
        # type(), not isinstance(): a `__class__` property would run the student's code after the restore.
        if type(key) is str and not key.startswith("_") and issubclass(type(value), keras.Model) \
                and id(value) not in taken:
            found.setdefault(id(value), (key, value))
    # A model inside another one (`VGG16(...)` added to the student's Sequential) is a part of it, not a
    # second candidate: only the outermost count.
    parts = {id(layer) for _, value in found.values() for layer in _sublayers(value)}
    found = {key: item for key, item in found.items() if key not in parts} if len(found) > 1 else found
    if len(found) == 1:
        key, value = next(iter(found.values()))
        graded[wanted[0]] = value
        courseenv.note("renamed", expected=wanted[0], found=key)
    elif not found:
        fitted = {id(call["model"]): call for call in fit_calls if id(call["model"]) not in taken
                  and issubclass(type(call["model"]), keras.Model) and type(call.get("function")) is str}
        if len(fitted) == 1:
            call = next(iter(fitted.values()))
            graded[wanted[0]] = call["model"]
            courseenv.note("fitted_model", expected=wanted[0], function=call["function"][:60])
        elif not fitted and built is not None:
            graded[wanted[0]] = built[1]
            courseenv.note("built_model", expected=wanted[0], function=built[0][:60])
    return graded


_SHAPE_NAME = re.compile(r"(input_shape|input_dim|n_features|num_features|n_inputs|input_size)")


# The student's own name for the input rows a failed data cell was to load (`x_train = pickle.load(f)`).
_DATA_NAME = re.compile(r"[xX](_?(train|tr|data|all))?|train_?[xX]|features|inputs")


def exercise_input_shape(exc, unfinished, namespace):
    """A model cell that needs the input shape, or the input rows, an earlier data cell failed to compute
    (`input_shape = [X.shape[1]]`, `Dense(500, input_dim=x_train.shape[1])` after a file the grader does not
    have): bind it from the exercise's own `X_train` and say so; False when that is not the case (a name never
    assigned, no exercise data, another name)."""
    name = getattr(exc, "name", None)
    x = namespace.get("X_train")
    if type(name) is not str or name not in unfinished or name in namespace \
            or type(getattr(x, "shape", None)) is not tuple or len(x.shape) < 2:
        return False
    features = [int(d) for d in x.shape[1:]]
    if _DATA_NAME.fullmatch(name):
        namespace[name] = x
        courseenv.note("exercise_data", name=name, shape=str(tuple(features)))
        return True
    if not _SHAPE_NAME.fullmatch(name):
        return False
    namespace[name] = features if name == "input_shape" else int(features[-1]) if len(features) == 1 else features
    courseenv.note("exercise_input", name=name, shape=str(tuple(features)))
    return True
