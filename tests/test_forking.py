"""Imports made once and kept (before forking, or by the `grader` command): the imported objects are frozen
out of the garbage collector's reach, and the collector is left as it was found."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(code: str) -> str:
    """Run `code` in a fresh interpreter (freezing objects is process-wide) and return its stdout."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=REPO, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_objects_made_inside_are_frozen_and_no_collection_runs_meanwhile() -> None:
    out = _run("""
        import gc
        from grader.engine.sandbox.forking import frozen_imports

        collections = []
        gc.callbacks.append(lambda phase, info: collections.append(phase))
        before = gc.get_freeze_count()
        with frozen_imports():
            inside = gc.isenabled()
            made = [[i] for i in range(300_000)]  # many times the threshold of an automatic collection
        print(inside, collections == [], gc.get_freeze_count() - before >= 300_000,
              any(o is made for o in gc.get_objects()), gc.isenabled())
    """)
    # Disabled inside, no collection ran, the new objects left the collected generations, enabled again.
    assert out == "False True True False True"


def test_the_collector_is_restored_as_found_even_after_an_error() -> None:
    out = _run("""
        import gc
        from grader.engine.sandbox.forking import frozen_imports

        gc.disable()
        with frozen_imports():
            pass
        still_off = not gc.isenabled()
        gc.enable()
        try:
            with frozen_imports():
                raise ImportError("broken extra")
        except ImportError:
            pass
        print(still_off, gc.isenabled())
    """)
    assert out == "True True"


def test_the_evaluators_template_freezes_what_tensorflow_loaded() -> None:
    out = _run("""
        import gc
        from grader.engine.evaluator.process import load_frameworks

        load_frameworks()
        import keras
        print(gc.get_freeze_count() > 100_000, gc.isenabled(),
              any(o is keras.layers.Dense for o in gc.get_objects()))
    """)
    assert out == "True True False"


def test_the_grader_command_runs_the_cli_with_its_modules_frozen() -> None:
    out = _run("""
        import atexit, gc, sys
        import click

        def report():
            from grader.cli.main import main
            print(gc.get_freeze_count() > 50_000, gc.isenabled(), any(o is main for o in gc.get_objects()))

        atexit.register(report)
        sys.argv = ["grader", "exercises", "list"]
        from grader.cli.entry import main
        main()
    """)
    listing, frozen = out.rsplit("\n", 1)
    assert "lab-add-hidden-16" in listing  # the command itself ran
    assert frozen == "True True False"
    installed = importlib.metadata.entry_points(group="console_scripts", name="grader")
    assert [script.value for script in installed] == ["grader.cli.entry:main"]  # what `grader` really runs
