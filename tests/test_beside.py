"""Files beside the submission: the data files of a student's folder (a cloned repository, an unzipped notebook
with its CSV) are readable by the code, read-only, as when the teacher runs it in the student's folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def test_beside_a_notebook_a_json_is_data_and_alone_it_is_a_quiz_s_answers(tmp_path: Path) -> None:
    """A notebook's saved history or config (.json) goes with it to the sandbox; a folder with only a .json is a
    quiz hand-in as before; with two code files the folder is still refused as ambiguous."""
    notebook, answers, both = (tmp_path / "entregas" / name for name in ("ana", "bea", "carla"))
    for folder in (notebook, answers, both):
        folder.mkdir(parents=True)
    (notebook / "practica.ipynb").write_text("{}")
    (notebook / "historial.json").write_text('{"loss": [0.9, 0.5]}')
    (notebook / "config.yaml").write_text("capas: 2\n")
    (answers / "respuestas.json").write_text('{"q1": "b"}')
    (both / "a.py").write_text("x = 1\n")
    (both / "b.py").write_text("x = 2\n")
    found = {item.student: item for item in discover([tmp_path / "entregas"])}
    assert found["ana"].problem is None and found["ana"].path.name == "practica.ipynb"
    assert read_beside(found["ana"]) == {"historial.json": b'{"loss": [0.9, 0.5]}'}
    assert found["bea"].problem is None and found["bea"].path.name == "respuestas.json" and not found["bea"].beside
    assert found["carla"].problem is not None and "varios archivos" in found["carla"].problem.es


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


@pytest.mark.filterwarnings("ignore:.*--unsafe-no-sandbox")
def test_a_batch_stores_the_data_files_and_reuses_a_result_only_for_the_same_ones(
        tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The files are stored with the submission (a regrade or a queue worker reads them); grading the folder
    again reuses the result, but not once its CSV changed."""
    import grader.engine.grader
    from grader.batch.grading import grade_batch
    from grader.batch.local import LocalGrader
    from grader.core.results import GradeResult
    from grader.db import store
    from grader.db.runtime import Runtime

    seen: list[dict[str, bytes]] = []

    def grade_source(*, spec: Any, beside: dict[str, bytes], **_: Any) -> GradeResult:
        seen.append(beside)
        return GradeResult(status="graded", score=spec.max_score, max_score=spec.max_score)

    monkeypatch.setattr(grader.engine.grader, "grade_source", grade_source)
    folder = tmp_path / "entregas" / "ana"
    folder.mkdir(parents=True)
    (folder / "practica.py").write_text("x = 1\n")
    (folder / "diabetes.csv").write_text(OWN)
    runs = []
    with LocalGrader(Grader(workers=1, unsafe_no_sandbox=True, warm=False), Runtime(database_url=sqlite_url)) as local:
        for _ in range(2):
            runs.append(grade_batch(local, exercise_id="lab-add-hidden-16", found=discover([tmp_path / "entregas"])))
        (folder / "diabetes.csv").write_text(OWN + "1,1,1\n")
        runs.append(grade_batch(local, exercise_id="lab-add-hidden-16", found=discover([tmp_path / "entregas"])))
        with local.runtime.sessions() as session:  # type: ignore[union-attr]
            stored = [store.stored_files(session, submission_id=i) for i in (1, 2)]
    assert [run[0].reused for run in runs] == [False, True, False]
    assert seen == [{"diabetes.csv": OWN.encode()}, {"diabetes.csv": (OWN + "1,1,1\n").encode()}]
    assert stored == seen
