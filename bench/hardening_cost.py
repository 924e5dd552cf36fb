"""What the system-call filter and the report boundary cost (issue 26): warm gradings of the lab's solution with
and without the filter, interleaved on two one-worker graders so machine load hits both alike; and the
boundary's `read_report` against a bare `json.loads` of the same report. Run by grading_speed.py, or alone:
`.venv/bin/python bench/hardening_cost.py [--gradings N]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from grader.engine.grader import Grader
from grader.engine.sandbox import isolation
from grader.engine.sandbox.report import read_report

REPO = Path(__file__).resolve().parents[1]
SOLUTION = (REPO / "exercises" / "solutions" / "lab-add-hidden-16" / "solution.py").read_bytes()


def _unfiltered(command):  # type: ignore[no-untyped-def]
    """Isolation.command without the filter: no bash opening it, no --seccomp, no job filter for the zygote."""
    def build(self, argv, **kwargs):  # type: ignore[no-untyped-def]
        cmd = command(self, argv, **kwargs)
        start = cmd.index("/bin/bash")
        cmd[start:start + 4] = []
        at = cmd.index("--seccomp")
        cmd[at:at + 2] = []
        if isolation.JOB_FILTER in cmd:
            at = cmd.index(isolation.JOB_FILTER)
            cmd[at - 2:at + 1] = []
        return cmd
    return build


@contextmanager
def _grader(filtered: bool) -> Iterator[Grader]:
    if filtered:
        with Grader(workers=1, start=1) as grader:
            yield grader
        return
    with mock.patch.object(isolation.Isolation, "command", _unfiltered(isolation.Isolation.command)), \
            Grader(workers=1, start=1) as grader:
        yield grader


def _grade(grader: Grader) -> float:
    started = time.perf_counter()
    result = grader.grade_bytes(spec=grader.catalog.get("lab-add-hidden-16"), filename="s.py", data=SOLUTION,
                                student="s")
    assert result.score == result.max_score, result.error
    return time.perf_counter() - started


def filter_cost(gradings: int) -> tuple[float, float]:
    """Median seconds of a warm grading (filtered, unfiltered), interleaved, after one warm-up each."""
    with _grader(True) as filtered, _grader(False) as bare:
        _grade(filtered), _grade(bare)
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(gradings):
            times[True].append(_grade(filtered))
            times[False].append(_grade(bare))
    return statistics.median(times[True]), statistics.median(times[False])


def boundary_cost(rounds: int = 200) -> tuple[float, float, int]:
    """Microseconds per report for (read_report, json.loads) on a report like the lab's, and its size."""
    import keras

    model = keras.Sequential([keras.Input((5, 5)), keras.layers.Flatten(), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    raw = json.dumps({"complete": True, "variables": {"model": {
        "kind": "model", "config": json.loads(model.to_json()), "built": True,
        "weight_shapes": [list(w.shape) for w in model.weights], "compile_config": model.get_compile_config()}},
        "fit_calls": [{"epochs": 20, "batch_size": 32, "x_shape": [400, 5, 5]}], "student_error": None,
        "env_notes": []}, default=repr).encode()
    spent = []
    for parse in (read_report, json.loads):
        started = time.perf_counter()
        for _ in range(rounds):
            parse(raw)
        spent.append((time.perf_counter() - started) / rounds * 1e6)
    return spent[0], spent[1], len(raw)


def main() -> None:
    """Print both measurements."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--gradings", type=int, default=8)
    args = parser.parse_args()
    report(args.gradings)


def report(gradings: int = 8) -> None:
    """Measure and print what the filter and the boundary cost."""
    bounded, bare, size = boundary_cost()
    print(f"report boundary: {bounded:.0f} us per report ({size} bytes; json.loads alone {bare:.0f} us)")
    filtered, unfiltered = filter_cost(gradings)
    print(f"warm lab grading p50: {filtered:.2f} s with the seccomp filter, {unfiltered:.2f} s without "
          f"({(filtered - unfiltered) * 1000:+.0f} ms, {gradings} interleaved gradings each)")


if __name__ == "__main__":
    main()
