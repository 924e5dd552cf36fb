"""Data files beside a submission: what of a student's folder (a cloned repository, an unzipped notebook with
its CSV) the code may read, as when the teacher runs the notebook in that folder.

The same kinds and caps hold however the folder arrives: a folder given to `grader grade`, or a .zip sent to
the web page or the API. They bound what a submission ships to the sandbox, so no one hands in a data lake.
"""

from __future__ import annotations

from pathlib import PurePosixPath

# Kinds of data a student's code reads with pandas, numpy or json. A .json alone in a folder is a quiz's answers
# file; beside a notebook or a script it is data that code reads (a config, a saved history).
DATA_EXTENSIONS = (".csv", ".tsv", ".txt", ".data", ".npy", ".npz", ".dat", ".json")
MAX_BESIDE_FILES, MAX_BESIDE_FILE_BYTES, MAX_BESIDE_BYTES = 40, 8 * 2**20, 24 * 2**20


def is_data_kind(name: str) -> bool:
    """Whether a file name is data the code may read: a known kind, not hidden."""
    return PurePosixPath(name).suffix.lower() in DATA_EXTENSIONS and not name.startswith(".")


def is_data_file(name: str, size: int) -> bool:
    """Whether a file beside a submission is data its code may read: a known kind, not hidden, within the cap."""
    return is_data_kind(name) and size <= MAX_BESIDE_FILE_BYTES
