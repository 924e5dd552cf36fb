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
import json
import os
import resource
import sys
import traceback

_dumps = json.dumps
_write = os.write
_close = os.close

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
coursedatasets = _sibling("coursedatasets")
courseenv = _sibling("courseenv")
courseapi = _sibling("courseapi")
coursestubs = _sibling("coursestubs")
coursetypos = _sibling("coursetypos")
coursecompat = _sibling("coursecompat")
courseimports = _sibling("courseimports")
coursemodels = _sibling("coursemodels")
recorders = _sibling("recorders")
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
        return recorders.callback_facts(value)
    try:
        return {"kind": "value", "value": recorders.plain(value)}
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
        return recorders.plain(courseenv.NOTES[:courseenv.MAX_NOTES])
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
    recorders.install_fit_recorder(keras, fit_calls, job["fit"])
    recorders.install_callback_recorder(keras, made_callbacks)
    courseapi.cap_inference(keras, job["fit"]["max_rows"])
    os.chdir(work_dir)
    write_beside(job.get("beside") or {}, work_dir)
    import builtins
    import threading

    snapshot = Snapshot(keras, [builtins, json, np, keras.saving, sys.modules[__name__], recorders])

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
               "env_notes": env_notes(), "callbacks": [recorders.callback_facts(cb) for cb in made_callbacks]}
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
