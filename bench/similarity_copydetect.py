"""The labelled set (tests/similarity/) through copydetect at its default thresholds, beside `grader
similarity`, for docs/similarity.md. copydetect is not a dependency: `pip install copydetect` first.

copydetect reads source files, not notebooks, so each hand-in is given to it as its code cells joined
(Colab `!`/`%` lines blanked), as a teacher would export them, and an answers file as its answers in a .txt
file; its boilerplate is the same material our check discounts (starter, solutions, statement snippets,
templates), exported the same way.
    .venv/bin/python bench/similarity_copydetect.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the labelled set lives under tests/

from copydetect import CopyDetector

from grader.batch.similarity import similarity_report
from grader.core.similarity import Document, read_document
from grader.core.similarity.boilerplate import exercise_documents
from grader.core.similarity.normalize import code_of
from grader.core.specs.loader import load_catalog
from tests.similarity.labelled import build, figures


def _export(doc: Document, folder: Path, stem: str) -> None:
    """Code as a .py file; an answers file's answers as a .txt file (copydetect compares it as plain text)."""
    if doc.answers:
        text = "\n\n".join(f"{question}: {answer}" for question, answer in doc.answers)
        (folder / f"{stem}.txt").write_text(text + "\n", encoding="utf-8")
    elif doc.code_cells:
        code = "\n\n".join(code_of(cell.source) for _, cell in doc.code_cells)
        (folder / f"{stem}.py").write_text(code + "\n", encoding="utf-8")


def _copydetect(folder: Path, boilerplate: Path | None) -> set[frozenset[str]]:
    # Its token filter turns plain text into nothing (two identical .txt files score 0): prose is compared
    # unfiltered, character by character, the one setting under which copydetect can see copied answers.
    prose = any(folder.glob("*.txt"))
    detector = CopyDetector(test_dirs=[str(folder)], boilerplate_dirs=[str(boilerplate)] if boilerplate else [],
                            extensions=["py", "txt"], autoopen=False, silent=True, disable_filtering=prose)
    detector.run()
    return {frozenset(Path(name).stem for name in entry[2:4]) for entry in detector.get_copied_code_list()}


def main() -> None:
    catalog = load_catalog()
    root = Path(tempfile.mkdtemp())
    copied = build(root / "set")
    students = {exercise: [path.stem for path in (root / "set" / exercise).iterdir()] for exercise in copied}
    ours: dict[str, set[frozenset[str]]] = {}
    theirs: dict[str, set[frozenset[str]]] = {}
    bare: dict[str, set[frozenset[str]]] = {}
    for exercise in copied:
        report = similarity_report(catalog=catalog, exercise_id=exercise, paths=[root / "set" / exercise])
        ours[exercise] = {frozenset((flag.a, flag.b)) for flag in report.flags}
        code, given = root / "code" / exercise, root / "boilerplate" / exercise
        code.mkdir(parents=True)
        given.mkdir(parents=True)
        spec = catalog.get(exercise)
        for path in (root / "set" / exercise).iterdir():
            _export(read_document(name=path.stem, filename=path.name, data=path.read_bytes(), spec=spec), code,
                    path.stem)
        for index, doc in enumerate(exercise_documents(spec=spec, exercises_dir=catalog.directory)):
            _export(doc, given, f"given{index}")
        theirs[exercise] = _copydetect(code, given)
        bare[exercise] = _copydetect(code, None)
    for label, flagged in (("grader similarity (threshold 0.6)", ours),
                           ("copydetect defaults, with boilerplate", theirs),
                           ("copydetect defaults, without boilerplate", bare)):
        print(f"{label}: {figures(copied, flagged, students)}")
        for exercise in copied:
            print(f"    {exercise}: {figures(copied, flagged, {exercise: students[exercise]})}")


if __name__ == "__main__":
    main()
