"""Turn the raw bytes of one submission (.py or .ipynb) into Python source, without ever running it."""

from __future__ import annotations

import codecs
import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

import nbformat
from nbformat.reader import get_version
from traitlets.log import get_logger

from grader.core.i18n import Text, t
from grader.core.results import GradeResult
from grader.core.slips import MAX_SLIPS, ipython_cleanup
from grader.core.slips import read_past as read_past_slips
from grader.core.syntax_messages import COLAB_ESCAPES, LINE_BREAK, UnparsableCode, snippet, tree_of

# The largest submissions read: a notebook (outputs and images included), and the code taken from any file.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_CODE_BYTES = 256 * 1024
# The files a submission may be: a script, a notebook, or a quiz's answer file.
EXTENSIONS = (".py", ".ipynb", ".json", ".yaml", ".yml")
# The code a student hands in; the other kinds are a quiz's answers (or, beside code, data the code reads).
CODE_EXTENSIONS = (".py", ".ipynb")

MAX_SOURCE_BYTES = 256 * 1024  # a .py file; also the code cells of a notebook, added up
MAX_NOTEBOOK_CELLS = 2000  # all cells, markdown included: far more than any exercise needs


class SubmissionError(Exception):
    """Bad input: carries a bilingual, specific message (which line, which file, what to do)."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.es)  # so str(exc) is the Spanish message
        self.message = message


# What a try that uses no attempt adds to its notes, by cause.
_NOT_COUNTED = {
    "refused": t("Este intento no cuenta: tu archivo no llegó a ejecutarse, así que no gasta ninguno de tus "
                 "intentos. Corrígelo y vuelve a enviarlo.", "This try does not count: your file was never run, "
                 "so it uses none of your attempts. Fix it and submit it again."),
    "grader": t("Este intento no cuenta: falló el calificador, no tu entrega, así que no gasta ninguno de tus "
                "intentos.", "This try does not count: the grader failed, not your submission, so it uses none "
                "of your attempts."),
}


def not_judged(result: GradeResult, *, cause: Literal["refused", "grader"]) -> GradeResult:
    """`result` as a try that uses no attempt (`judged=False`), with a note telling the student so.

    The rule: a try is judged when the student's code ran, whatever became of it. Not judged:
    - "refused": the submission was refused before running, for what the file is rather than what the code
      does: every SubmissionError (not an accepted file, over a size, cell or code cap, not UTF-8 text or NUL
      bytes (UTF-16, binary), an unreadable notebook, no code at all, a syntax error, an answers file that
      cannot be read as a mapping of answers), or a file a batch could not take (discover's problems);
    - "grader": the grader failed, not the student: an exception while grading, an internal failure of the
      evaluator, a sandbox that could not start (it raises), a grading given up after MAX_CLAIMS claims
      (grader/queue/claims.py), an exercise gone from the catalog, a file a batch could not read.
    Judged (the student's doing): checks were run; or their code raised, called sys.exit, ran out of time,
    CPU or memory, crashed its process, wrote an oversized or damaged result, or defined nothing gradable;
    or the evaluator ran out of time or memory on what the code built.
    """
    return result.model_copy(update={"judged": False, "notes": [*result.notes, _NOT_COUNTED[cause]]})


@dataclass(frozen=True)
class StudentSource:
    """A submission ready to run, plus where each line of `code` came from.

    Notebook cells are numbered from 1 counting *code* cells only, top to bottom ("celda de código 4"
    is the fourth code cell whatever markdown lies between), and a cell that was run also shows the
    `In [n]` Jupyter printed next to it (its execution count), so the student finds it either way.
    """

    filename: str
    kind: Literal["py", "ipynb"]
    code: str
    notes: tuple[Text, ...]
    # For notebooks: (code cell number, line within the cell) for each line of `code`; empty for .py.
    origins: tuple[tuple[int, int], ...] = field(default=(), repr=False)
    # For notebooks: the execution count (`In [n]`) of each code cell, by code cell number - 1.
    execution_counts: tuple[int | None, ...] = field(default=(), repr=False)
    # The syntax errors read past (grader.core.slips), each as a refusal would have said it.
    slips: tuple[Text, ...] = ()

    def cell_spans(self) -> list[tuple[int, int]] | None:
        """A notebook's code cells as (first_line, last_line) of `code` (1-based, inclusive). For a script, its
        top-level statements: it runs on after a statement that raised, as a teacher reading it grades the
        work written after a slip (the first error is still reported); None when it does not parse."""
        if self.kind == "py":
            return _statement_spans(self.code)
        if not self.origins:
            return None
        spans: list[tuple[int, int]] = []
        for line, (cell, _) in enumerate(self.origins, start=1):
            if spans and self.origins[spans[-1][0] - 1][0] == cell:
                spans[-1] = (spans[-1][0], line)
            else:
                spans.append((line, line))
        return spans

    def locate(self, line: int) -> Text:
        """Describe line `line` of `code` (1-based) as the student sees it in the original file:
        'línea 84', or 'celda de código 4 (In [7]), línea 3' for a notebook; a script exported by nbconvert
        (`# In[7]:` markers) says both: 'línea 84 (celda In [7], línea 3)'."""
        if self.kind == "py" and self.origins and 0 < line <= len(self.origins):
            cell, cell_line = self.origins[line - 1]
            count = self.execution_counts[cell - 1] if 0 < cell <= len(self.execution_counts) else None
            if cell > 0:
                shown = f"In [{count}]" if count is not None else "In [ ]"
                return t(f"línea {line} (celda {shown}, línea {cell_line})",
                         f"line {line} (cell {shown}, line {cell_line})")
        if self.kind == "py" or not self.origins:
            return t(f"línea {line}", f"line {line}")
        # Python may point one past the end (unexpected EOF): clamp to the last real line.
        cell, cell_line = self.origins[min(max(line, 1), len(self.origins)) - 1]
        label = cell_label(cell, self.execution_counts)
        return t(f"{label.es}, línea {cell_line}", f"{label.en}, line {cell_line}")


def cell_label(cell: int, counts: tuple[int | None, ...] = ()) -> Text:
    """'celda de código 4 (In [7])' / 'code cell 4 (In [7])' for code cell `cell` (1-based), `In [n]` only
    when `counts` (execution counts by code cell) has one for it."""
    count = counts[cell - 1] if 0 < cell <= len(counts) else None
    shown = f" (In [{count}])" if count is not None else ""
    return t(f"celda de código {cell}{shown}", f"code cell {cell}{shown}")


def read_code(*, filename: str, data: bytes, read_past: bool = True) -> StudentSource:
    """A code submission as graded (a notebook up to MAX_NOTEBOOK_BYTES, any code up to MAX_CODE_BYTES), or
    SubmissionError. `read_past=False`: a syntax slip refuses the file too, for a student who can still fix it
    (the web refuses such a file at once, and the try does not count); grading a hand-in reads past it."""
    cap = MAX_NOTEBOOK_BYTES if filename.lower().endswith(".ipynb") else MAX_CODE_BYTES
    source = load_source(filename=filename, data=data, max_bytes=cap, read_past=read_past)
    if len(source.code.encode()) > MAX_CODE_BYTES:
        raise _fail(f"{filename}: el código tiene más de {MAX_CODE_BYTES // 1024} KB; envía solo tu solución.",
                    f"{filename}: the code is over {MAX_CODE_BYTES // 1024} KB; submit your solution only.")
    return source


def refused_before_running(*, filename: str, data: bytes, max_score: float) -> GradeResult | None:
    """The result of a code file that cannot run as written (a syntax slip included), which uses no attempt;
    None for a file that can, or that is not code."""
    if not filename.lower().endswith(CODE_EXTENSIONS):
        return None
    try:
        read_code(filename=filename, data=data, read_past=False)
    except SubmissionError as exc:
        return not_judged(GradeResult.failed(exc.message, max_score=max_score), cause="refused")
    return None


def load_source(*, filename: str, data: bytes, max_bytes: int = MAX_SOURCE_BYTES,
                read_past: bool = True) -> StudentSource:
    """Decode, split into code and syntax-check one submission; raise SubmissionError on bad input. A few
    syntax slips are read past (grader.core.slips) unless `read_past` is False."""
    lowered = filename.lower()
    if not lowered.endswith((".py", ".ipynb")):
        raise _fail(f"`{filename}` no es un archivo admitido: envía un archivo .py o un cuaderno .ipynb "
                    "(en Colab: Archivo > Descargar).", f"`{filename}` is not an accepted file: submit a .py "
                    "file or an .ipynb notebook (in Colab: File > Download).")
    kind: Literal["py", "ipynb"] = "py" if lowered.endswith(".py") else "ipynb"
    if len(data) > max_bytes:
        size, cap = _kb(len(data)), _kb(max_bytes)
        es, en = ("borra las salidas de las celdas (menú Editar de Colab) y descárgalo de nuevo",
                  "clear the cell outputs (Colab's Edit menu) and download it again") if kind == "ipynb" \
            else ("no incluyas datos dentro del código", "do not embed data in the code")
        raise _fail(f"`{filename}` ocupa {size.replace('.', ',')} KB y el máximo es {cap.replace('.', ',')} "
                    f"KB: {es}.", f"`{filename}` is {size} KB and the limit is {cap} KB: {en}.")
    text = decode_utf8(filename, data)
    # Zero-width spaces pasted from a web page (Kaggle's) are invisible and never Python: dropped, and said.
    invisible = sum(text.count(char) for char in _INVISIBLE)
    if invisible:
        text = text.translate({ord(char): None for char in _INVISIBLE})
    _reject_nul(filename, text, lambda n: t(f"línea {n}", f"line {n}") if kind == "py"
                else t(f"línea {n} del archivo", f"line {n} of the file"))
    if kind == "py":  # never rewritten: a Colab `!pip` line in a .py is reported as the syntax error it is
        source = StudentSource(filename=filename, kind="py", code=text, notes=(), **_nbconvert_cells(text))
    else:
        source = _from_notebook(filename, text)
        _reject_nul(filename, source.code, source.locate)  # a \u0000 escape inside the JSON
        _reject_surrogate(filename, source.code, source.locate)  # a \ud800 escape: not text Python can compile
    if invisible:
        source = replace(source, notes=(*source.notes, t(
            f"Se quitaron {invisible} caracteres invisibles (espacios de ancho cero, U+200B) que no son Python, "
            "pegados probablemente desde una página web.", f"{invisible} invisible characters (zero-width "
            "spaces, U+200B) that are not Python were removed, probably pasted from a web page.")))
    try:
        past = read_past_slips(source.code, filename=filename, script=kind == "py", locate=source.locate,
                               cells=source.cell_spans() if kind == "ipynb" else None, slips=MAX_SLIPS if
                               read_past else 0)
    except UnparsableCode as exc:
        raise SubmissionError(exc.message) from None
    source = replace(source, code=past.code, notes=(*source.notes, *past.notes), slips=past.errors)
    if not past.tree.body:
        es, en = ("no tiene ninguna celda de código con contenido", "has no code cell with any code") \
            if kind == "ipynb" else ("no contiene código, solo líneas vacías o comentarios",
                                     "contains no code, only blank lines or comments")
        raise _fail(f"`{filename}` {es}. Comprueba que enviaste el archivo correcto, con los cambios "
                    "guardados.", f"`{filename}` {en}. Check that you submitted the right file, with your "
                    "changes saved.")
    return source


_INVISIBLE = ("\u200b", "\u2060", "\ufeff")  # zero-width space, word joiner, a BOM inside the text
_NBCONVERT_CELL = re.compile(r"# In\[ *(\d*) *\]:[ \t]*\Z")


def _nbconvert_cells(text: str) -> dict[str, tuple]:
    """For a script exported by `jupyter nbconvert --to script`, where each `# In[7]:` line starts a cell:
    origins (cell, line after its marker) for each line (cell 0 before the first marker) and each cell's
    `In [n]`; empty for any other script."""
    lines = LINE_BREAK.split(text)
    if not any(_NBCONVERT_CELL.match(line) for line in lines):
        return {}
    origins: list[tuple[int, int]] = []
    counts: list[int | None] = []
    cell, start = 0, 0
    for number, line in enumerate(lines, start=1):
        found = _NBCONVERT_CELL.match(line)
        if found:
            # nbconvert writes two blank lines after the marker: the cell's line 1 follows them.
            blanks = next((i for i in range(2) if lines[number + i:number + i + 1] != [""]), 2)
            cell, start = cell + 1, number + blanks
            counts.append(int(found.group(1)) if found.group(1) else None)
        origins.append((cell, max(number - start, 1) if cell else number))
    return {"origins": tuple(origins), "execution_counts": tuple(counts)}


def _fail(es: str, en: str) -> SubmissionError:
    return SubmissionError(t(es, en))


def _kb(size: int) -> str:
    return f"{round(size / 1024, 1):g}"


def decode_utf8(filename: str, data: bytes) -> str:
    """The text of an uploaded file (a UTF-8 BOM is dropped), or a SubmissionError naming the bad byte."""
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + bom  # counted in the file as uploaded, BOM included
        raise _fail(f"`{filename}` no es texto UTF-8: el byte en la posición {offset} (contando desde 0) no "
                    "es válido. Guárdalo con codificación UTF-8 y vuelve a enviarlo.", f"`{filename}` is not "
                    f"UTF-8 text: the byte at offset {offset} (counting from 0) is invalid. Save it with "
                    "UTF-8 encoding and submit it again.") from None


def _reject_nul(filename: str, text: str, where: Callable[[int], Text]) -> None:
    index = text.find("\x00")
    if index >= 0:
        place = where(len(LINE_BREAK.findall(text, 0, index)) + 1)
        raise _fail(f"`{filename}` contiene un byte nulo (NUL) en la {place.es}. Suele pasar si se guardó en "
                    "UTF-16 o no es un archivo de texto: guárdalo como texto UTF-8 y vuelve a enviarlo.",
                    f"`{filename}` contains a NUL byte at {place.en}. This usually means it was saved as "
                    "UTF-16 or is not a text file: save it as UTF-8 text and submit it again.")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _reject_surrogate(filename: str, text: str, where: Callable[[int], Text]) -> None:
    found = _SURROGATE.search(text)
    if found:
        place = where(len(LINE_BREAK.findall(text, 0, found.start())) + 1)
        code = f"\\u{ord(found.group()):04x}"
        raise _fail(f"`{filename}` contiene un carácter no válido en la {place.es}: el escape JSON `{code}` es "
                    "medio par sustituto (surrogate) de UTF-16, que no es texto. Borra ese carácter o escribe el "
                    "carácter completo y vuelve a enviarlo.", f"`{filename}` contains an invalid character at "
                    f"{place.en}: the JSON escape `{code}` is half of a UTF-16 surrogate pair, which is not text. "
                    "Delete that character or write the whole character and submit it again.")


def _from_notebook(filename: str, text: str) -> StudentSource:
    cells, counts = notebook_code_cells(filename, text)
    _check_code_size(filename, cells)
    return _join_cells(filename, cells, tuple(counts))


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
    raise _fail(f"`{filename}` {es}. Descarga de nuevo el cuaderno desde Colab (Archivo > Descargar > "
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
        raise _fail(f"`{filename}` tiene {count} celdas y el máximo es {MAX_NOTEBOOK_CELLS}: deja solo las celdas "
                    "de tu solución y vuelve a descargarlo.", f"`{filename}` has {count} cells and the limit is "
                    f"{MAX_NOTEBOOK_CELLS}: keep only the cells of your solution and download it again.")


def _statement_spans(code: str) -> list[tuple[int, int]] | None:
    """(first_line, last_line) of each top-level statement of `code` (decorators included)."""
    try:
        tree = tree_of(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    spans = []
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        spans.append((first, node.end_lineno or node.lineno))
    return spans or None


def _check_code_size(filename: str, cells: list[str]) -> None:
    """Refuse more than MAX_SOURCE_BYTES of code before scanning it for magics and compiling it."""
    size = sum(len(cell.encode(errors="surrogatepass")) for cell in cells)
    if size > MAX_SOURCE_BYTES:
        shown, cap = _kb(size), _kb(MAX_SOURCE_BYTES)
        raise _fail(f"Las celdas de código de `{filename}` suman {shown.replace('.', ',')} KB y el máximo es "
                    f"{cap.replace('.', ',')} KB: deja solo el código de tu solución (sin datos pegados en "
                    "él).", f"The code cells of `{filename}` add up to {shown} KB and the limit is {cap} KB: "
                    "keep only the code of your solution (with no data pasted into it).")


def _join_cells(filename: str, cells: list[str], counts: tuple[int | None, ...]) -> StudentSource:
    """The code cells (numbered from 1) joined into one program, remembering where each line came from."""
    lines: list[str] = []
    origins: list[tuple[int, int]] = []
    notes: list[Text] = []
    for number, source in enumerate(cells, start=1):
        cell_lines = LINE_BREAK.split(source)
        label = cell_label(number, counts)
        label_es, label_en = "C" + label.es[1:], "C" + label.en[1:]
        if source.lstrip().startswith("%%"):
            magic = snippet(source.lstrip().splitlines()[0])
            notes.append(t(f"{label_es}: se omitió la celda mágica `{magic}` entera (no se ejecuta al "
                           "corregir).", f"{label_en}: skipped the whole `{magic}` cell magic (it is not "
                           "run when grading)."))
            cell_lines = [""] * len(cell_lines)  # blanked, not deleted, so later line numbers stay put
        else:
            cell_lines = _skip_magics((label_es, label_en), ipython_cleanup(cell_lines), notes)
        lines += cell_lines
        origins += [(number, index) for index in range(1, len(cell_lines) + 1)]
    return StudentSource(filename=filename, kind="ipynb", code="\n".join(lines) + "\n" if lines else "",
                         notes=tuple(notes), origins=tuple(origins), execution_counts=counts)


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


def _skip_magics(cell: tuple[str, str], lines: list[str], notes: list[Text]) -> list[str]:
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
