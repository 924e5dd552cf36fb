"""Finding and reading submissions under the folder a teacher grades: links and special files in a cloned
student repository are refused with an explained error entry, and nothing outside the folder is opened."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from grader.batch.discover import Found, RefusedFile, discover, read_submission

SECRET = "root:$6$not-for-students:19000:0:99999:7:::\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A secret file outside the graded folder (standing in for /etc/shadow)."""
    secret = tmp_path / "shadow"
    secret.write_text(SECRET)
    return secret


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The graded folder: alice.py and bob/ (with bob/lab.py) are honest submissions."""
    root = tmp_path / "entregas"
    root.mkdir()
    (root / "alice.py").write_text("alice = 1\n")
    (root / "bob").mkdir()
    (root / "bob" / "lab.py").write_text("bob = 1\n")
    return root


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail the test, instead of hanging the run, if something blocks opening a FIFO."""
    def hung(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("blocked: a FIFO was opened")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def by_student(found: list[Found]) -> dict[str, Found]:
    """student -> its one entry (fails on duplicates)."""
    rows = {f.student: f for f in found}
    assert len(rows) == len(found), [f.student for f in found]
    return rows


def honest(rows: dict[str, Found]) -> None:
    """alice and bob are found, readable, with their own bytes."""
    assert rows["alice"].problem is None and read_submission(rows["alice"]) == b"alice = 1\n"
    assert rows["bob"].problem is None and read_submission(rows["bob"]) == b"bob = 1\n"


def test_a_link_to_a_file_outside_is_an_error_entry(folder: Path, outside: Path) -> None:
    """carol.py -> the secret: its own error row naming the link and its target; the secret is never read."""
    (folder / "carol.py").symlink_to(outside)
    rows = by_student(discover([folder]))
    honest(rows)
    problem = rows["carol"].problem
    assert problem is not None
    assert f"{folder / 'carol.py'} es un enlace simbólico (a '{outside}')" in problem.es
    assert f"{folder / 'carol.py'} is a symbolic link (to '{outside}')" in problem.en
    assert "Reemplázalo por el archivo o la carpeta real" in problem.es
    assert SECRET not in problem.es + problem.en


def test_a_student_folder_linked_to_another_students_folder_is_an_error_entry(folder: Path) -> None:
    """dave -> bob (to copy bob's 10/10): dave gets an error row, bob is still graded once."""
    (folder / "dave").symlink_to(folder / "bob", target_is_directory=True)
    (folder / "erin").symlink_to("bob", target_is_directory=True)  # relative links too
    rows = by_student(discover([folder]))
    honest(rows)
    for name in ("dave", "erin"):
        problem = rows[name].problem
        assert problem is not None and f"{folder / name} es un enlace simbólico" in problem.es, name
        assert rows[name].path == folder / name


def test_links_inside_a_student_folder_at_any_depth_refuse_that_folder(folder: Path, outside: Path) -> None:
    """A link as the submission file, a linked subfolder, or a link beside the real file: the folder is one
    error row naming every link; the other students are untouched."""
    (folder / "frank").mkdir()
    (folder / "frank" / "lab.py").symlink_to(outside)
    (folder / "gina" / "src").mkdir(parents=True)
    (folder / "gina" / "src" / "deep").symlink_to(outside.parent, target_is_directory=True)
    (folder / "hugo" / "a" / "b").mkdir(parents=True)
    (folder / "hugo" / "a" / "b" / "lab.py").write_text("hugo = 1\n")
    (folder / "hugo" / "a" / "datos.csv").symlink_to("/etc/passwd")
    rows = by_student(discover([folder]))
    honest(rows)
    assert f"{folder / 'frank' / 'lab.py'} es un enlace simbólico (a '{outside}')" in rows["frank"].problem.es
    assert f"{folder / 'gina' / 'src' / 'deep'} is a symbolic link" in rows["gina"].problem.en
    assert f"{folder / 'hugo' / 'a' / 'datos.csv'} es un enlace simbólico" in rows["hugo"].problem.es
    assert rows["hugo"].problem.es.startswith(f"La carpeta {folder / 'hugo'} no se califica")


@pytest.mark.usefixtures("no_hang")
def test_fifos_are_refused_without_opening_them(folder: Path) -> None:
    """A FIFO named like a submission (reading it would hang the batch), at the top or in a student folder."""
    os.mkfifo(folder / "ivan.py")
    (folder / "juan").mkdir()
    os.mkfifo(folder / "juan" / "lab.py")
    rows = by_student(discover([folder]))
    honest(rows)
    assert f"{folder / 'ivan.py'} no es un archivo normal (es una FIFO" in rows["ivan"].problem.es
    assert f"{folder / 'juan' / 'lab.py'} is not a regular file (it is a FIFO" in rows["juan"].problem.en


def test_a_symlinked_batch_root_typed_by_the_teacher_is_followed(tmp_path: Path, folder: Path) -> None:
    """The path on the command line may itself be a link (to a folder or to one file); what is inside is not."""
    (tmp_path / "atajo").symlink_to(folder, target_is_directory=True)
    (folder / "lara").mkdir()
    (folder / "lara" / "lab.py").symlink_to(folder / "alice.py")
    rows = by_student(discover([tmp_path / "atajo"]))
    honest(rows)
    assert rows["alice"].path == tmp_path / "atajo" / "alice.py"
    shown = tmp_path / "atajo" / "lara" / "lab.py"
    assert f"{shown} es un enlace simbólico (a '{folder / 'alice.py'}')" in rows["lara"].problem.es
    (tmp_path / "uno.py").symlink_to(folder / "alice.py")
    [single] = discover([tmp_path / "uno.py"])
    assert single.student == "uno" and single.problem is None and read_submission(single) == b"alice = 1\n"


@pytest.mark.usefixtures("no_hang")
def test_a_file_swapped_for_a_link_after_discovery_is_not_read(folder: Path, outside: Path) -> None:
    """Between discovery and reading, the file or one of its folders becomes a link, or the file a FIFO:
    reading refuses it with an explained error instead of following it."""
    rows = by_student(discover([folder]))
    (folder / "alice.py").unlink()
    (folder / "alice.py").symlink_to(outside)
    with pytest.raises(RefusedFile) as refused:
        read_submission(rows["alice"])
    assert f"{folder / 'alice.py'} cambió después de buscar las entregas" in refused.value.problem.es
    assert SECRET not in refused.value.problem.es
    (folder / "bob").rename(folder / "bob-real")
    (folder / "bob").symlink_to(outside.parent, target_is_directory=True)
    (outside.parent / "lab.py").write_text(SECRET)
    with pytest.raises(RefusedFile) as refused:
        read_submission(rows["bob"])
    assert "is a symbolic link or goes through one" in refused.value.problem.en
    (folder / "bob").unlink()
    (folder / "bob").mkdir()
    os.mkfifo(folder / "bob" / "lab.py")
    with pytest.raises(RefusedFile) as refused:
        read_submission(rows["bob"])
    assert "no es un archivo normal (es una FIFO" in refused.value.problem.es


def test_an_unreadable_student_folder_is_its_own_error_entry(folder: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A subfolder that cannot be listed is an error for that student, not a crash of the whole batch."""
    (folder / "kiko" / "cerrada").mkdir(parents=True)
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        """Refuse to list kiko's subfolder (as a folder without read permission does, for a non-root user)."""
        if Path(str(path)).name == "cerrada":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    rows = by_student(discover([folder]))
    honest(rows)
    assert f"No se pudo leer la carpeta {folder / 'kiko' / 'cerrada'}" in rows["kiko"].problem.es
    assert "Permission denied" in rows["kiko"].problem.en
