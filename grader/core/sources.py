"""Turn the raw bytes of one submission (.py or .ipynb) into Python source, without ever running it."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from grader.core.i18n import Text, t
from grader.core.notebooks import notebook_code_cells, skip_magics
from grader.core.refusal import SubmissionError, fail, not_judged
from grader.core.results import GradeResult
from grader.core.slips import MAX_SLIPS, ipython_cleanup
from grader.core.slips import read_past as read_past_slips
from grader.core.syntax_messages import LINE_BREAK, UnparsableCode, snippet, tree_of

# The largest submissions read: a notebook (outputs and images included), and the code taken from any file.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_CODE_BYTES = 256 * 1024
# The files a submission may be: a script, a notebook, or a quiz's answer file.
EXTENSIONS = (".py", ".ipynb", ".json", ".yaml", ".yml")
# The code a student hands in; the other kinds are a quiz's answers (or, beside code, data the code reads).
CODE_EXTENSIONS = (".py", ".ipynb")

MAX_SOURCE_BYTES = 256 * 1024  # a .py file; also the code cells of a notebook, added up


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
        raise fail(f"{filename}: el código tiene más de {MAX_CODE_BYTES // 1024} KB; envía solo tu solución.",
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
        raise fail(f"`{filename}` no es un archivo admitido: envía un archivo .py o un cuaderno .ipynb "
                   "(en Colab: Archivo > Descargar).", f"`{filename}` is not an accepted file: submit a .py "
                   "file or an .ipynb notebook (in Colab: File > Download).")
    kind: Literal["py", "ipynb"] = "py" if lowered.endswith(".py") else "ipynb"
    if len(data) > max_bytes:
        size, cap = _kb(len(data)), _kb(max_bytes)
        es, en = ("borra las salidas de las celdas (menú Editar de Colab) y descárgalo de nuevo",
                  "clear the cell outputs (Colab's Edit menu) and download it again") if kind == "ipynb" \
            else ("no incluyas datos dentro del código", "do not embed data in the code")
        raise fail(f"`{filename}` ocupa {size.replace('.', ',')} KB y el máximo es {cap.replace('.', ',')} "
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
        raise fail(f"`{filename}` {es}. Comprueba que enviaste el archivo correcto, con los cambios "
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


def _kb(size: int) -> str:
    return f"{round(size / 1024, 1):g}"


def decode_utf8(filename: str, data: bytes) -> str:
    """The text of an uploaded file (a UTF-8 BOM is dropped), or a SubmissionError naming the bad byte."""
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + bom  # counted in the file as uploaded, BOM included
        raise fail(f"`{filename}` no es texto UTF-8: el byte en la posición {offset} (contando desde 0) no "
                   "es válido. Guárdalo con codificación UTF-8 y vuelve a enviarlo.", f"`{filename}` is not "
                   f"UTF-8 text: the byte at offset {offset} (counting from 0) is invalid. Save it with "
                   "UTF-8 encoding and submit it again.") from None


def _reject_nul(filename: str, text: str, where: Callable[[int], Text]) -> None:
    index = text.find("\x00")
    if index >= 0:
        place = where(len(LINE_BREAK.findall(text, 0, index)) + 1)
        raise fail(f"`{filename}` contiene un byte nulo (NUL) en la {place.es}. Suele pasar si se guardó en "
                   "UTF-16 o no es un archivo de texto: guárdalo como texto UTF-8 y vuelve a enviarlo.",
                   f"`{filename}` contains a NUL byte at {place.en}. This usually means it was saved as "
                   "UTF-16 or is not a text file: save it as UTF-8 text and submit it again.")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _reject_surrogate(filename: str, text: str, where: Callable[[int], Text]) -> None:
    found = _SURROGATE.search(text)
    if found:
        place = where(len(LINE_BREAK.findall(text, 0, found.start())) + 1)
        code = f"\\u{ord(found.group()):04x}"
        raise fail(f"`{filename}` contiene un carácter no válido en la {place.es}: el escape JSON `{code}` es "
                   "medio par sustituto (surrogate) de UTF-16, que no es texto. Borra ese carácter o escribe el "
                   "carácter completo y vuelve a enviarlo.", f"`{filename}` contains an invalid character at "
                   f"{place.en}: the JSON escape `{code}` is half of a UTF-16 surrogate pair, which is not text. "
                   "Delete that character or write the whole character and submit it again.")


def _from_notebook(filename: str, text: str) -> StudentSource:
    cells, counts = notebook_code_cells(filename, text)
    _check_code_size(filename, cells)
    return _join_cells(filename, cells, tuple(counts))


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
        raise fail(f"Las celdas de código de `{filename}` suman {shown.replace('.', ',')} KB y el máximo es "
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
            cell_lines = skip_magics((label_es, label_en), ipython_cleanup(cell_lines), notes)
        lines += cell_lines
        origins += [(number, index) for index in range(1, len(cell_lines) + 1)]
    return StudentSource(filename=filename, kind="ipynb", code="\n".join(lines) + "\n" if lines else "",
                         notes=tuple(notes), origins=tuple(origins), execution_counts=counts)


