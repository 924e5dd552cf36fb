"""A student's folder sent as a .zip (a cloned repository, a notebook with its CSV): the one submission file
in it and the data files that go beside it, read with the caps of `grader grade`'s folders (grader.core.beside).

Everything in the archive is the student's and may be hostile, so nothing is extracted to disk and nothing is
trusted: a path out of the folder (`../`, absolute, a drive letter), a link, an encrypted entry, two entries
with one name, too many entries, bytes that are no zip, and a file that inflates past its cap (declared or
actual: reading stops at the cap) are each refused with what was found and what to do. Hidden folders (.git,
__MACOSX, .ipynb_checkpoints) and other kinds of files (images, README) are left out, never read.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from grader.core.beside import MAX_BESIDE_BYTES, MAX_BESIDE_FILE_BYTES, MAX_BESIDE_FILES, is_data_kind
from grader.core.i18n import Text, t
from grader.core.safetext import clean, first_unsafe
from grader.core.sources import CODE_EXTENSIONS

# Entries of any kind (a cloned repository's .git counts): the central directory is read before any check.
MAX_ZIP_ENTRIES = 2000
MAX_PATH_CHARS = 200
_SHOWN_CHARS, _SHOWN_NAMES = 80, 8
_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 64 * 1024
_ENCRYPTED = 0x1
_UNIX = 3


@dataclass(frozen=True)
class Unzipped:
    """The submission file found in a .zip (`filename`: its name, `data`: its bytes) and the data files kept
    beside it, by path relative to the folder ('datos/x.csv')."""

    filename: str
    data: bytes
    beside: dict[str, bytes] = field(default_factory=dict)


class ZipRefused(Exception):
    """A .zip that cannot be a submission; `message` says what was found and what to do."""

    def __init__(self, message: Text, *, status_code: int = 400) -> None:
        super().__init__(message.en)
        self.message = message
        self.status_code = status_code


def is_zip_name(filename: str) -> bool:
    """Whether an uploaded file's name says it is a zipped folder."""
    return filename.lower().endswith(".zip")


def shown(name: str) -> str:
    """A student's file name as a message quotes it: printable, bounded, without code marks."""
    return clean(name, _SHOWN_CHARS).replace("`", "'")


def _listing(names: list[str]) -> str:
    """Up to a few names, then how many more."""
    listed = ", ".join(shown(n) for n in names[:_SHOWN_NAMES])
    return listed + (f" (+{len(names) - _SHOWN_NAMES})" if len(names) > _SHOWN_NAMES else "")


def _mb(size: int) -> str:
    """A cap in whole megabytes (the caps are multiples of 2**20)."""
    return f"{size // 2**20} MB"


def _refuse(es: str, en: str, status_code: int = 400) -> ZipRefused:
    """The refusal to raise, in both languages."""
    return ZipRefused(t(es, en), status_code=status_code)


def _path(info: zipfile.ZipInfo) -> PurePosixPath:
    """The entry's path inside the folder; refused when it leads out of it or is a link or special file."""
    raw = info.filename.replace("\\", "/")  # zips made on Windows may use backslashes
    parts = raw.rstrip("/").split("/")
    if raw.startswith("/") or _DRIVE.match(raw) or ".." in parts:
        raise _refuse(f"La carpeta comprimida contiene «{shown(info.filename)}», una ruta fuera de la carpeta: "
                      "comprime solo la carpeta de tu entrega (sin rutas absolutas ni ..) y vuelve a enviarla.",
                      f"The zipped folder holds '{shown(info.filename)}', a path outside the folder: zip only "
                      "your submission's folder (no absolute paths or ..) and send it again.")
    mode = info.external_attr >> 16 if info.create_system == _UNIX else 0
    if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        what = ("un enlace simbólico", "a symbolic link") if stat.S_ISLNK(mode) else \
            ("un archivo especial", "a special file")
        raise _refuse(f"«{shown(info.filename)}» es {what[0]}; por seguridad no se siguen: pon el archivo real en "
                      "la carpeta y vuelve a comprimirla.",
                      f"'{shown(info.filename)}' is {what[1]}; they are not followed, for safety: put the real file "
                      "in the folder and zip it again.")
    if info.flag_bits & _ENCRYPTED:
        raise _refuse(f"«{shown(info.filename)}» está cifrado con contraseña: comprime la carpeta sin contraseña y "
                      "vuelve a enviarla.",
                      f"'{shown(info.filename)}' is password-encrypted: zip the folder without a password and send "
                      "it again.")
    return PurePosixPath(*[p for p in parts if p not in ("", ".")])


def _left_out(path: PurePosixPath) -> bool:
    """Hidden files and folders (.git, .ipynb_checkpoints) and macOS's __MACOSX copies: never the student's work."""
    return any(part.startswith(".") or part == "__MACOSX" for part in path.parts)


def _entries(data: bytes) -> tuple[zipfile.ZipFile, list[tuple[zipfile.ZipInfo, PurePosixPath]]]:
    """The archive and its file entries with their paths, checked one by one (see `_path`)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _refuse("El archivo .zip no es una carpeta comprimida válida: comprime de nuevo la carpeta (ZIP) y "
                      "vuelve a enviarla.",
                      "The .zip file is not a valid zipped folder: zip the folder again and send it again.",
                      415) from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _refuse(f"La carpeta comprimida tiene {len(infos)} entradas y el máximo es {MAX_ZIP_ENTRIES}: "
                      "comprime solo tu cuaderno y sus datos.",
                      f"The zipped folder has {len(infos)} entries and the limit is {MAX_ZIP_ENTRIES}: zip only "
                      "your notebook and its data.", 413)
    seen: set[str] = set()
    files = []
    for info in infos:
        path = _path(info)
        key = path.as_posix()
        if key in seen:
            raise _refuse(f"La carpeta comprimida contiene dos veces «{shown(key)}»: deja uno y vuelve a "
                          "comprimirla.", f"The zipped folder holds '{shown(key)}' twice: keep one and zip "
                          "it again.")
        seen.add(key)
        if not info.is_dir() and path.parts and not _left_out(path):
            files.append((info, path))
    return archive, files


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, what: Text) -> bytes:
    """An entry's bytes, refused past `cap` by its declared size or by what it actually inflates to (reading
    stops there: a zip bomb never inflates further). zipfile itself stops at the declared size and then finds
    the CRC wrong, which is refused as a damaged entry; the count here does not rely on that."""
    too_big = _refuse(f"«{shown(info.filename)}» ocupa más de {_mb(cap)} sin comprimir, el máximo "
                      f"para {what.es}: quítalo o redúcelo y vuelve a enviar la carpeta.",
                      f"'{shown(info.filename)}' is over {_mb(cap)} uncompressed, the limit for "
                      f"{what.en}: remove or shrink it and send the folder again.", 413)
    if info.file_size > cap:
        raise too_big
    out = bytearray()
    try:
        with archive.open(info) as opened:
            while chunk := opened.read(_CHUNK):
                out += chunk
                if len(out) > cap:
                    raise too_big
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, EOFError, zlib.error):
        raise _refuse(f"No se pudo leer «{shown(info.filename)}» de la carpeta comprimida (dañado o con una "
                      "compresión no admitida): comprímela de nuevo como ZIP normal y vuelve a enviarla.",
                      f"Could not read '{shown(info.filename)}' from the zipped folder (damaged or compressed in "
                      "an unsupported way): zip it again as a plain ZIP and send it again.") from None
    return bytes(out)


def _folder_root(paths: list[PurePosixPath]) -> PurePosixPath:
    """The one folder everything is in (a zipped folder 'practica/...'), else the archive's top."""
    tops = {p.parts[0] for p in paths if len(p.parts) > 1}
    if len(tops) == 1 and all(len(p.parts) > 1 for p in paths):
        return PurePosixPath(tops.pop())
    return PurePosixPath()


def _submission(code: list[PurePosixPath], others: list[PurePosixPath], exercise_id: str) -> PurePosixPath:
    """The one notebook or script to grade: the only one, or the only one named after the exercise."""
    if len(code) == 1:
        return code[0]
    named = [p for p in code if exercise_id.lower() in p.stem.lower().replace("_", "-")]
    if len(named) == 1:
        return named[0]
    if not code:
        found = _listing([p.as_posix() for p in others]) or "nada"
        raise _refuse(f"La carpeta comprimida no contiene ningún cuaderno .ipynb ni script .py (contiene: {found}): "
                      "añade tu entrega y vuelve a comprimirla.",
                      f"The zipped folder holds no .ipynb notebook or .py script (it holds: "
                      f"{found if others else 'nothing'}): add your submission and zip it again.", 415)
    raise _refuse(f"La carpeta comprimida contiene varios archivos de código ({_listing([p.as_posix() for p in code])})"
                  f": deja solo el que se califica, o llámalo {exercise_id}.ipynb, y vuelve a comprimirla.",
                  f"The zipped folder holds several code files ({_listing([p.as_posix() for p in code])}): keep "
                  f"only the one to grade, or name it {exercise_id}.ipynb, and zip it again.")


def _check_name(rel: str) -> None:
    """A kept file's path is stored and goes to the sandbox as written: printable and bounded, or refused."""
    if len(rel) > MAX_PATH_CHARS or first_unsafe(rel) is not None:
        raise _refuse(f"El nombre «{shown(rel)}» es demasiado largo o tiene caracteres no válidos: renómbralo y "
                      "vuelve a comprimir la carpeta.", f"The name '{shown(rel)}' is too long or has invalid "
                      "characters: rename it and zip the folder again.")


def unzip_submission(*, data: bytes, exercise_id: str, max_code_bytes: int) -> Unzipped:
    """The submission file in zipped folder `data` and its data files (see the module's docstring); raises
    ZipRefused saying what was found and what to do."""
    archive, files = _entries(data)
    with archive:
        root = _folder_root([path for _, path in files])
        code = [path for _, path in files if path.suffix.lower() in CODE_EXTENSIONS]
        chosen = _submission(code, [path for _, path in files], exercise_id)
        infos = {path: info for info, path in files}
        _check_name(chosen.name)
        source = _read(archive, infos[chosen], max_code_bytes, t("una entrega", "a submission"))
        data_files = [path for _, path in files if path != chosen and is_data_kind(path.name)]
        if len(data_files) > MAX_BESIDE_FILES:
            raise _refuse(f"La carpeta comprimida tiene {len(data_files)} archivos de datos y el máximo es "
                          f"{MAX_BESIDE_FILES}: deja solo los que lee tu código.",
                          f"The zipped folder has {len(data_files)} data files and the limit is {MAX_BESIDE_FILES}: "
                          "keep only those your code reads.", 413)
        too_much = _refuse(f"Los archivos de datos ocupan más de {_mb(MAX_BESIDE_BYTES)} sin comprimir, el "
                           "máximo: deja solo los que lee tu código.",
                           f"The data files are over {_mb(MAX_BESIDE_BYTES)} uncompressed, the limit: keep "
                           "only those your code reads.", 413)
        if sum(infos[p].file_size for p in data_files) > MAX_BESIDE_BYTES:
            raise too_much
        beside: dict[str, bytes] = {}
        for path in data_files:
            rel = path.relative_to(root).as_posix()
            _check_name(rel)
            beside[rel] = _read(archive, infos[path], MAX_BESIDE_FILE_BYTES, t("un archivo de datos", "a data file"))
            if sum(map(len, beside.values())) > MAX_BESIDE_BYTES:  # declared sizes may lie
                raise too_much
    return Unzipped(filename=chosen.name, data=source, beside=beside)
