"""The `grader` command as a teacher uses it: a folder of submissions, one broken, results stored and reused."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select

from grader.batch.discover import discover
from grader.batch.grading import GradedSubmission, grade_batch
from grader.batch.local import LocalGrader
from grader.cli.main import main
from grader.core.results import GradeResult
from grader.core.specs.loader import load_catalog
from grader.db.models import Grading, Student, Submission
from grader.db.runtime import Runtime
from grader.engine.grader import Grader

GRADER = str(Path(sys.executable).with_name("grader"))
SOLUTIONS = Path(__file__).resolve().parents[1] / "exercises" / "solutions" / "lab-add-hidden-16"


def run_grader(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GRADER, *args], capture_output=True, text=True, timeout=600)


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    """alice (right), bob (32 units), carol (syntax error), dave/ (a student folder with a notebook-free .py)."""
    folder = tmp_path / "entregas"
    folder.mkdir()
    shutil.copy(SOLUTIONS / "solution.py", folder / "alice.py")
    shutil.copy(SOLUTIONS / "wrong-32-units.py", folder / "bob.py")
    (folder / "carol.py").write_text("from tensorflow import keras\nmodel = keras.Sequential([\n")
    (folder / "dave").mkdir()
    shutil.copy(SOLUTIONS / "solution.py", folder / "dave" / "lab2.py")
    (folder / "notes.txt").write_text("not a submission")
    return folder


def counts(db_url: str) -> tuple[int, int]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        subs = conn.execute(select(func.count()).select_from(Submission)).scalar_one()
        grads = conn.execute(select(func.count()).select_from(Grading)).scalar_one()
    engine.dispose()
    return subs, grads


def test_batch_json_lines_storage_and_reuse(batch: Path, db_url: str) -> None:
    first = run_grader("grade", "lab-add-hidden-16", str(batch), "--format", "json", "--db", db_url,
                       "--workers", "2")
    assert first.returncode == 0, first.stderr
    rows = {r["student"]: r for r in map(json.loads, first.stdout.splitlines())}
    assert set(rows) == {"alice", "bob", "carol", "dave"}
    for row in rows.values():
        assert set(row) == {"student", "exercise", "path", "status", "score", "max_score", "checks", "error",
                            "notes", "duration_s"}
    assert rows["alice"]["status"] == "graded" and rows["alice"]["score"] == rows["alice"]["max_score"] == 10
    assert rows["dave"]["score"] == 10 and rows["dave"]["path"].endswith("dave/lab2.py")
    bob_checks = {c["id"]: c for c in rows["bob"]["checks"]}
    assert not bob_checks["layers"]["passed"]
    assert "La capa oculta 1 tiene 32 neuronas; se esperaban 16" in bob_checks["layers"]["message"]
    assert set(bob_checks["layers"]) == {"id", "passed", "points", "max_points", "message", "answer"}
    assert rows["carol"]["status"] == "error" and "línea 2" in rows["carol"]["error"]
    assert rows["carol"]["checks"] == [] and rows["carol"]["score"] == 0
    assert "[4/4]" in first.stderr
    assert counts(db_url) == (4, 4)

    again = run_grader("grade", "lab-add-hidden-16", str(batch), "--format", "json", "--db", db_url)
    assert again.returncode == 0, again.stderr
    assert {r["student"]: r["score"] for r in map(json.loads, again.stdout.splitlines())} == \
        {s: r["score"] for s, r in rows.items()}
    assert counts(db_url) == (4, 4), "same bytes, same spec version: the stored result is reused"

    forced = run_grader("grade", "lab-add-hidden-16", str(batch / "bob.py"), "--format", "csv", "--db", db_url,
                        "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.splitlines()[0].startswith("student,exercise,path,status,score,max_score")
    assert "layers" in forced.stdout
    assert counts(db_url) == (4, 5), "--force grades again without duplicating the submission"


def test_unknown_exercise_and_missing_path_exit_nonzero(tmp_path: Path) -> None:
    runner = CliRunner()
    unknown = runner.invoke(main, ["grade", "no-such-exercise", str(tmp_path)])
    assert unknown.exit_code == 2 and "unknown exercise 'no-such-exercise'" in unknown.output
    missing = runner.invoke(main, ["grade", "lab-add-hidden-16", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such file or folder" in missing.output
    empty = runner.invoke(main, ["grade", "lab-add-hidden-16", str(tmp_path)])
    assert empty.exit_code == 2 and "no .py or .ipynb submissions" in empty.output
    bad_format = runner.invoke(main, ["grade", "lab-add-hidden-16", str(tmp_path), "--format", "xml"])
    assert bad_format.exit_code == 2


def test_a_batch_starts_its_workers_with_what_most_of_it_imports(tmp_path: Path, sqlite_url: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Two of three submissions plot, one worker: its zygote imports matplotlib ahead (and Keras' other
    extras are deferred), and every submission is graded."""
    import grader.cli.main

    solution = (SOLUTIONS / "solution.py").read_text()
    plots = solution + "import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.savefig('curva.png')\n"
    for name, code in (("ana", plots), ("bruno", plots), ("carla", solution)):
        (tmp_path / f"{name}.py").write_text(code)
    started = []
    real_open_grader = grader.cli.main.open_grader

    def recording(**kwargs: Any) -> Any:
        opened = real_open_grader(**kwargs)
        started.append(opened.warm.workers[0].preload)
        return opened

    monkeypatch.setattr(grader.cli.main, "open_grader", recording)
    out = CliRunner().invoke(main, ["grade", "lab-add-hidden-16", str(tmp_path), "--workers", "1", "--db",
                                    sqlite_url, "--format", "json"])
    assert out.exit_code == 0, out.output
    assert started == [("matplotlib.pyplot",)]
    scores = {row["student"]: row["score"] for row in map(json.loads, out.stdout.splitlines())}
    assert scores == {"ana": 10, "bruno": 10, "carla": 10}


def test_student_folder_with_several_files_is_an_error_not_a_crash(tmp_path: Path) -> None:
    from grader.batch.discover import discover

    (tmp_path / "erin").mkdir()
    (tmp_path / "erin" / "a.py").write_text("x = 1\n")
    (tmp_path / "erin" / "b.ipynb").write_text("{}")
    (tmp_path / "frank").mkdir()
    found = {f.student: f for f in discover([tmp_path])}
    assert "varios archivos (a.py, b.ipynb)" in found["erin"].problem.es
    assert "ningún archivo" in found["frank"].problem.es


def test_exercises_list_and_show_hide_answers() -> None:
    runner = CliRunner()
    listing = runner.invoke(main, ["exercises", "list"])
    assert listing.exit_code == 0 and "lab-add-hidden-16" in listing.output
    shown = runner.invoke(main, ["exercises", "show", "lab-add-hidden-16", "--format", "json"])
    view = json.loads(shown.output)
    assert view["id"] == "lab-add-hidden-16" and view["max_score"] == 10
    assert "reference" not in view and all("params" not in c for c in view["checks"])
    assert "solution" not in shown.output


QUIZ = "quiz-classification-vs-regression"
QUIZ_SOLUTION = SOLUTIONS.parent / QUIZ / "solution.json"


def test_links_and_fifos_in_a_batch_are_error_rows_and_nothing_outside_is_read(tmp_path: Path,
                                                                              sqlite_url: str) -> None:
    """A cloned folder of answer files (no sandbox needed): a link to a secret outside, a student folder
    linked to another's, a link inside a student folder and a FIFO each give their own explained error row;
    the honest students are graded and stored, and the secret is neither printed nor stored."""
    secret = tmp_path / "shadow"
    secret.write_text('{"dengue": "root:$6$SECRET-HASH"}\n')
    folder = tmp_path / "entregas"
    (folder / "beto").mkdir(parents=True)
    shutil.copy(QUIZ_SOLUTION, folder / "ana.json")
    shutil.copy(QUIZ_SOLUTION, folder / "beto" / "respuestas.json")
    (folder / "carla.json").symlink_to(secret)
    (folder / "dario").symlink_to(folder / "beto", target_is_directory=True)
    (folder / "elena").mkdir()
    (folder / "elena" / "respuestas.json").symlink_to(folder / "ana.json")
    os.mkfifo(folder / "fede.json")
    out = CliRunner().invoke(main, ["grade", QUIZ, str(folder), "--db", sqlite_url, "--format", "json",
                                    "--workers", "1"])
    assert out.exit_code == 0, out.output
    rows = {r["student"]: r for r in map(json.loads, out.stdout.splitlines())}
    assert set(rows) == {"ana", "beto", "carla", "dario", "elena", "fede"}
    assert [(rows[s]["status"], rows[s]["score"]) for s in ("ana", "beto")] == [("graded", 5)] * 2
    assert all(rows[s]["status"] == "error" and rows[s]["score"] == 0 for s in ("carla", "dario", "elena", "fede"))
    assert f"{folder / 'carla.json'} es un enlace simbólico (a '{secret}')" in rows["carla"]["error"]
    assert f"{folder / 'dario'} es un enlace simbólico (a '{folder / 'beto'}')" in rows["dario"]["error"]
    assert f"La carpeta {folder / 'elena'} no se califica" in rows["elena"]["error"]
    assert f"{folder / 'fede.json'} no es un archivo normal (es una FIFO" in rows["fede"]["error"]
    assert "SECRET-HASH" not in out.output
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        stored = dict(conn.execute(select(Student.external_id, Submission.source).join(Submission.student)).all())
    engine.dispose()
    assert set(stored) == {"ana", "beto"} and stored["ana"] == QUIZ_SOLUTION.read_bytes()


class _Flaky:
    """A SubmissionGrading whose grade_submission raises (a grader bug, a database failure) for bob only."""

    def __init__(self) -> None:
        self.catalog = load_catalog()
        self.workers = 2

    def grade_submission(self, *, exercise_id: str, student: str, filename: str, data: bytes,
                         force: bool = False, beside: dict[str, bytes] | None = None) -> GradedSubmission:
        """Full marks, except bob's grading blows up."""
        if student == "bob":
            raise RuntimeError("database went away")
        spec = self.catalog.get(exercise_id)
        return GradedSubmission(student=student, exercise=exercise_id, path=filename,
                                result=GradeResult(status="graded", score=spec.max_score, max_score=spec.max_score))


def test_a_grading_that_raises_is_an_error_row_and_the_batch_goes_on(tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    """An exception while grading one submission becomes that row's failed result (logged with its
    traceback); every other row comes back and is reported."""
    for name in ("alice", "bob", "carol"):
        (tmp_path / f"{name}.py").write_text(f"{name} = 1\n")
    done: list[str] = []
    with caplog.at_level(logging.ERROR, logger="grader.batch.grading"):
        rows = grade_batch(_Flaky(), exercise_id="lab-add-hidden-16", found=discover([tmp_path]),
                                    on_done=lambda row: done.append(row.student))
    assert [(r.student, r.result.status, r.result.score) for r in rows] == [
        ("alice", "graded", 10), ("bob", "error", 0), ("carol", "graded", 10)]
    assert sorted(done) == ["alice", "bob", "carol"]
    error = rows[1].result.error
    assert error is not None and rows[1].result.max_score == 10 and rows[1].path == str(tmp_path / "bob.py")
    assert error.es.startswith(f"Error interno del calificador con {tmp_path / 'bob.py'} (no es culpa de la entrega")
    assert "Grade this file again" in error.en and "database went away" not in error.es
    assert any(r.exc_info and "database went away" in str(r.exc_info[1]) for r in caplog.records)


@pytest.mark.filterwarnings("ignore:.*--unsafe-no-sandbox")
def test_a_pipeline_crash_is_stored_as_that_submissions_internal_error(tmp_path: Path, sqlite_url: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process Grader: grading code that raises for one student stores that grading as an internal
    error (the submission is kept for a regrade) and grades the others."""
    import grader.engine.grader

    def grade_source(*, spec: Any, student: str, **_: Any) -> GradeResult:
        """Crash for bob only."""
        if student == "bob":
            raise RuntimeError("evaluator bug")
        return GradeResult(status="graded", score=spec.max_score, max_score=spec.max_score)

    monkeypatch.setattr(grader.engine.grader, "grade_source", grade_source)
    for name in ("alice", "bob"):
        (tmp_path / f"{name}.py").write_text(f"{name} = 1\n")
    engine_ = Grader(workers=1, unsafe_no_sandbox=True, warm=False)
    with LocalGrader(engine_, Runtime(database_url=sqlite_url)) as grading:
        rows = grade_batch(grading, exercise_id="lab-add-hidden-16", found=discover([tmp_path]))
    assert [(r.student, r.result.status) for r in rows] == [("alice", "graded"), ("bob", "error")]
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        stored = conn.execute(select(Student.external_id, Grading.status, Grading.error).join(Grading.submission)
                              .join(Submission.student).order_by(Student.external_id)).all()
    engine.dispose()
    assert [(s, status) for s, status, _ in stored] == [("alice", "graded"), ("bob", "error")]
    assert stored[1][2].startswith("Error interno del calificador; tu entrega quedó guardada")


def test_offerings_from_the_command_line_and_a_batch_graded_into_one(tmp_path: Path, sqlite_url: str) -> None:
    """`grader offerings create/list/add`, and `--offering` on grade and roster import: the work and the
    roster go to that offering only; an unknown offering is a usage error that stores nothing."""
    from grader.db.offering_models import Membership, Offering

    runner = CliRunner()
    made = runner.invoke(main, ["offerings", "create", "Aprendizaje profundo", "--term", "2027-2", "--db",
                                sqlite_url])
    assert made.exit_code == 0 and "Aprendizaje profundo · 2027-2" in made.output, made.output
    listing = runner.invoke(main, ["offerings", "list", "--db", sqlite_url]).output
    assert "(default)" in listing and "Aprendizaje profundo · 2027-2" in listing
    folder = tmp_path / "entregas"
    folder.mkdir()
    shutil.copy(QUIZ_SOLUTION, folder / "ana.json")
    wrong = runner.invoke(main, ["grade", QUIZ, str(folder), "--db", sqlite_url, "--offering", "99"])
    assert wrong.exit_code == 2 and "no offering '99'" in wrong.output
    out = runner.invoke(main, ["grade", QUIZ, str(folder), "--db", sqlite_url, "--format", "json", "--workers", "1",
                               "--offering", "Aprendizaje profundo · 2027-2"])
    assert out.exit_code == 0, out.output
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name,email\nbeto,Beto Ruiz,beto@uni.example\n")
    assert runner.invoke(main, ["roster", "import", str(roster), "--offering", "2", "--db", sqlite_url,
                                "--passwords-out", str(tmp_path / "pw.csv")]).exit_code == 0
    assert runner.invoke(main, ["offerings", "add", "beto", "ta", "--db", sqlite_url]).exit_code == 0
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        second = conn.execute(select(Offering.id).where(Offering.term == "2027-2")).scalar_one()
        assert set(conn.execute(select(Submission.offering_id)).scalars()) == {second}
        members = set(conn.execute(select(Membership.offering_id, Membership.role)).all())
    engine.dispose()
    assert members == {(second, "student"), (1, "ta")}  # ana and beto students of 2027-2; beto a TA by default
