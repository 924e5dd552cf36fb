"""A student's folder sent as a .zip: which file is graded, which data files go beside it, and every archive
that is refused (with what was found and what to do) before anything is stored or inflated past its cap."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from grader.core.beside import MAX_BESIDE_BYTES, MAX_BESIDE_FILE_BYTES, MAX_BESIDE_FILES
from grader.course.zipped import MAX_ZIP_ENTRIES, Unzipped, ZipRefused, unzip_submission
from tests.zip_helpers import NOTEBOOK, UNITS_CSV, lying_size, with_duplicate, zipped

LAB = "lab-add-hidden-16"
BIG = zipped({"p.ipynb": NOTEBOOK, "big.csv": b"0" * (MAX_BESIDE_FILE_BYTES + 1)})


def _unzip(data: bytes) -> Unzipped:
    return unzip_submission(data=data, exercise_id=LAB, max_code_bytes=2**20)


def test_a_zipped_folder_gives_its_notebook_and_the_data_beside_it() -> None:
    """The one top folder is the student's folder; hidden folders, macOS copies and other kinds are left out."""
    found = _unzip(zipped({"practica/practica.ipynb": NOTEBOOK, "practica/datos/capas.csv": UNITS_CSV,
                           "practica/pesos.npy": b"\x93NUMPY", "practica/.git/config": b"[core]",
                           "practica/.ipynb_checkpoints/practica-checkpoint.ipynb": NOTEBOOK,
                           "__MACOSX/practica/._practica.ipynb": b"\x00", "practica/README.md": b"# hola",
                           "practica/figura.png": b"\x89PNG"}))
    assert (found.filename, found.data) == ("practica.ipynb", NOTEBOOK)
    assert found.beside == {"datos/capas.csv": UNITS_CSV, "pesos.npy": b"\x93NUMPY"}


def test_of_several_code_files_the_one_named_after_the_exercise_is_graded() -> None:
    found = _unzip(zipped({"borrador.py": b"x = 1\n", f"notebooks/{LAB}.ipynb": NOTEBOOK, "datos.csv": b"a\n1\n"}))
    assert (found.filename, found.beside) == (f"{LAB}.ipynb", {"datos.csv": b"a\n1\n"})


def test_a_json_beside_the_notebook_is_kept_as_data() -> None:
    found = _unzip(zipped({"p/p.ipynb": NOTEBOOK, "p/historial.json": b'{"loss": [1]}'}))
    assert (found.filename, found.beside) == ("p.ipynb", {"historial.json": b'{"loss": [1]}'})


CASES: dict[str, tuple[Callable[[], bytes], int, str, str]] = {
    "parent": (lambda: zipped({"p.ipynb": NOTEBOOK, "../fuera.csv": b"1"}), 400,
               "«../fuera.csv», una ruta fuera de la carpeta", "'../fuera.csv', a path outside the folder"),
    "absolute": (lambda: zipped({"p.ipynb": NOTEBOOK, "/etc/cron.d/x.csv": b"1"}), 400,
                 "«/etc/cron.d/x.csv», una ruta fuera", "a path outside the folder"),
    "drive": (lambda: zipped({"p.ipynb": NOTEBOOK, "C:/Users/x.csv": b"1"}), 400,
              "«C:/Users/x.csv», una ruta fuera", "a path outside the folder"),
    "backslashes": (lambda: zipped({"p.ipynb": NOTEBOOK, "datos\\..\\..\\x.csv": b"1"}), 400,
                    "una ruta fuera de la carpeta", "a path outside the folder"),
    "link": (lambda: zipped({"p.ipynb": NOTEBOOK}, link="datos.csv"), 400,
             "«datos.csv» es un enlace simbólico", "'datos.csv' is a symbolic link"),
    "link-in-git": (lambda: zipped({"p.ipynb": NOTEBOOK}, link=".git/hooks/x"), 400,
                    "es un enlace simbólico", "is a symbolic link"),
    "encrypted": (lambda: zipped({"p.ipynb": NOTEBOOK}, encrypted="datos.csv"), 400,
                  "«datos.csv» está cifrado con contraseña", "'datos.csv' is password-encrypted"),
    "not-a-zip": (lambda: b"print('hola')\n", 415, "no es una carpeta comprimida válida",
                  "is not a valid zipped folder"),
    "truncated": (lambda: zipped({"p.ipynb": NOTEBOOK})[:-30], 415, "no es una carpeta comprimida válida",
                  "is not a valid zipped folder"),
    "duplicate": (lambda: with_duplicate("datos.csv"), 400, "contiene dos veces «datos.csv»",
                  "holds 'datos.csv' twice"),
    "entries": (lambda: zipped({f"vacio{i}.md": b"" for i in range(MAX_ZIP_ENTRIES + 1)}), 413,
                f"tiene {MAX_ZIP_ENTRIES + 1} entradas y el máximo es {MAX_ZIP_ENTRIES}", "entries and the limit"),
    "declared-bomb": (lambda: BIG, 413, "«big.csv» ocupa más de 8 MB sin comprimir", "'big.csv' is over 8 MB"),
    "lying-bomb": (lambda: lying_size(BIG, "big.csv", 1000), 400, "No se pudo leer «big.csv»",
                   "Could not read 'big.csv'"),
    "total": (lambda: zipped({"p.ipynb": NOTEBOOK, **{f"d{i}.npy": b"0" * MAX_BESIDE_FILE_BYTES
                                                      for i in range(MAX_BESIDE_BYTES // MAX_BESIDE_FILE_BYTES + 1)}}),
              413, "Los archivos de datos ocupan más de 24 MB", "The data files are over 24 MB"),
    "data-count": (lambda: zipped({"p.ipynb": NOTEBOOK, **{f"d{i}.csv": b"1" for i in range(MAX_BESIDE_FILES + 1)}}),
                   413, f"{MAX_BESIDE_FILES + 1} archivos de datos y el máximo es {MAX_BESIDE_FILES}",
                   "data files and the limit"),
    "code-too-big": (lambda: zipped({"p.py": b"x = 1\n" * 2**18}), 413, "«p.py» ocupa más de 1 MB",
                     "the limit for a submission"),
    "no-code": (lambda: zipped({"README.md": b"#", "datos.csv": b"1"}), 415,
                "no contiene ningún cuaderno .ipynb ni script .py (contiene: README.md, datos.csv)",
                "holds no .ipynb notebook or .py script (it holds: README.md, datos.csv)"),
    "several": (lambda: zipped({"a.ipynb": NOTEBOOK, "b/b.py": b"x = 1\n"}), 400,
                f"varios archivos de código (a.ipynb, b/b.py): deja solo el que se califica, o llámalo {LAB}.ipynb",
                f"several code files (a.ipynb, b/b.py): keep only the one to grade, or name it {LAB}.ipynb"),
    "control-name": (lambda: zipped({"p.ipynb": NOTEBOOK, "\x1b[2J.csv": b"1"}), 400,
                     "El nombre «\ufffd[2J.csv» es demasiado largo o tiene caracteres no válidos",
                     "is too long or has invalid characters"),
    "long-name": (lambda: zipped({"p.ipynb": NOTEBOOK, "d" * 250 + ".csv": b"1"}), 400,
                  "«" + "d" * 79 + "…» es demasiado largo", "is too long"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_archives_say_what_was_found_and_what_to_do(case: str) -> None:
    build, status, es, en = CASES[case]
    with pytest.raises(ZipRefused) as refused:
        _unzip(build())
    assert refused.value.status_code == status
    assert es in refused.value.message.es and en in refused.value.message.en


def test_a_long_listing_is_bounded() -> None:
    """Names a student chose are quoted at most 80 characters each, a few of them, then a count."""
    with pytest.raises(ZipRefused) as refused:
        _unzip(zipped({f"{'n' * 300}{i}.py": b"x = 1\n" for i in range(20)}))
    assert len(refused.value.message.es) < 1200 and "(+12)" in refused.value.message.es
