"""Exercise specs: YAML files in `exercises/`, validated by pydantic models."""

from grader.core.specs.loader import SpecError, load_catalog, load_spec
from grader.core.specs.models import CheckSpec, ExerciseSpec, TrainingSpec

__all__ = ["CheckSpec", "ExerciseSpec", "SpecError", "TrainingSpec", "load_catalog", "load_spec"]
