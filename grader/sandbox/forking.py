"""Forking one served child from a process that imported TensorFlow once: the students' warm zygote
(grader/sandbox/zygote.py) and the trusted evaluators' template (grader/evaluator.py).

Imports nothing from the grader package: it is mounted next to zygote.py inside the students' sandbox.
"""

import contextlib
import os
import sys

INTERNAL_FAILURE = 70


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
