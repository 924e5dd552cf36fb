"""Finding submissions under the paths given to `grader grade`.

A file is one submission (student id = file stem). A folder holds submission files (one student each,
by stem) and/or per-student folders (student id = folder name) each holding ONE submission file:
.py/.ipynb code, or .json/.yaml answers for quizzes.
A student folder with no file, or with several, becomes an error entry: recorded, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.i18n import Text, t

EXTENSIONS = (".py", ".ipynb", ".json", ".yaml", ".yml")


@dataclass(frozen=True)
class Found:
    """One student's submission (or why it could not be picked)."""

    student: str
    path: Path
    problem: Text | None = None


def _is_submission(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in EXTENSIONS and not path.name.startswith(".")


def _student_folder(folder: Path) -> Found:
    files = sorted(p for p in folder.rglob("*") if _is_submission(p) and ".ipynb_checkpoints" not in p.parts)
    if len(files) == 1:
        return Found(student=folder.name, path=files[0])
    if not files:
        return Found(student=folder.name, path=folder, problem=t(
            f"La carpeta {folder} no contiene ningún archivo de entrega (.py, .ipynb, .json, .yaml).",
            f"Folder {folder} contains no submission file (.py, .ipynb, .json, .yaml)."))
    names = ", ".join(p.name for p in files)
    return Found(student=folder.name, path=folder, problem=t(
        f"La carpeta {folder} contiene varios archivos ({names}); deja solo la entrega a calificar.",
        f"Folder {folder} contains several files ({names}); keep only the submission to grade."))


def discover(paths: list[Path]) -> list[Found]:
    """Every submission under `paths`, in a stable order. Raises FileNotFoundError for a missing path."""
    found: list[Found] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        if path.is_file():
            found.append(Found(student=path.stem, path=path))
            continue
        for entry in sorted(path.iterdir()):
            if entry.name.startswith("."):
                continue
            if _is_submission(entry):
                found.append(Found(student=entry.stem, path=entry))
            elif entry.is_dir():
                found.append(_student_folder(entry))
    return found
