"""A notebook's code cells as the student wrote them, and IPython's magics among them.

`notebook_code_cells` reads a .ipynb (any nbformat version, within the cell cap) into its code cells and their
execution counts; `skip_magics` blanks the lines IPython would run as magics or shell commands, with a note
for each. Nothing here runs the code.
"""

from __future__ import annotations

import json
import re
import warnings

import nbformat
from nbformat.reader import get_version
from traitlets.log import get_logger

from grader.core.i18n import Text, t
from grader.core.refusal import SubmissionError, fail
from grader.core.syntax_messages import COLAB_ESCAPES, snippet

MAX_NOTEBOOK_CELLS = 2000  # all cells, markdown included: far more than any exercise needs


def notebook_code_cells(filename: str, text: str) -> tuple[list[str], list[int | None]]:
    """The code cells of a notebook and their execution counts (None where it has none), parsed once and
    within the cell cap; a SubmissionError says what is wrong with the file and what to do."""
    try:
        # Parsed once, here, because nbformat's own error hides where the JSON breaks.
        if not isinstance(raw := json.loads(text), dict) or "nbformat" not in raw:
            raise TypeError("the JSON is not an object with an 'nbformat' field")
        _check_cell_count(filename, raw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. missing cell ids: nbformat fixes them, the student can't
            notebook = _read_notebook(raw)
        cells: list[str] = []
        counts: list[int | None] = []
        for cell in notebook.cells:
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            if not isinstance(source, str):
                raise TypeError("a cell 'source' is not text")
            if cell.get("cell_type") == "code":
                cells.append(source)
                count = cell.get("execution_count")
                counts.append(count if type(count) is int and count >= 0 else None)
    except json.JSONDecodeError as exc:
        es = f"no es JSON válido (línea {exc.lineno}, columna {exc.colno}: {exc.msg})"
        en = f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
    except SubmissionError:
        raise
    except RecursionError:  # JSON nested thousands of levels deep: no notebook is
        es, en = "no es un cuaderno válido (JSON anidado a demasiada profundidad)", "is not a valid notebook " \
            "(JSON nested too deeply)"
    except Exception as exc:  # nbformat raises anything from ValidationError to AttributeError
        detail = str(getattr(exc, "message", None) or exc) or type(exc).__name__
        detail = snippet(detail.splitlines()[0], 160)
        es, en = f"no es un cuaderno de Jupyter válido ({detail})", f"is not a valid notebook ({detail})"
    else:
        return cells, counts
    raise fail(f"`{filename}` {es}. Descarga de nuevo el cuaderno desde Colab (Archivo > Descargar > "
               ".ipynb) sin editarlo a mano.", f"`{filename}` {en}. Download the notebook again from Colab "
               "(File > Download > .ipynb) without editing it by hand.")


def _read_notebook(raw: dict[str, object]) -> nbformat.NotebookNode:
    """What `nbformat.reads(text, as_version=4)` returns, from the JSON already parsed (not parsed again)."""
    major, minor = get_version(raw)
    if major not in nbformat.versions:
        raise nbformat.NBFormatError(f"Unsupported nbformat version {major}")
    try:
        notebook = nbformat.versions[major].to_notebook_json(raw, minor=minor)
    except AttributeError as exc:
        raise nbformat.ValidationError(f"The notebook is invalid and is missing an expected key: {exc}") from None
    notebook = nbformat.convert(notebook, 4)
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as exc:  # logged, not fatal: as nbformat.reads does
        get_logger().error("Notebook JSON is invalid: %s", exc)
    return notebook


def _check_cell_count(filename: str, raw: dict[str, object]) -> None:
    """Refuse a notebook of more than MAX_NOTEBOOK_CELLS cells before nbformat converts and validates it."""
    sheets = raw.get("worksheets")  # nbformat 3 keeps its cells in worksheets
    groups = [w.get("cells") for w in sheets if isinstance(w, dict)] if isinstance(sheets, list) else []
    count = sum(len(g) for g in [raw.get("cells"), *groups] if isinstance(g, list))
    if count > MAX_NOTEBOOK_CELLS:
        raise fail(f"`{filename}` tiene {count} celdas y el máximo es {MAX_NOTEBOOK_CELLS}: deja solo las celdas "
                   "de tu solución y vuelve a descargarlo.", f"`{filename}` has {count} cells and the limit is "
                   f"{MAX_NOTEBOOK_CELLS}: keep only the cells of your solution and download it again.")


# IPython's automagic: in a notebook, a line magic or shell alias runs without its `%` (`pip install x`,
# `matplotlib inline`, `cd ..`, `ls -la`) unless what follows makes it Python (IPython's rule: an assignment, a
# call or an operator other than `-` and `/`, which start a flag or a path; a bracket or keyword here too).
_AUTOMAGIC = re.compile(r"(pip|conda|cd|ls|matplotlib|load_ext|reload_ext|env|pwd|cat|mkdir|rm|cp|mv|rmdir|"
                        r"tensorflow_version|pylab|autoreload|config|who|whos|history|bookmark|alias|unalias|"
                        r"pinfo|notebook|precision|set_env|pdb|xmode)"
                        r"(\s+(?![+*%&|^<>=!,:;(\[{'\"]|(is|not|in|and|or|if|else|for)\b)\S.*|\s*$)")
_BARE_ALIASES = ("ls", "pwd")  # alone on a line: a shell alias (any other bare name is a Python expression)


def _automagic(stripped: str) -> bool:
    """Whether `stripped` (a line starting a statement) is one IPython runs as a magic without its `%`."""
    match = _AUTOMAGIC.match(stripped.rstrip())
    return match is not None and (bool(match.group(2).strip()) or match.group(1) in _BARE_ALIASES)


def skip_magics(cell: tuple[str, str], lines: list[str], notes: list[Text]) -> list[str]:
    """`lines` of one code cell with each line IPython runs as a magic or shell command (`!pip`, `%time`,
    automagic `pip install x`) blanked, and a note for each in `notes`; `cell` is its label (es, en)."""
    # Only a line that starts a new statement can be a magic: `% b` continuing a bracket or a `!` in a
    # docstring is Python. Track brackets, open strings and `\` continuations to tell them apart.
    out: list[str] = []
    depth, quote, continued = 0, "", False
    for number, line in enumerate(lines, start=1):
        stripped = line.lstrip()
        if depth == 0 and not quote and not continued and (stripped.startswith(COLAB_ESCAPES) or _automagic(stripped)):
            shown = snippet(line)
            notes.append(t(f"{cell[0]}, línea {number}: se omitió `{shown}` (los comandos `!` y `%` de "
                           "Colab no se ejecutan al corregir).", f"{cell[1]}, line {number}: skipped "
                           f"`{shown}` (Colab `!` and `%` commands are not run when grading)."))
            indent = line[: len(line) - len(stripped)]
            # `pass` keeps an `if` whose body is only `!pip install x` valid; top level needs nothing,
            # and a blank line there keeps an all-magics notebook counted as empty.
            out.append(indent + "pass" if indent else "")
            continue
        out.append(line)
        depth, quote, continued = _scan(line, depth, quote)
    return out


def _scan(line: str, depth: int, quote: str) -> tuple[int, str, bool]:
    """Return bracket depth, still-open string quote and `\\` continuation after `line`."""
    i = 0
    while i < len(line):
        char = line[i]
        if quote:
            if char == "\\":
                i += 2  # an escaped quote does not close the string, even in raw strings
                continue
            if line.startswith(quote, i):
                i, quote = i + len(quote), ""
                continue
        elif char == "#":
            break
        elif char in "'\"":
            quote = char * 3 if line.startswith(char * 3, i) else char
            i += len(quote)
            continue
        elif char == "\\" and i == len(line) - 1:
            return depth, quote, True
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(depth - 1, 0)
        i += 1
    if len(quote) == 1 and not line.endswith("\\"):
        quote = ""  # an unterminated one-line string is a syntax error; do not let it swallow the cell
    return depth, quote, False
