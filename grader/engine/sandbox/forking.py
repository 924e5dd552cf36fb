"""Forking one served child from a process that imported TensorFlow once: the students' warm zygote
(grader/engine/sandbox/zygote.py) and the trusted evaluators' template (grader/engine/evaluator/process.py);
and loading such once-only imports with the garbage collector out of the way (also used by the `grader` command).

Imports nothing from the grader package: it is mounted next to zygote.py inside the students' sandbox.
"""

import contextlib
import gc
import os
import sys

INTERNAL_FAILURE = 70


@contextlib.contextmanager
def frozen_imports():
    """For the imports a process makes once and keeps, at its start: no garbage collection while they run,
    then every object tracked so far (theirs, and the little the process made before) is moved to the
    collector's permanent generation (`gc.freeze`).

    Importing TensorFlow and Keras creates about a million tracked objects, and the automatic full
    collections over them took a quarter of the import's CPU. Frozen, they are also never traversed again:
    not by a forked child's collections, which would otherwise write to (and so copy) every page holding
    them, and not by the collections of the interpreter's shutdown (the `grader` command, grader/cli/entry.py)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def fork_child(run):
    """Fork; the parent gets the child's pid. The child calls `run()` and exits 0, or, when `run` raises,
    says so on its stderr and exits INTERNAL_FAILURE: it never returns into the parent's loop."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid != 0:
        return pid
    code = INTERNAL_FAILURE
    try:
        run()
        code = 0
    except BaseException as exc:
        with contextlib.suppress(Exception):
            os.write(2, f"forked child failed: {type(exc).__name__}: {exc}\n".encode())
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
