"""Runs ONE student submission inside the sandbox process and reports plain JSON on a private pipe.

This file is executed as a script (`python -I harness.py JOB_DIR RESULT_FD`) and imports nothing from
the grader package: the sandbox holds only the job (student code, public starter code, public data
arrays) and never the spec, its checks or the reference solutions. What it sends back is data (model
and compile configs, callback attributes, fit arguments, plain values); the trusted side rebuilds and
judges everything from that data, so nothing here decides a score.

The course environment (courseenv.py, courseapi.py, coursecompat.py beside this file) is installed once
per process, before any student code: Keras' data sets offline, the course's data files, notebook
scaffolding and old APIs. What it adapted travels back as `env_notes` (short codes the host renders).

A script runs as one program and stops at its first error. A notebook (the job's `cells`: each code cell's
lines in the joined code) runs cell by cell, as Jupyter's "run all" with errors allowed: a cell that raises
is left there and the next one runs, so what later cells define is graded. The first error is the one
reported (`continued`: the cells after it ran); later errors it causes (a NameError of the name it failed
to define) are expected and not reported. A SystemExit or KeyboardInterrupt still stops everything.
"""

import contextlib
import importlib.util
import itertools
import json
import os
import resource
import sys
import traceback

_dumps = json.dumps
_write = os.write
_close = os.close

CALLBACK_ATTRS = (
    "monitor", "patience", "min_delta", "restore_best_weights", "mode", "baseline", "start_from_epoch",
    "save_best_only", "save_weights_only", "filepath", "save_freq", "factor", "min_lr", "cooldown",
    "initial_value_threshold",
)
# Written to stderr just before the exercise's starter and the student's code run: a run that ends badly
# without it never reached the student's code (grader/engine/sandbox/job.py STARTED), and the student cannot
# take back what was written before their code began.
STARTED = b"grader: the student's code starts\n"
_HERE = os.path.dirname(os.path.abspath(__file__))


def _sibling(name):
    """Load `name`.py from beside this file (as a fresh script, this directory is not on sys.path)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(_HERE, name + ".py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


coursefiles = _sibling("coursefiles")
courseenv = _sibling("courseenv")
courseapi = _sibling("courseapi")
coursestubs = _sibling("coursestubs")
coursetypos = _sibling("coursetypos")
coursecompat = _sibling("coursecompat")
courseimports = _sibling("courseimports")
coursemodels = _sibling("coursemodels")
SUBMISSION = courseenv.SUBMISSION


def set_limits(limits):
    """Lower this process's limits before any student code runs (soft = hard, so they cannot be raised, but for
    CPU time)."""
    mb = 1024 * 1024
    pairs = {
        resource.RLIMIT_AS: limits["memory_mb"] * mb,
        resource.RLIMIT_CPU: limits["cpu_s"],
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_FSIZE: limits.get("file_mb", 64) * mb,
        resource.RLIMIT_NOFILE: 256,
    }
    if limits.get("nproc"):  # counts every process of this uid: only set when the sandbox gives us our own uid
        pairs[resource.RLIMIT_NPROC] = limits["nproc"]
    for which, value in pairs.items():
        # CPU time: the soft limit's SIGXCPU says which limit ended the run; with soft = hard the kernel sends
        # SIGKILL instead, which looks like a process killed from outside. Raising soft gains 2 s at most.
        resource.setrlimit(which, (value, value + 2) if which == resource.RLIMIT_CPU else (value, value))


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


class Snapshot:
    """What student code could patch to misreport its model: Keras classes, serialisation helpers,
    json/numpy/builtins and this harness's own globals. Restored before anything is extracted."""

    def __init__(self, keras, modules):
        import keras.src.models.functional as functional

        self.classes: dict = {}
        roots = [keras.Model, keras.Sequential, functional.Functional, keras.layers.Layer, keras.callbacks.Callback,
                 keras.optimizers.Optimizer, keras.losses.Loss, keras.metrics.Metric, keras.Variable]
        for module in (keras.layers, keras.callbacks, keras.optimizers, keras.losses, keras.metrics,
                       keras.regularizers, keras.initializers):
            roots += [obj for obj in vars(module).values() if isinstance(obj, type)]
        for root in roots:
            for cls in root.__mro__:
                if cls is not object and cls not in self.classes:
                    self.classes[cls] = dict(vars(cls))
        self.modules = {module: dict(vars(module)) for module in modules}
        self.sys_modules = dict(sys.modules)

    def restore(self):
        """Put every saved attribute back and drop attributes added since (best effort per attribute)."""
        sys.settrace(None)
        sys.setprofile(None)
        for name, module in self.sys_modules.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module
        for module, saved in self.modules.items():
            current = vars(module)
            for name in [n for n in current if n not in saved]:
                del current[name]
            for name, value in saved.items():
                if current.get(name) is not value:
                    current[name] = value
        for cls, saved in self.classes.items():
            current = vars(cls)
            for name in [n for n in current if n not in saved]:
                with contextlib.suppress(AttributeError, TypeError):
                    delattr(cls, name)
            for name, value in saved.items():
                if current.get(name) is not value:
                    with contextlib.suppress(AttributeError, TypeError):
                        setattr(cls, name, value)


def compile_cells(code, spans):
    """A notebook's code cells, each compiled alone at its own lines of the joined `code` (so line numbers
    match), from `spans` [(first_line, last_line), ...], with the names each assigns; None for a script, or
    when a cell does not compile on its own (then the notebook runs as one program, as before)."""
    if not spans:
        return None
    import ast

    lines = code.split("\n")
    compiled = []
    try:
        for first, last in spans:
            text = "\n" * (first - 1) + "\n".join(lines[first - 1:last]) + "\n"
            tree = ast.parse(text, SUBMISSION, "exec")
            assigned = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)
                        and isinstance(node.ctx, ast.Store)}
            compiled.append((compile(tree, SUBMISSION, "exec", dont_inherit=True), assigned))
    except (SyntaxError, ValueError, TypeError, OverflowError, RecursionError, MemoryError):
        return None
    return compiled


def student_error(exc):
    """Type, message and the line in the student's own code where `exc` was raised."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == SUBMISSION:
            line = frame.lineno
    message = f"exit({exc.code!r})" if isinstance(exc, SystemExit) else str(exc)
    if len(message) > 2000:  # Keras says what matters last ("..., received input with shape (None, 64)")
        message = message[:800] + " … " + message[-1200:]
    missing = getattr(exc, "course_missing", None) if isinstance(exc, FileNotFoundError) else None
    if isinstance(missing, str):
        courseenv.note("missing_file", file=missing)
    download = getattr(exc, "course_download", None) if isinstance(exc, OSError) else None
    if isinstance(download, str):
        courseenv.note("no_network", file=download)
    blank = getattr(exc, "name", None) if isinstance(exc, NameError) else None
    if isinstance(blank, str) and len(blank) >= 3 and set(blank) == {"_"}:
        message = (f"quedó un espacio en blanco `{blank}` sin completar: sustitúyelo por tu código / "
                   f"a `{blank}` blank was left unfilled: replace it with your code")
    return {"type": type(exc).__name__, "message": message, "line": line}


def describe_variable(name, value, keras):
    """The JSON facts of one graded variable."""
    if isinstance(value, keras.Model):
        out = {"kind": "model", "config": json.loads(value.to_json()), "built": bool(value.built),
               "weight_shapes": [[int(d) for d in w.shape] for w in value.weights] if value.built else []}
        if getattr(value, "compiled", False):
            out["compile_config"] = json.loads(_dumps(value.get_compile_config(), default=repr))
        return out
    if isinstance(value, keras.callbacks.Callback):
        return callback_facts(value)
    try:
        return {"kind": "value", "value": plain(value)}
    except (TypeError, ValueError) as exc:
        return {"kind": "unsupported", "type": type(value).__name__, "reason": str(exc)}


def write_beside(files, work_dir):
    """The data files of the student's folder, read-only in the working folder at their relative paths (as in
    the student's folder); the course environment also finds them by name wherever the code looked."""
    import base64

    found = {}
    for rel, encoded in files.items():
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        if not parts or ".." in parts or os.path.isabs(rel):
            continue
        path = os.path.join(work_dir, *parts)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(encoded))
        os.chmod(path, 0o444)
        found[courseenv.files().normalised(parts[-1])] = path
    courseenv.STUDENT_FILES.clear()
    courseenv.STUDENT_FILES.update(found)


def env_notes():
    """This job's notes of the course environment, as plain data (empty if the student broke them)."""
    try:
        return plain(courseenv.NOTES[:courseenv.MAX_NOTES])
    except Exception:
        return []


_FRAMEWORKS: list = []


def import_frameworks():
    """numpy and Keras with single-threaded TensorFlow pools, imported once per process.

    No TensorFlow op runs here, so a warm zygote may fork after calling it (TF hangs in a child forked
    after any op ran in the parent).
    """
    if not _FRAMEWORKS:
        import numpy as np
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        import keras  # Keras 3 itself: tf.keras exposes the same classes but not every submodule

        courseenv.install_datasets(sys.modules)
        courseenv.install_files(np)
        courseenv.install_downloads(sys.modules)
        coursecompat.install()
        coursestubs.patch_numpy(np)
        courseapi.patch_keras(keras)
        coursetypos.install(keras)
        _FRAMEWORKS.extend([np, keras])
    return _FRAMEWORKS[0], _FRAMEWORKS[1]


def run_job(job, job_dir, work_dir, result_fd):
    """Run the student's code of `job` (data files under `job_dir`) in `work_dir`; report on `result_fd`."""
    set_limits(job["limits"])
    np, keras = import_frameworks()
    keras.utils.set_random_seed(0)
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "get_ipython": coursecompat.get_ipython}
    for name, rel in job["data"].items():
        namespace[name] = np.load(os.path.join(job_dir, rel), allow_pickle=False)
    fit_calls: list = []
    made_callbacks: list = []
    courseenv.begin_job()
    install_fit_recorder(keras, fit_calls, job["fit"])
    install_callback_recorder(keras, made_callbacks)
    courseapi.cap_inference(keras, job["fit"]["max_rows"])
    os.chdir(work_dir)
    write_beside(job.get("beside") or {}, work_dir)
    import builtins
    import threading

    snapshot = Snapshot(keras, [builtins, json, np, keras.saving, sys.modules[__name__]])

    error = None
    starter = {}
    supplied: dict = {}
    starter_models: set = set()
    cells = compile_cells(job["code"], job.get("cells"))
    unfinished: set = set()  # for a notebook: the names assigned in the cells that raised
    os.write(2, STARTED)
    try:
        exec(compile(job["starter_code"], "<starter>", "exec", dont_inherit=True), namespace)
        starter = {name: namespace[name] for name in job["grade"] if name in namespace}
        starter_models = {id(value) for value in namespace.values() if issubclass(type(value), keras.Model)}
        supplied = courseimports.supply(namespace, job["code"])
        if cells is None:
            exec(compile(job["code"], SUBMISSION, "exec", dont_inherit=True), namespace)
        for index, (cell, assigned) in enumerate(cells or ()):
            try:
                try:
                    exec(cell, namespace)
                except NameError as exc:
                    if not coursemodels.exercise_input_shape(exc, unfinished, namespace):
                        raise
                    exec(cell, namespace)  # the model cell again, with the exercise's input shape
            except Exception as exc:  # a notebook goes on with its next cell, as Jupyter's "run all" with errors
                unfinished |= assigned
                if error is None:
                    error = student_error(exc)
                    error["continued"] = index + 1 < len(cells or ())  # False: nothing came after it
    except BaseException as exc:  # SystemExit and KeyboardInterrupt too: grade what exists, fail closed later
        if error is None:
            error = student_error(exc)
        else:
            error["continued"] = False
    built = coursemodels.built_by_function(job["grade"], namespace, keras, fit_calls)
    snapshot.restore()
    courseimports.report(namespace, supplied)
    if threading.active_count() > 1:
        # A thread of the student's could keep patching while we read the model: refuse to read it.
        error = {"type": "ThreadsLeftRunning", "line": None,
                 "message": f"{threading.active_count() - 1} hilo(s) del estudiante seguían en ejecución"}
        job["grade"] = []

    # Which names the error may have kept from being (re)defined: every name after a script's error; in a
    # notebook, whose later cells still ran, only the names the cells that raised assign.
    if error is None:
        stopped = set()
    elif cells is None or not error.get("continued"):
        stopped = set(job["grade"])
    else:
        stopped = unfinished & set(job["grade"])
    graded = coursemodels.graded_objects(job["grade"], namespace, starter, stopped, keras, starter_models,
                                         fit_calls, built)
    variables: dict = {}
    for name in job["grade"]:
        if name not in graded:
            variables[name] = {"kind": "missing"}
            if name in starter and namespace.get(name) is starter[name] and name in stopped:
                variables[name]["stopped"] = True
            elif cells is not None and error is not None and error.get("continued"):
                variables[name]["stopped"] = name in stopped  # False: every cell ran, none defined it
            continue
        try:
            variables[name] = describe_variable(name, graded[name], keras)
        except BaseException as exc:
            variables[name] = {"kind": "unsupported", "type": type(graded[name]).__name__,
                               "reason": f"{type(exc).__name__}: {str(exc)[:500]}"}
    calls = []
    for call in fit_calls:
        model = call.pop("model")
        call.pop("function")
        call["model_variable"] = next((n for n in job["grade"] if graded.get(n) is model), None)
        calls.append(call)
    payload = {"complete": True, "variables": variables, "fit_calls": calls, "student_error": error,
               "env_notes": env_notes(), "callbacks": [callback_facts(cb) for cb in made_callbacks]}
    data = _dumps(payload).encode("utf-8")
    view = memoryview(data)
    while view:
        view = view[_write(result_fd, view):]
    _close(result_fd)


def main():
    """Run the job in argv (JOB_DIR WORK_DIR RESULT_FD) and write its JSON report to RESULT_FD."""
    job_dir, work_dir, result_fd = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(os.path.join(job_dir, "job.json"), encoding="utf-8") as fh:
        job = json.load(fh)
    run_job(job, job_dir, work_dir, result_fd)


if __name__ == "__main__":
    main()
