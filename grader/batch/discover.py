"""Finding submissions under the paths given to `grader grade`, and reading them safely.

A file is one submission (student id = file stem). A folder holds submission files (one student each,
by stem) and/or per-student folders (student id = folder name) each holding ONE submission file:
.py/.ipynb code, or .json/.yaml answers for quizzes.
A student folder with no file, or with several, becomes an error entry: recorded, never dropped.

The folders are often `git clone`s of the students' repositories, and the grader may run as root, so
nothing inside them is followed: a symbolic link (to /etc/shadow, or to another student's folder) or a
special file (a FIFO would hang the batch, a device) is an error entry of its own, and a student folder
holding one at any depth is refused as a whole. Only the path typed on the command line is resolved.
`read_submission` then opens the file from that root one component at a time with O_NOFOLLOW and checks
it is a regular file, so a link swapped in after discovery is refused too: nothing outside is opened.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from grader.core.beside import MAX_BESIDE_BYTES, MAX_BESIDE_FILE_BYTES, MAX_BESIDE_FILES, is_data_file
from grader.core.i18n import Text, t
from grader.core.sources import CODE_EXTENSIONS, EXTENSIONS

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO swapped in after discovery returns at once (and is then refused by fstat).
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_NOW_A_LINK = ("es un enlace simbólico o pasa por uno", "is a symbolic link or goes through one")

@dataclass(frozen=True)
class Found:
    """One student's submission (or why it could not be picked).

    `path` is what the teacher sees (under the path they typed); the file is read from `root`, the resolved
    folder they typed, through `parts`, none of which may be a link. Without `root` (an entry built by
    hand), the file is read from its own folder.
    """

    student: str
    path: Path
    problem: Text | None = None
    root: Path | None = None
    parts: tuple[str, ...] = ()
    # Data files in the student's folder (CSV, NPY, TXT...; under `root`, as parts), which the code may read as
    # it would in the student's own folder: see `read_beside`.
    beside: tuple[tuple[str, ...], ...] = ()


class RefusedFile(OSError):
    """A found file that is no longer safe to read (it became a link or a special file); `problem` says so."""

    def __init__(self, problem: Text) -> None:
        super().__init__(problem.en)
        self.problem = problem


def _is_candidate(name: str) -> bool:
    """A file name that may be a submission: a known extension, not hidden."""
    return Path(name).suffix.lower() in EXTENSIONS and not name.startswith(".")


def _kind(mode: int) -> tuple[str, str]:
    """What a special (not regular, not folder, not link) file is, in Spanish and English."""
    if stat.S_ISFIFO(mode):
        return "una FIFO (tubería con nombre)", "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "un socket", "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "un dispositivo", "a device"
    return "un archivo especial", "a special file"


def _unsafe(real: Path, path: Path, mode: int) -> tuple[str, str] | None:
    """Why the entry at `real` (shown as `path`, with lstat mode `mode`) is refused, or None for a regular file
    or folder."""
    if stat.S_ISLNK(mode):
        try:
            target = repr(os.readlink(real))  # the link itself, inside the folder; repr escapes control bytes
        except OSError:
            target = "?"
        return (f"{path} es un enlace simbólico (a {target}); por seguridad no se siguen enlaces",
                f"{path} is a symbolic link (to {target}); links are not followed, for safety")
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    es, en = _kind(mode)
    return (f"{path} no es un archivo normal (es {es}); no se lee",
            f"{path} is not a regular file (it is {en}); not read")


def _refused_entry(student: str, path: Path, why: tuple[str, str]) -> Found:
    """An error entry for one link or special file found directly in the graded folder."""
    return Found(student=student, path=path, problem=t(
        f"{why[0]}. Reemplázalo por el archivo o la carpeta real y vuelve a calificar.",
        f"{why[1]}. Replace it with the real file or folder and grade again."))


def _walk(real: Path, shown: Path, parts: tuple[str, ...], files: list[tuple[str, ...]],
          bad: list[tuple[str, str]], data: list[tuple[str, ...]] | None = None) -> None:
    """Collect submission files (as parts under the student folder) and refused entries, never following
    links; and the data files within the caps into `data`."""
    with os.scandir(real / Path(*parts)) as entries:
        listed = sorted((entry.name, entry.stat(follow_symlinks=False)) for entry in entries)
    for name, info in listed:
        here, mode = (*parts, name), info.st_mode
        why = _unsafe(real.joinpath(*here), shown.joinpath(*here), mode)
        if why is not None:
            bad.append(why)
        elif stat.S_ISDIR(mode):
            _walk(real, shown, here, files, bad, data)
        elif _is_candidate(name) and ".ipynb_checkpoints" not in parts:
            files.append(here)
            if data is not None and is_data_file(name, info.st_size) and len(data) < MAX_BESIDE_FILES:
                data.append(here)  # a .json: a quiz's answers, or a notebook's data (told once the folder is read)
        elif data is not None and is_data_file(name, info.st_size) and len(data) < MAX_BESIDE_FILES:
            data.append(here)


def _student_folder(root: Path, shown: Path, name: str) -> Found:
    """The one submission in student folder `name` of `root`, or an error entry saying what is wrong."""
    folder = shown / name
    files: list[tuple[str, ...]] = []
    bad: list[tuple[str, str]] = []
    data: list[tuple[str, ...]] = []
    try:
        _walk(root / name, folder, (), files, bad, data)
    except OSError as exc:
        where = Path(os.fsdecode(exc.filename)) if exc.filename else root / name
        where = shown / where.relative_to(root) if where.is_relative_to(root) else folder
        return Found(student=name, path=folder, problem=t(
            f"No se pudo leer la carpeta {where}: {exc.strerror}. Revisa sus permisos y vuelve a calificar.",
            f"Could not read folder {where}: {exc.strerror}. Check its permissions and grade again."))
    if bad:
        return Found(student=name, path=folder, problem=t(
            f"La carpeta {folder} no se califica: " + "; ".join(es for es, _ in bad)
            + ". Reemplaza cada uno por el archivo real y vuelve a calificar.",
            f"Folder {folder} is not graded: " + "; ".join(en for _, en in bad)
            + ". Replace each with the real file and grade again."))
    code = [parts for parts in files if Path(parts[-1]).suffix.lower() in CODE_EXTENSIONS]
    if len(code) == 1:  # beside a notebook or a script, a .json/.yaml is something it reads, not a quiz's answers
        files = code  # (a .json is kept as data below; a .yaml is left out)
    data = [parts for parts in data if parts not in files]
    if len(files) == 1:
        return Found(student=name, path=folder.joinpath(*files[0]), root=root, parts=(name, *files[0]),
                     beside=tuple((name, *parts) for parts in data))
    if not files:
        return Found(student=name, path=folder, problem=t(
            f"La carpeta {folder} no contiene ningún archivo de entrega (.py, .ipynb, .json, .yaml).",
            f"Folder {folder} contains no submission file (.py, .ipynb, .json, .yaml)."))
    names = ", ".join(parts[-1] for parts in files)
    return Found(student=name, path=folder, problem=t(
        f"La carpeta {folder} contiene varios archivos ({names}); deja solo la entrega a calificar.",
        f"Folder {folder} contains several files ({names}); keep only the submission to grade."))


def _folder(root: Path, shown: Path) -> list[Found]:
    """Every entry of a graded folder: submission files, student folders, and refused links or special files."""
    found: list[Found] = []
    for name in sorted(os.listdir(root)):
        if name.startswith("."):
            continue
        mode = os.lstat(root / name).st_mode
        student = Path(name).stem if _is_candidate(name) else name
        why = _unsafe(root / name, shown / name, mode)
        if why is not None:
            found.append(_refused_entry(student, shown / name, why))
        elif stat.S_ISDIR(mode):
            found.append(_student_folder(root, shown, name))
        elif _is_candidate(name):
            found.append(Found(student=student, path=shown / name, root=root, parts=(name,)))
    return found


def discover(paths: list[Path]) -> list[Found]:
    """Every submission under `paths`, in a stable order. Raises FileNotFoundError for a missing path.

    Each path is resolved (the teacher typed it, links included); nothing found inside it is followed.
    """
    found: list[Found] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        real = path.resolve()
        mode = real.stat().st_mode
        if stat.S_ISDIR(mode):
            found.extend(_folder(real, path))
        elif stat.S_ISREG(mode):
            found.append(Found(student=path.stem, path=path, root=real.parent, parts=(real.name,)))
        else:
            found.append(_refused_entry(path.stem, path, _unsafe(real, path, mode) or ("?", "?")))
    return found


def _changed(item: Found, es: str, en: str) -> RefusedFile:
    """The refusal of a file that changed between discovery and reading."""
    return RefusedFile(t(
        f"{item.path} cambió después de buscar las entregas: ahora {es}; no se lee. Revisa la carpeta y vuelve "
        "a calificar.",
        f"{item.path} changed after the submissions were found: it now {en}; not read. Check the folder and "
        "grade again."))


def read_submission(item: Found) -> bytes:
    """The bytes of a found submission, opened from its root without following any link below it.

    Raises RefusedFile when a component became a link or the file is not a regular file (nothing is read
    then), and OSError for other failures (a file that vanished, no permission).
    """
    root, parts = (item.root, item.parts) if item.root is not None else (item.path.parent, (item.path.name,))
    return _read_parts(item, root, parts)


def read_beside(item: Found) -> dict[str, bytes]:
    """The data files beside a found submission, by path relative to the student's folder ('data/x.csv'),
    read like the submission (no link followed, regular files only); a file that cannot be read safely, or
    past the total cap, is left out (the code then finds it missing, as anywhere)."""
    files: dict[str, bytes] = {}
    total = 0
    for parts in item.beside:
        if item.root is None:
            break
        try:
            content = _read_parts(item, item.root, parts)
        except OSError:  # RefusedFile included: a link swapped in is never read
            continue
        total += len(content)
        if len(content) > MAX_BESIDE_FILE_BYTES or total > MAX_BESIDE_BYTES:
            break
        files["/".join(parts[1:])] = content
    return files


def _read_parts(item: Found, root: Path, parts: tuple[str, ...]) -> bytes:
    fd = os.open(root, _DIR_FLAGS)
    try:
        for part in parts[:-1]:
            try:
                inner = os.open(part, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _changed(item, *_NOW_A_LINK) from None
                raise
            os.close(fd)
            fd = inner
        mode = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False).st_mode
        if not stat.S_ISREG(mode):  # checked before opening: a device or FIFO is never opened
            raise _refused_kind(item, mode)
        try:
            file_fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _changed(item, *_NOW_A_LINK) from None
            raise
    finally:
        os.close(fd)
    with os.fdopen(file_fd, "rb") as opened:
        mode = os.fstat(opened.fileno()).st_mode
        if not stat.S_ISREG(mode):  # swapped between the check above and the open
            raise _refused_kind(item, mode)
        return opened.read()


def _refused_kind(item: Found, mode: int) -> RefusedFile:
    """The refusal of a found file that is now a link or a special file."""
    if stat.S_ISLNK(mode):
        return _changed(item, *_NOW_A_LINK)
    es, en = _kind(mode)
    return _changed(item, f"no es un archivo normal (es {es})", f"is not a regular file (it is {en})")
