"""Names a student's code uses but never imports: the course's usual imports, supplied so the rest is graded.

Real hand-ins often lose an import on the way: the notebook cell with `from tensorflow.keras.layers import
Dense` was not the one copied, or the script relied on a line typed in the notebook above. Python then stops at
the first `Dense(...)` with a NameError and nothing of the student's model can be graded, where a teacher
reading the code would give the parts that are right and ask for the import. So, before the student's code
runs, every name that the code loads and never binds anywhere (no assignment, import, def, argument...) and
that is one of the course's usual imports below is put in the namespace; after the run, each such name that
still holds what was supplied is reported as the `unimported` note (rendered by grader/core/unimported.py,
which lists the same names). A name the code binds itself, or a star import, is left to Python as before.

Loaded inside the sandbox by harness.py: it imports nothing from the grader package.
"""

import ast
import builtins
import importlib

from courseenv import note

# name -> (module, attribute path inside it, or "" for the module itself); resolved only when used.
USUAL_IMPORTS = {
    "keras": ("keras", ""), "tf": ("tensorflow", ""), "np": ("numpy", ""), "pd": ("pandas", ""),
    "plt": ("matplotlib.pyplot", ""),
    **{name: ("keras", name) for name in ("layers", "models", "optimizers", "losses", "callbacks",
                                           "regularizers", "Sequential", "Model", "Input")},
    **{name: ("keras", f"layers.{name}") for name in (
        "Dense", "Flatten", "Dropout", "BatchNormalization", "Activation", "InputLayer", "Conv2D",
        "MaxPooling2D")},
    **{name: ("keras", f"callbacks.{name}") for name in ("EarlyStopping", "ModelCheckpoint")},
    **{name: ("keras", f"optimizers.{name}") for name in ("Adam", "SGD", "RMSprop")},
    "to_categorical": ("keras", "utils.to_categorical"),
}


def unbound_names(code):
    """The names `code` loads without binding them anywhere, and whether it has a star import (then which
    names it binds is unknown). Nothing for code that does not parse as a whole."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set(), True
    loaded: set = set()
    bound: set = set()
    star = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                star = star or alias.name == "*"
                bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
    return loaded - bound - set(dir(builtins)), star


def _resolve(module, path):
    value = importlib.import_module(module)
    for part in filter(None, path.split(".")):
        value = getattr(value, part)
    return value


def supply(namespace, code):
    """Put in `namespace` the usual imports `code` uses without importing them (and that the starter code
    did not define); returns what was supplied, name -> object, for `report`."""
    unbound, star = unbound_names(code)
    if star:
        return {}
    supplied = {}
    for name in sorted(unbound & set(USUAL_IMPORTS)):
        if name in namespace:
            continue
        try:
            supplied[name] = namespace[name] = _resolve(*USUAL_IMPORTS[name])
        except (ImportError, AttributeError):  # not installed here: Python's NameError stays the answer
            continue
    return supplied


def report(namespace, supplied):
    """Note the supplied names that still hold what was supplied (listed in as few notes as fit)."""
    chunk: list = []
    for name in [name for name, value in supplied.items() if namespace.get(name) is value]:
        if chunk and len(",".join([*chunk, name])) > 80:  # a note's argument holds at most 80 characters
            note("unimported", names=",".join(chunk))
            chunk = []
        chunk.append(name)
    if chunk:
        note("unimported", names=",".join(chunk))
