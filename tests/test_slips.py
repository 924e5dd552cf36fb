"""Reading past a syntax slip (grader/core/slips.py): Jupyter runs the other cells of a notebook, a teacher reads
the rest of a script; a file that is nothing but errors is still refused with the first one."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.core.slips import MAX_SLIPS
from grader.core.sources import SubmissionError, load_source


def notebook(*cells: str) -> bytes:
    """A notebook of code cells, as Jupyter writes it."""
    return nbformat.writes(new_notebook(cells=[new_code_cell(c) for c in cells])).encode()


def test_a_statement_that_does_not_parse_is_blanked_and_the_rest_keeps_its_lines() -> None:
    code = b"import keras\nmodel = keras.Sequential([\n    keras.layers.Dense(1)\n)\nx = 1\nprint 'fin'\ny = 2\n"
    source = load_source(filename="tarea.py", data=code)
    assert source.code.split("\n")[:7] == ["import keras", "", "", "", "x = 1", "", "y = 2"]
    assert len(source.notes) == 2
    assert source.notes[0].es.startswith("Error de sintaxis en `tarea.py`, línea 4")
    assert "Se calificó el resto sin las líneas 2 a 4, que no se ejecutó." in source.notes[0].es
    assert "The rest was graded without line 6, which did not run." in source.notes[1].en


def test_a_stray_leading_space_is_read_aligned_with_the_line_before() -> None:
    code = b"import keras\n model = keras.Sequential()\n if True:\n     x = 1\nmodel.summary()\n"
    source = load_source(filename="tarea.py", data=code)
    assert source.code.split("\n")[:5] == ["import keras", "model = keras.Sequential()", "if True:",
                                           "    x = 1", "model.summary()"]
    assert len(source.notes) == 1 and "línea 2" in source.notes[0].es
    assert source.notes[0].en.endswith("It was graded reading that line aligned with the one before.")


def test_a_notebook_cell_that_does_not_compile_is_skipped_as_jupyter_does() -> None:
    source = load_source(filename="lab.ipynb", data=notebook("import keras", "x = (1,\ny = 2", "z = 3"))
    assert source.code.split("\n")[:4] == ["import keras", "", "", "z = 3"]
    assert "celda de código 2" in source.notes[0].es and "sin esa celda" in source.notes[0].es


def test_ipython_drops_a_cells_leading_indentation_and_pasted_prompts() -> None:
    source = load_source(filename="lab.ipynb", data=notebook(
        "  x = 1\n  if x:\n      y = 2\n", ">>> a = [1,\n... 2]\n>>> b = a", "In [3]: c = 3\n   ...: d = c"))
    assert source.code.split("\n")[:8] == ["x = 1", "if x:", "    y = 2", "", "a = [1,", "2]", "b = a",
                                           "c = 3"]
    assert source.notes == ()  # IPython runs them as they are: nothing to tell


def test_a_file_that_is_only_an_error_is_still_refused() -> None:
    with pytest.raises(SubmissionError) as info:
        load_source(filename="tarea.py", data=b"# mi modelo\ndef f(:\n    return 1\n")
    assert info.value.message.es.startswith("Error de sintaxis en `tarea.py`, línea 2")
    assert "Corrige esa línea y vuelve a enviar el archivo." in info.value.message.es


def test_more_slips_than_a_reading_can_take_is_not_python_and_is_refused() -> None:
    lines = [b"x = 1"] + [b"print 'paso %d'" % i for i in range(MAX_SLIPS + 1)]
    with pytest.raises(SubmissionError) as info:
        load_source(filename="py2.py", data=b"\n".join(lines) + b"\n")
    assert "línea 2" in info.value.message.es and "print" in info.value.message.en
    read = load_source(filename="py2.py", data=b"\n".join(lines[:MAX_SLIPS + 1]) + b"\n")
    assert len(read.notes) == MAX_SLIPS and read.code.startswith("x = 1\n\n")
