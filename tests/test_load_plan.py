"""The load test's class (bench/load_submissions.py) is what it claims: distinct, varied, one in ten hostile.

No TensorFlow here: what each submission scores is the load test's own check against the running service.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from grader.core.sources import SubmissionError, load_source, read_code

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.load_submissions import HOSTILE, plan


def test_every_submission_is_different_bytes_and_the_plan_is_repeatable() -> None:
    planned = plan(400)
    assert len({item.source for item in planned}) == 400
    assert planned == plan(400) and planned != plan(400, seed=1)


def test_the_mix_has_every_kind_and_one_in_ten_hostile_from_the_attack_tests() -> None:
    planned = plan(400)
    kinds = Counter(item.kind.split(":")[0] for item in planned)
    assert set(kinds) == {"right-script", "right-notebook", "wrong-script", "wrong-notebook", "error-script",
                          "hostile"}
    assert kinds["hostile"] == 40 and all(item.hostile == item.kind.startswith("hostile") for item in planned)
    attacks = {item.kind.split(":")[1] for item in planned if item.hostile}
    assert attacks == {Path(name).stem for name in HOSTILE}
    assert {"fork_bomb", "memory_bomb", "infinite_loop", "fake_result"} <= attacks
    assert all(item.filename.endswith(".ipynb") == item.kind.endswith("notebook") for item in planned)


def test_a_small_run_still_includes_the_named_attacks() -> None:
    hostile = [item.kind for item in plan(40) if item.hostile]
    assert hostile == ["hostile:fork_bomb", "hostile:memory_bomb", "hostile:infinite_loop", "hostile:fake_result"]


@pytest.mark.parametrize("kind", ["right", "wrong"])
def test_right_and_wrong_answers_load_as_the_grader_reads_them(kind: str) -> None:
    answers = [item for item in plan(400) if item.kind.startswith(kind)]
    right = (("16", "relu"), ("16", "relu"), ("3", "relu"), ("2", "softmax"))
    architectures = set()
    for item in answers:
        source = load_source(filename=item.filename, data=item.source.encode())  # notebooks too
        assert "keras.Sequential" in source.code
        architectures.add(tuple(re.findall(r"Dense\((\d+), activation=[\"'](\w+)[\"']\)", source.code)))
    if kind == "right":
        assert architectures == {right}
    else:  # many distinct architectures, none of them the right one
        assert len(architectures) > 50 and right not in architectures


def test_some_failing_code_is_refused_before_it_runs_and_some_fails_when_it_runs() -> None:
    """The load test posts through the web's API, whose intake refuses a file that cannot run as written."""
    refused = ran = 0
    for item in plan(400):
        if item.kind != "error-script":
            continue
        try:
            read_code(filename=item.filename, data=item.source.encode(), read_past=False)
            ran += 1
        except SubmissionError:
            refused += 1
    assert refused > 0 and ran > refused
