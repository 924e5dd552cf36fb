"""Warm workers: the same results as fresh processes, isolation per job, recovery from bad jobs."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.core.results import GradeResult
from grader.engine.grader import Grader
from grader.engine.sandbox.isolation import make_isolation
from grader.engine.sandbox.job import Job, RunLimits
from grader.engine.sandbox.warm import WarmRunner

SAMPLES = Path(__file__).resolve().parents[1] / "exercises" / "samples" / "lab-add-hidden-16"
CHOSEN = ["ana.py", "bruno.py", "carla.ipynb", "diego.py", "fabian.py", "hector.py", "quique.py", "rosa.py"]


def _comparable(result: GradeResult) -> tuple[object, ...]:
    """Everything a student or teacher reads, nothing that depends on timing."""
    return (result.status, result.score, result.max_score, result.error,
            [(c.id, c.passed, c.points, c.message, c.hint) for c in result.checks], result.notes)


def test_warm_results_are_identical_to_fresh_processes(grader_nodb: Grader) -> None:
    """Both kinds of zygote: Keras imported as a fresh process does, and a batch's lean one (Keras' extras
    deferred, nothing preloaded) where luis's plot loads matplotlib in his own child."""
    assert grader_nodb.warm is not None, "the default grader uses warm workers"
    spec = grader_nodb.catalog.get("lab-add-hidden-16")
    with Grader(workers=2, warm=False, catalog=grader_nodb.catalog) as cold, \
            Grader(workers=1, preload=(), catalog=grader_nodb.catalog) as lean:
        assert cold.warm is None and lean.warm is not None and lean.warm.workers[0].preload == ()
        for name in [*CHOSEN, "luis.py"]:
            data = (SAMPLES / name).read_bytes()
            cold_result = _comparable(cold.grade_bytes(spec=spec, filename=name, data=data, student="s"))
            for warm in (grader_nodb, lean):
                assert _comparable(warm.grade_bytes(spec=spec, filename=name, data=data, student="s")) \
                    == cold_result, name


@pytest.fixture(scope="module")
def runner() -> WarmRunner:
    warm = WarmRunner(1, isolation=make_isolation())
    yield warm
    warm.close()


def _job(code: str, *, timeout_s: float = 60) -> Job:
    return Job(code=code, starter_code="", grade=["value"], data={}, limits=RunLimits(timeout_s=timeout_s))


EXTRAS_JOB = """import sys
loaded = sorted(name for name in ("sklearn", "matplotlib", "matplotlib.pyplot") if name in sys.modules)
from tensorflow import keras
import matplotlib.pyplot as plt
import sklearn.base
from keras.src.visualization import plot_image_gallery
value = [loaded, issubclass(keras.wrappers.SKLearnClassifier, sklearn.base.BaseEstimator),
         plot_image_gallery.plt is plt, keras.visualization.plot_image_gallery.__module__]
"""


@pytest.mark.parametrize(("preload", "loaded"), [
    (None, ["matplotlib", "matplotlib.pyplot", "sklearn"]),
    ((), []),
    (("matplotlib.pyplot",), ["matplotlib", "matplotlib.pyplot"]),
])
def test_a_lean_zygote_defers_keras_extras_which_still_work_when_used(
        preload: tuple[str, ...] | None, loaded: list[str]) -> None:
    """What the zygote imported before the student's code, and Keras' scikit-learn wrappers and gallery
    plots working in every case once the student imports those libraries (as in a fresh process)."""
    warm = WarmRunner(1, isolation=make_isolation(), preload=preload)
    try:
        run = warm.run(_job(EXTRAS_JOB))
    finally:
        warm.close()
    assert run.ok, run.error
    assert run.payload["variables"]["value"]["value"] == [
        loaded, True, True, "keras.src.visualization.plot_image_gallery"]


def test_jobs_cannot_see_each_others_files_and_share_one_zygote(runner: WarmRunner) -> None:
    first = runner.run(_job("import os\nopen('secret.txt', 'w').write('ana')\nvalue = sorted(os.listdir('.'))"))
    assert first.ok and first.payload["variables"]["value"]["value"] == [".job", "secret.txt"]
    second = runner.run(_job("import os\nvalue = sorted(os.listdir('.'))"))
    assert second.ok and second.payload["variables"]["value"]["value"] == [".job"]
    assert runner.workers[0].starts == 1, "both jobs ran in children of the same warm zygote"


def test_a_child_inherits_the_frameworks_frozen_and_collects_its_own_garbage(runner: WarmRunner) -> None:
    """The zygote froze what its imports made (so a child's collections never traverse, and copy, those
    pages), while the student's code still runs with a working garbage collector."""
    code = ("import gc, keras\n"
            "class Node:\n    pass\n"
            "a, b = Node(), Node()\n"
            "a.other, b.other = b, a\n"
            "del a, b\n"
            "value = [gc.isenabled(), gc.get_freeze_count() > 100_000, gc.collect() >= 2,\n"
            "         any(o is keras.layers.Dense for o in gc.get_objects())]")
    run = runner.run(_job(code))
    assert run.ok, run.error
    assert run.payload["variables"]["value"]["value"] == [True, True, True, False]


def test_a_stuck_job_kills_only_its_worker_which_restarts(runner: WarmRunner) -> None:
    stuck = runner.run(_job("while True:\n    pass\n", timeout_s=5))
    assert not stuck.ok and "tiempo límite de 5 s" in stuck.error.es
    starts = runner.workers[0].starts
    after = runner.run(_job("value = 41 + 1"))
    assert after.ok and after.payload["variables"]["value"]["value"] == 42
    assert runner.workers[0].starts == starts + 1


def test_killing_the_zygote_fails_that_job_only(runner: WarmRunner) -> None:
    killer = runner.run(_job("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nvalue = 1"))
    assert not killer.ok and killer.worker_lost  # the pipeline then retries it in a fresh process
    again = runner.run(_job("value = 'ok'"))
    assert again.payload["variables"]["value"]["value"] == "ok" and not again.worker_lost
    limited = runner.run(_job("while True:\n    pass\n", timeout_s=3))
    assert not limited.ok and not limited.worker_lost  # our own limits are not losses: never retried


def test_a_process_left_behind_cannot_harm_the_next_job(runner: WarmRunner) -> None:
    lingering = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(1.0)  # until its own job is over, then: every newer process (the next jobs)\n"
        "        deadline = time.time() + 60\n"
        "        while time.time() < deadline:\n"
        "            for pid in os.listdir('/proc'):\n"
        "                if pid.isdigit() and int(pid) > os.getpid():\n"
        "                    try:\n"
        "                        os.kill(int(pid), 9)\n"
        "                    except OSError:\n"
        "                        pass\n"
        "            time.sleep(0.05)\n"
        "    os._exit(0)\n"
        "value = 'left a killer behind'\n"
    )
    assert runner.run(_job(lingering)).ok
    for i in range(3):
        after = runner.run(_job(f"import time\ntime.sleep(0.5)\nvalue = {i}"))
        assert after.ok and after.payload["variables"]["value"]["value"] == i


def test_started_workers_launch_at_once_and_serve_the_first_job(grader_nodb: Grader) -> None:
    spec = grader_nodb.catalog.get("lab-add-hidden-16")
    solution = SAMPLES.parents[1] / "solutions" / "lab-add-hidden-16" / "solution.py"
    with Grader(workers=2, start=1, catalog=grader_nodb.catalog) as grader:
        assert grader.warm is not None
        # Launched before any job (importing TensorFlow in the background); the second waits for its first job.
        assert grader.warm.workers[0].pid is not None and grader.warm.workers[1].pid is None
        assert grader.evaluators.template.pid is not None  # the evaluators' template, forked from later
        result = grader.grade_bytes(spec=spec, filename="solution.py", data=solution.read_bytes(), student="s")
        assert (result.status, result.score) == ("graded", spec.max_score)
        assert grader.warm.workers[0].starts == 1 and grader.warm.workers[0].jobs == 1  # the same zygote
        assert grader.evaluators.template.launches == 1
