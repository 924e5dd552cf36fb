"""The usual way of autograding, for comparison: ONE fresh Python per submission that imports
TensorFlow, runs the student's code in the same process, then inspects, trains and checks the model.

Usage: python bench/fresh_process_grade.py EXERCISE_ID FILE  -> prints one JSON line (score, max_score).
This is what the benchmark's baseline measures; never use it for real grading (no sandbox at all).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

started = time.monotonic()
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
import keras  # noqa: E402

from grader.core.scoring import score  # noqa: E402
from grader.core.sources import SubmissionError, load_source  # noqa: E402
from grader.core.specs import load_catalog  # noqa: E402
from grader.engine.datasets import load_dataset  # noqa: E402
from grader.engine.evaluator.process import EvalRequest, evaluate  # noqa: E402
from grader.engine.sandbox import harness  # noqa: E402


def main() -> None:
    """Grade one file the slow way and print its score."""
    spec = load_catalog().get(sys.argv[1])
    path = Path(sys.argv[2])
    try:
        source = load_source(filename=path.name, data=path.read_bytes())
    except SubmissionError:
        print(json.dumps({"file": path.name, "status": "error", "seconds": time.monotonic() - started}))
        return
    namespace: dict[str, object] = dict(load_dataset(spec.starter.data).arrays) if spec.starter.data else {}
    fit_calls: list[dict[str, object]] = []
    harness.recorders.install_fit_recorder(keras, fit_calls, {"max_rows": 256, "max_epochs": 1})
    with contextlib.suppress(Exception):
        exec(compile(spec.starter.code + "\n" + source.code, path.name, "exec"), namespace)
    variables = {}
    for name in spec.grade:
        variables[name] = (harness.describe_variable(name, namespace[name], keras) if name in namespace
                           else {"kind": "missing"})
    for call in fit_calls:
        model = call.pop("model")
        call.pop("function", None)  # the harness's own (which function called fit), not part of the report
        call["model_variable"] = next((n for n in spec.grade if namespace.get(n) is model), None)
    payload = {"complete": True, "variables": variables, "fit_calls": fit_calls, "student_error": None}
    evidence = evaluate(EvalRequest(grade=list(spec.grade), payload=payload, training=spec.training))
    result = score(spec, evidence, student=path.stem)
    print(json.dumps({"file": path.name, "status": result.status, "score": result.score,
                      "max_score": result.max_score, "seconds": round(time.monotonic() - started, 3)}))


if __name__ == "__main__":
    main()
