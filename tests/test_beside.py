"""Files beside the submission: the data files of a student's folder (a cloned repository, an unzipped notebook
with its CSV) are readable by the code, read-only, as when the teacher runs it in the student's folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.batch.discover import discover, read_beside
from grader.core.beside import MAX_BESIDE_FILE_BYTES
from grader.engine.grader import Grader
from grader.engine.pipeline import run_student
from grader.engine.sandbox.job import Job, RunLimits

OWN = "Pregnancies,Glucose,Outcome\n" + "".join(f"{i},{100 + i},{i % 2}\n" for i in range(20))


def test_a_student_folder_hands_its_data_files_to_the_grading(tmp_path: Path) -> None:
    folder = tmp_path / "entregas" / "ana"
    (folder / "datos").mkdir(parents=True)
    (folder / "practica.ipynb").write_text("{}")
    (folder / "datos" / "diabetes.csv").write_text(OWN)
    (folder / "pesos.npy").write_bytes(b"\x93NUMPY")
    (folder / "notas.md").write_text("no es un dato")
    (folder / "enorme.csv").write_bytes(b"0" * (MAX_BESIDE_FILE_BYTES + 1))
    [found] = discover([tmp_path / "entregas"])
    assert found.problem is None and found.path.name == "practica.ipynb"
    files = read_beside(found)
    assert files == {"datos/diabetes.csv": OWN.encode(), "pesos.npy": b"\x93NUMPY"}


def test_a_link_in_the_folder_still_refuses_it(tmp_path: Path) -> None:
    folder = tmp_path / "entregas" / "bruno"
    folder.mkdir(parents=True)
    (folder / "practica.py").write_text("x = 1\n")
    (folder / "datos.csv").symlink_to("/etc/passwd")
    [found] = discover([tmp_path / "entregas"])
    assert found.problem is not None and "enlace simbólico" in found.problem.es and not found.beside


READS = """import pandas as pd, numpy as np
here = pd.read_csv('datos/diabetes.csv')
there = pd.read_csv('C:/Users/ana/Desktop/practica/diabetes.csv')
course = pd.read_csv('/kaggle/input/fuel.csv')
try:
    open('datos/diabetes.csv', 'w')
    writable = True
except OSError:
    writable = False
value = [len(here), len(there), int(there['Glucose'].iloc[3]), len(course), writable]
"""


@pytest.mark.slow
def test_the_code_reads_its_own_files_before_the_course_s(grader_nodb: Grader) -> None:
    job = Job(code=READS, starter_code="", grade=["value"], data={}, limits=RunLimits(timeout_s=90),
              beside={"datos/diabetes.csv": OWN.encode()})
    run = run_student(job=job, isolation=grader_nodb.isolation, warm=grader_nodb.warm)
    assert run.ok and run.payload is not None, (run.error, run.stderr[-2000:])
    assert run.payload["student_error"] is None, run.payload["student_error"]
    assert run.payload["variables"]["value"]["value"] == [20, 20, 103, 1107, False]
    assert {"code": "own_file", "args": {"file": "diabetes.csv"}} in run.payload["env_notes"]
