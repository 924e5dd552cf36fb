"""`grader exercises validate` for the whole catalog, one test per exercise: each reference solution scores
100%, and each known-wrong example fails exactly the checks it names, with the expected message."""

from __future__ import annotations

import pytest

from grader.batch.validate import validate_catalog
from grader.core.specs import load_catalog
from grader.engine.grader import Grader

EXERCISES = sorted(load_catalog().specs)


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_reference_examples_behave_as_the_spec_says(grader_nodb: Grader, exercise_id: str) -> None:
    verdicts = validate_catalog(grader=grader_nodb, only=[exercise_id])
    spec = grader_nodb.catalog.get(exercise_id)
    assert len(verdicts) == 1 + len(spec.reference.wrong)
    failures = [f"{v.file}: {v.detail}" for v in verdicts if not v.ok]
    assert not failures, "\n".join(failures)
