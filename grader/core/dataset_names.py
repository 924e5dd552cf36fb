"""The names of the data sets an exercise may train on or hand to the student (grader/engine/datasets.py
builds them). Specs are validated against these names without loading numpy, scikit-learn or TensorFlow."""

from __future__ import annotations

DATASET_NAMES = ("bars-5x5", "binary-15", "breast-cancer", "digits", "fashion_mnist", "linear-3", "ring-2",
                 "squares-16", "wine")


def known_datasets() -> list[str]:
    """Names of every data set, sorted."""
    return sorted(DATASET_NAMES)
