"""Tests for grader.core.sources: turning raw .py / .ipynb bytes into code or a specific, bilingual error."""

from __future__ import annotations

import json
import re
import warnings

import nbformat
import pytest
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.core.i18n import Text, t
from grader.core.sources import MAX_SOURCE_BYTES, StudentSource, SubmissionError, load_source
from grader.core.syntax_messages import translate


def notebook(*cells: NotebookNode) -> bytes:
    """Serialise cells the way Jupyter/Colab would write them to disk."""
    return nbformat.writes(new_notebook(cells=list(cells))).encode("utf-8")


def error(filename: str, data: bytes, **kwargs: int) -> SubmissionError:
    """Load a submission that must be rejected and return the error."""
    with pytest.raises(SubmissionError) as info:
        load_source(filename=filename, data=data, **kwargs)
    return info.value


def slip(filename: str, data: bytes) -> Text:
    """Load a submission with one syntax slip, which is read past, and return the note that names it."""
    notes = [note for note in load_source(filename=filename, data=data).notes if "sintaxis" in note.es]
    assert len(notes) == 1
    return notes[0]


# --- valid submissions -------------------------------------------------------------------------


def test_valid_py_is_returned_unchanged() -> None:
    data = b"import numpy as np\n\nx = np.zeros(3)\n"
    source = load_source(filename="ej1.py", data=data)
    assert source == StudentSource(filename="ej1.py", kind="py", code=data.decode(), notes=())
    assert source.locate(3).es == "línea 3"
    assert source.locate(3).en == "line 3"


def test_extension_is_case_insensitive() -> None:
    assert load_source(filename="EJ1.PY", data=b"x = 1\n").kind == "py"
    assert load_source(filename="Ej1.IPYNB", data=notebook(new_code_cell("x = 1"))).kind == "ipynb"


def test_utf8_bom_is_accepted_and_stripped() -> None:
    source = load_source(filename="ej1.py", data=b"\xef\xbb\xbfs = '\xc3\xb1'\n")
    assert source.code == "s = 'ñ'\n"


def test_notebook_joins_code_cells_in_order_and_ignores_markdown() -> None:
    data = notebook(
        new_markdown_cell("# Ejercicio 1\n\nCrea un modelo."),
        new_code_cell("import keras\nx = 1"),
        new_markdown_cell("Ahora entrena."),
        new_code_cell("y = x + 1"),
    )
    source = load_source(filename="ej1.ipynb", data=data)
    assert source.kind == "ipynb"
    assert source.notes == ()
    assert source.code == "import keras\nx = 1\ny = x + 1\n"
    # Code cells are numbered among code cells only: markdown in between does not count.
    assert source.locate(2).es == "celda de código 1, línea 2"
    assert source.locate(3).en == "code cell 2, line 1"


def test_notebook_cells_that_ran_also_show_their_execution_count() -> None:
    ran = new_code_cell("model = 1")
    ran.execution_count = 7
    data = notebook(new_markdown_cell("# Ej"), new_code_cell("x = 1"), new_markdown_cell("..."), ran)
    source = load_source(filename="ej1.ipynb", data=data)
    assert source.execution_counts == (None, 7)
    assert source.locate(1).es == "celda de código 1, línea 1"
    assert source.locate(2).es == "celda de código 2 (In [7]), línea 1"
    assert source.locate(2).en == "code cell 2 (In [7]), line 1"


def test_notebook_cell_source_as_list_of_strings() -> None:
    raw = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "id": "a1", "metadata": {}, "execution_count": None, "outputs": [],
             "source": ["a = 1\n", "b = a * 2\n"]},
        ],
    }
    source = load_source(filename="ej1.ipynb", data=json.dumps(raw).encode())
    assert source.code.startswith("a = 1\nb = a * 2\n")


def test_ipython_automagic_lines_are_skipped_in_a_notebook_and_python_is_not() -> None:
    magics = ["pip install tensorflow", "pip install -q tensorflow-hub", "matplotlib inline", "cd ..",
              "cd /content/drive/MyDrive", "ls", "ls -la", "pwd", "rm -rf logs"]
    python = ["cd = 3", "ls = []", "history = model.fit(x)", "pwd.strip()", "cat(x)", "env.reset()", "pip",
              "history is None", "ls[0]", "config['a'] = 1"]
    source = load_source(filename="colab.ipynb", data=notebook(new_code_cell("\n".join(magics + python))))
    lines = source.code.splitlines()
    assert lines[:len(magics)] == [""] * len(magics) and lines[len(magics):] == python
    assert len(source.notes) == len(magics) and "`pip install tensorflow`" in source.notes[0].es
    # A .py file is not a notebook: IPython does not run it, so the line is the syntax error it is.
    assert "pip install tensorflow" in slip("script.py", b"import numpy\npip install tensorflow\n").en


def test_line_magics_and_shell_escapes_are_skipped_with_notes() -> None:
    data = notebook(
        new_markdown_cell("Instalación"),
        new_code_cell("!pip install -q tensorflow-datasets\n%matplotlib inline\nimport keras"),
        new_code_cell("if True:\n    !pip install x\nprint('ok')"),
    )
    source = load_source(filename="ej1.ipynb", data=data)
    lines = source.code.splitlines()
    # Top-level magics become blank lines, the indented one `pass`: line numbers do not move.
    assert lines[:3] == ["", "", "import keras"]
    assert lines[3:6] == ["if True:", "    pass", "print('ok')"]
    assert [note.es.split(":")[0] for note in source.notes] == [
        "Celda de código 1, línea 1", "Celda de código 1, línea 2", "Celda de código 2, línea 2",
    ]
    assert "`!pip install -q tensorflow-datasets`" in source.notes[0].es
    assert "`%matplotlib inline`" in source.notes[1].en
    assert source.notes[2].en.startswith("Code cell 2, line 2: skipped `!pip install x`")
    assert source.locate(5).es == "celda de código 2, línea 2"


def test_cell_magic_skips_the_whole_cell() -> None:
    data = notebook(
        new_code_cell("x = 1"),
        new_code_cell("%%bash\necho hola\nls -la"),
        new_code_cell("y = )"),
    )
    # The bash cell did not break parsing, and the error after it still points at the right cell.
    assert "celda de código 3, línea 1" in slip("ej1.ipynb", data).es

    source = load_source(filename="ej1.ipynb", data=notebook(
        new_code_cell("x = 1"), new_code_cell("%%bash\necho hola\nls -la"), new_code_cell("y = 2")))
    assert source.code.splitlines() == ["x = 1", "", "", "", "y = 2"]
    assert len(source.notes) == 1
    assert source.notes[0].es.startswith("Celda de código 2: se omitió la celda mágica `%%bash`")
    assert "Code cell 2" in source.notes[0].en
    assert source.locate(5).en == "code cell 3, line 1"


def test_percent_and_bang_that_are_python_are_left_alone() -> None:
    code = 'total = (10\n    % 3)\ntexto = """\n!Importante\n%d elementos\n"""\nz = 1 \\\n    % 2'
    source = load_source(filename="ej1.ipynb", data=notebook(new_code_cell(code)))
    assert source.notes == ()
    assert source.code == code + "\n"


def test_locate_clamps_to_the_last_notebook_line() -> None:
    source = load_source(filename="ej1.ipynb", data=notebook(new_code_cell("x = 1")))
    assert source.locate(99).es == "celda de código 1, línea 1"


def test_syntax_warnings_are_not_turned_into_errors() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_source(filename="ej1.py", data=b'patron = "\\d+"\nok = 1 is 1\n').kind == "py"


# --- rejected submissions ----------------------------------------------------------------------


def test_unknown_extension() -> None:
    exc = error("ej1.txt", b"x = 1\n")
    assert "`ej1.txt`" in exc.message.es
    assert ".py" in exc.message.es and ".ipynb" in exc.message.es
    assert ".py" in exc.message.en and ".ipynb" in exc.message.en
    assert str(exc) == exc.message.es


def test_oversize_says_size_and_cap_in_kb() -> None:
    exc = error("ej1.py", b"#" * (300 * 1024))
    assert "ocupa 300 KB y el máximo es 256 KB" in exc.message.es
    assert "is 300 KB and the limit is 256 KB" in exc.message.en
    assert MAX_SOURCE_BYTES == 256 * 1024


def test_oversize_notebook_suggests_clearing_outputs_and_cap_is_configurable() -> None:
    exc = error("ej1.ipynb", notebook(new_code_cell("x = 1")), max_bytes=100)
    assert "el máximo es 0,1 KB" in exc.message.es
    assert "salidas" in exc.message.es
    assert "outputs" in exc.message.en


def test_non_utf8_reports_byte_offset() -> None:
    exc = error("ej1.py", b"x = 1\n\xff = 2\n")
    assert "`ej1.py`" in exc.message.es
    assert "posición 6" in exc.message.es
    assert "offset 6" in exc.message.en
    assert "UTF-8" in exc.message.en


def test_non_utf8_offset_counts_the_bom() -> None:
    exc = error("ej1.py", b"\xef\xbb\xbfab\xe9")
    assert "offset 5" in exc.message.en


@pytest.mark.parametrize("data", [b"", b"  \n\n\t\n", b"# solo un comentario\n\n# otro\n"])
def test_py_without_code_is_empty(data: bytes) -> None:
    exc = error("ej1.py", data)
    assert exc.message.es.startswith("`ej1.py` no contiene código")
    assert "comments" in exc.message.en


@pytest.mark.parametrize(
    "cells",
    [
        [new_markdown_cell("# Solo texto")],
        [new_markdown_cell("# Texto"), new_code_cell(""), new_code_cell("  \n# comentario")],
        [new_code_cell("!pip install keras\n%load_ext tensorboard"), new_code_cell("%%bash\nls")],
        [],
    ],
)
def test_notebook_without_code_is_empty(cells: list[NotebookNode]) -> None:
    exc = error("ej1.ipynb", notebook(*cells))
    assert exc.message.es.startswith("`ej1.ipynb` no tiene ninguna celda de código")
    assert "no code cell" in exc.message.en


def test_nul_byte_in_py_names_the_line() -> None:
    exc = error("ej1.py", b"x = 1\ny = 2\x00\n")
    assert "`ej1.py` contiene un byte nulo (NUL) en la línea 2" in exc.message.es
    assert "NUL byte at line 2" in exc.message.en
    assert "UTF-16" in exc.message.es


def test_utf16_file_is_caught_as_nul_bytes() -> None:
    exc = error("ej1.py", "x = 1\n".encode("utf-16-le"))
    assert "NUL" in exc.message.en


def test_escaped_nul_in_notebook_names_the_cell() -> None:
    data = notebook(new_markdown_cell("hola"), new_code_cell("x = 1\ny = '\x00'"))
    assert b"\\u0000" in data
    exc = error("ej1.ipynb", data)
    assert "en la celda de código 1, línea 2" in exc.message.es
    assert "at code cell 1, line 2" in exc.message.en


def test_invalid_json_notebook_says_where() -> None:
    exc = error("ej1.ipynb", b'{\n  "cells": [,]\n}')
    assert exc.message.es.startswith("`ej1.ipynb` no es JSON válido (línea 2, columna 13")
    assert "is not valid JSON (line 2, column 13" in exc.message.en
    assert "Colab" in exc.message.es


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"a": 1}', "'nbformat' field"),
        (b"[1, 2]", "'nbformat' field"),
        (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "missing an expected key: cells"),
        (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": 3}', ""),
        (b'{"nbformat": 99, "nbformat_minor": 0, "metadata": {}, "cells": []}', "99"),
    ],
)
def test_json_that_is_not_a_notebook(data: bytes, reason: str) -> None:
    exc = error("ej1.ipynb", data)
    assert exc.message.es.startswith("`ej1.ipynb` no es un cuaderno de Jupyter válido (")
    assert exc.message.en.startswith("`ej1.ipynb` is not a valid notebook (")
    assert reason in exc.message.en


def test_syntax_error_in_py_gives_line_and_text() -> None:
    exc = slip("ej1.py", b"import keras\n\nmodel = keras.Sequential([\n")
    assert exc.es.startswith(
        "Error de sintaxis en `ej1.py`, línea 3: `model = keras.Sequential([` — El '[' no se cerró nunca."
    )
    assert exc.en.startswith(
        "Syntax error in `ej1.py`, line 3: `model = keras.Sequential([` — '[' was never closed.")


def test_colab_command_in_py_is_a_syntax_error_with_a_hint() -> None:
    exc = slip("ej1.py", b"x = 1\n!pip install keras\n")
    assert "línea 2: `!pip install keras`" in exc.es
    assert ".ipynb" in exc.es
    assert "remove them from the .py" in exc.en


def test_syntax_error_in_notebook_names_cell_and_line() -> None:
    data = notebook(
        new_markdown_cell("# Modelo"),
        new_code_cell("import keras"),
        new_code_cell("x = 1\nmodel = keras.Sequential([\n"),
    )
    exc = slip("ej1.ipynb", data)
    assert exc.es.startswith(
        "Error de sintaxis en `ej1.ipynb`, celda de código 2, línea 2: `model = keras.Sequential([` — "
        "El '[' no se cerró nunca."
    )
    assert exc.en.startswith("Syntax error in `ej1.ipynb`, code cell 2, line 2:")


def test_line_cited_inside_python_message_is_mapped_to_the_cell() -> None:
    exc = slip("ej1.ipynb", notebook(new_code_cell("x = 1"), new_code_cell("def f():\nreturn 1")))
    assert "celda de código 2, línea 2: `return 1`" in exc.es
    assert "después de la definición de la función de la celda de código 2, línea 1" in exc.es
    assert "after function definition on code cell 2, line 1" in exc.en


def test_hostile_nesting_is_reported_not_crashing() -> None:
    exc = error("ej1.py", b"x = " + b"-" * 200_000 + b"1\n", max_bytes=1024 * 1024)
    assert exc.message.es.startswith("No se pudo analizar `ej1.py`")
    assert "nested too deeply" in exc.message.en


def test_crlf_line_endings_keep_line_numbers() -> None:
    assert "línea 3: `y = (`" in slip("ej1.py", b"x = 1\r\n\r\ny = (\r\n").es
    source = load_source(filename="ej1.ipynb", data=notebook(new_code_cell("a = 1\r\n!ls\r\nb = 2")))
    assert source.code == "a = 1\n\nb = 2\n"
    assert source.notes[0].en.startswith("Code cell 1, line 2: skipped `!ls`")


# --- syntax errors in the student's language (grader/core/syntax_messages.py) -------------------

# A broken snippet for each entry of the table, with the message Python 3.11's compile() gives for it.
BROKEN = {
    "x = = 1\n": "invalid syntax",
    "a = [1 2]\n": "invalid syntax. Perhaps you forgot a comma?",
    "if x = 1:\n  pass\n": "invalid syntax. Maybe you meant '==' or ':=' instead of '='?",
    "if x == 1\n  pass\n": "expected ':'",
    "def f:\n  pass\n": "expected '('",
    "f'{x'\n": "f-string: expecting '}'",
    "x = a if b\n": "expected 'else' after 'if' expression",
    "try:\n  pass\nx = 1\n": "expected 'except' or 'finally' block",
    "x = 1\n    y = 2\n": "unexpected indent",
    "if x:\npass\n": "expected an indented block after 'if' statement on line 1",
    "def f():\nreturn 1\n": "expected an indented block after function definition on line 1",
    "class A:\nx = 1\n": "expected an indented block after class definition on line 1",
    "if x:\n        a = 1\n    b = 2\n": "unindent does not match any outer indentation level",
    "if x:\n\tpass\n        pass\n": "inconsistent use of tabs and spaces in indentation",
    "s = 'abc\n": "unterminated string literal (detected at line 1)",
    's = """abc\n': "unterminated triple-quoted string literal (detected at line 1)",
    "\\\n": "unexpected EOF while parsing",
    "print(1\n": "'(' was never closed",
    "x = 1)\n": "unmatched ')'",
    "x = [1, 2)\n": "closing parenthesis ')' does not match opening parenthesis '['",
    "x = (1,\n2]\n": "closing parenthesis ']' does not match opening parenthesis '(' on line 1",
    "x = 1 – 2\n": "invalid character '–' (U+2013)",
    "x = 1\x01\n": "invalid non-printable character U+0001",
    "x = 1 + \\ \n2\n": "unexpected character after line continuation character",
    "f() = 1\n": "cannot assign to function call here. Maybe you meant '==' instead of '='?",
    "1 = x\n": "cannot assign to literal here. Maybe you meant '==' instead of '='?",
    "x == 1 = 2\n": "cannot assign to comparison",
    "None = 1\n": "cannot assign to None",
    "del f()\n": "cannot delete function call",
    "f() += 1\n": "'function call' is an illegal expression for augmented assignment",
    "print 'hola'\n": "Missing parentheses in call to 'print'. Did you mean print(...)?",
    "x = 1abc\n": "invalid decimal literal",
    "x = 0xg\n": "invalid hexadecimal literal",
    "x = 0b12\n": "invalid digit '2' in binary literal",
    "x = 012\n": "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
    "return 1\n": "'return' outside function",
    "break\n": "'break' outside loop",
    "continue\n": "'continue' not properly in loop",
    "f(a=1, 2)\n": "positional argument follows keyword argument",
    "f(**k, *a)\n": "iterable argument unpacking follows keyword argument unpacking",
    "def f(a=1, b): pass\n": "non-default argument follows default argument",
    "def f(a, a): pass\n": "duplicate argument 'a' in function definition",
    "def f(*): pass\n": "named arguments must follow bare *",
    "f(x for x in y, 1)\n": "Generator expression must be parenthesized",
    "{'a': }\n": "expression expected after dictionary key and ':'",
    "x = {1: 2, 3}\n": "':' expected after dictionary key",
    "*a\n": "can't use starred expression here",
    "x = 1\ndef f():\n  x = 1\n  global x\n": "name 'x' is assigned to before global declaration",
    "nonlocal x\n": "nonlocal declaration not allowed at module level",
    "s = 'C:\\Users'\n": "(unicode error) 'unicodeescape' codec can't decode bytes in position 2-3: truncated "
                         "\\UXXXXXXXX escape",
    "f'{\"\\n\".join(x)}'\n": "f-string expression part cannot include a backslash",
    "f'{}'\n": "f-string: empty expression not allowed",
    "f'}'\n": "f-string: single '}' is not allowed",
    "f'{x!z}'\n": "f-string: invalid conversion character: expected 's', 'r', or 'a'",
    "f'{a b}'\n": "f-string: invalid syntax. Perhaps you forgot a comma?",
    "f'{x:{y:{z}}}'\n": "f-string: expressions nested too deeply",
}
# Words both languages write the same (Spanish "literal", "octal"...), and code Python quotes.
SAME_IN_BOTH = {"f-string", "print", "global", "nonlocal", "None", "return", "break", "continue", "else", "except",
                "finally", "if", "U+2013", "U+0001", "UXXXXXXXX", "literal", "hexadecimal", "octal", "escape"}


def _english_left(spanish: str, english: str) -> set[str]:
    """Words of `english` (outside quotes) that the Spanish text still contains."""
    unquoted = re.sub(r"'[^']*'|`[^`]*`", "", english)
    words = {w for w in re.findall(r"[A-Za-z][\w+-]*", unquoted) if len(w) > 2} - SAME_IN_BOTH
    return {w for w in words if re.search(rf"\b{re.escape(w)}\b", spanish)}


@pytest.mark.parametrize("code", list(BROKEN))
def test_python_syntax_errors_are_translated(code: str) -> None:
    """Each table entry against Python's real message: the Spanish has no English left, the English is
    Python's own."""
    with pytest.raises(SyntaxError) as info:
        compile(code, "ej1.py", "exec", dont_inherit=True)
    assert info.value.msg == BROKEN[code]
    text = translate(info.value.msg, locate=lambda n: t(f"línea {n}", f"line {n}"))
    assert text.en == BROKEN[code]
    assert "en inglés" not in text.es
    assert _english_left(text.es, text.en) == set()


def test_eol_message_of_older_pythons_is_translated_too() -> None:
    # Python 3.9 and older (and some tools) still write these; 3.11 never does, so no snippet can produce them.
    text = translate("EOL while scanning string literal", locate=lambda n: t(str(n), str(n)))
    assert text.es.startswith("cadena de texto sin cerrar") and _english_left(text.es, text.en) == set()


def test_unknown_syntax_message_keeps_the_english_in_parentheses() -> None:
    text = translate("some future message on line 2", locate=lambda n: t(f"línea {n}", f"cell 3, line {n}"))
    assert text.es == "Python no puede interpretar esta línea (en inglés: «some future message on cell 3, line 2»)"
    assert text.en == "some future message on cell 3, line 2"


def test_syntax_error_in_notebook_locates_the_detected_line_in_both_languages() -> None:
    exc = slip("ej1.ipynb", notebook(new_code_cell("x = 1"), new_code_cell("y = 2\ns = 'abc")))
    assert "Cadena de texto sin cerrar (detectada en la celda de código 2, línea 2)" in exc.es
    assert "(detected at code cell 2, line 2)" in exc.en


def test_zero_width_spaces_pasted_from_a_web_page_are_dropped_and_said() -> None:
    source = load_source(filename="kaggle.py", data="import numpy as np\n\u200b\nx = np.zeros(3)\u200b\n".encode())
    assert source.code == "import numpy as np\n\nx = np.zeros(3)\n"
    assert "Se quitaron 2 caracteres invisibles" in source.notes[-1].es
    cell = load_source(filename="k.ipynb", data=notebook(new_code_cell("a = 1\n\u200b\nb = a")))
    assert "\u200b" not in cell.code and "invisible" in cell.notes[-1].en
