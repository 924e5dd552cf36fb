"""Similarity flags on a class of 200 Colab notebooks: must take under a minute on the 2-core machine.

The class is generated deterministically from the labelled set's Fashion-MNIST hand-ins: each student
gets three of them stitched together (about 25 cells), with their own hidden sizes, epochs, comments,
markdown, seeds, cell ids and training logs; students 0-9 are copied by students 190-199 (renamed,
outputs cleared). Run:
    .venv/bin/python bench/similarity_speed.py [students]
"""

from __future__ import annotations

import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the labelled set lives under tests/

from grader.batch.similarity import similarity_report
from grader.core.specs.loader import load_catalog
from tests.similarity.labelled import SET, cells_of, notebook

EXERCISE = "fashion-mnist-lab"
SOURCES = sorted((SET / EXERCISE).glob("*.py"))
COPIED = 10
UNITS = (32, 64, 100, 128, 256, 300, 512)  # the hidden sizes students pick


def _student(index: int) -> list[tuple[str, str]]:
    """Three hand-ins of the set, each with its numbers, names and comments varied by the student."""
    rng = random.Random(index)
    cells: list[tuple[str, str]] = []
    for source in rng.sample(SOURCES, 3):
        text = source.read_text(encoding="utf-8")
        text = re.sub(r"epochs=\d+", f"epochs={rng.randint(5, 40)}", text)
        text = re.sub(r"Dense\((?!10\b)(\d+)", lambda m: f"Dense({rng.choice(UNITS)}", text)
        text = re.sub(r"# (\w+)", lambda m: f"# {m.group(1)} {rng.choice(['paso', 'ahora', 'luego', 'aqui'])}",
                      text)
        text += f"\n# %%\nseed_{index} = {rng.randint(1, 10**6)}\n"
        # each student writes their own explanations: their markdown is theirs, not the source's
        cells += [(kind, f"{source} ({index}, {rng.randint(0, 10**6)})" if kind == "markdown" else source)
                  for kind, source in cells_of(text)]
    return cells


def main(students: int = 200) -> None:
    root = Path(tempfile.mkdtemp()) / EXERCISE
    root.mkdir()
    for index in range(students):
        owner = index - (students - COPIED) if index >= students - COPIED else index
        cells = _student(owner)
        if owner != index:  # the copier renames a few things and clears the outputs
            cells = [(kind, re.sub(r"\bmodel\b", "modelo", source)) for kind, source in cells]
        nb = notebook(cells, ids_from=f"s{owner}", outputs_from=None if owner != index else f"s{index}")
        (root / f"s{index:03}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    start = time.perf_counter()
    report = similarity_report(catalog=load_catalog(), exercise_id=EXERCISE, paths=[root])
    took = time.perf_counter() - start
    pairs = {frozenset((flag.a, flag.b)) for flag in report.flags}
    copies = {frozenset((f"s{i:03}", f"s{students - COPIED + i:03}")) for i in range(COPIED)}
    for flag in report.flags:
        if frozenset((flag.a, flag.b)) not in copies and "-v" in sys.argv:
            print(flag.a, flag.b, flag.score, [f"{e.kind}: {e.detail[:150]}" for e in flag.evidence])
    print(f"{report.compared} notebooks ({report.pairs} pairs) in {took:.1f} s; flagged {len(pairs)}, "
          f"of them {len(pairs & copies)}/{COPIED} planted copies")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 200)
