"""A submission's source as the teacher reads it: highlighted on the server by Pygments, cell by cell for notebooks.

Pygments escapes every character of the input, so its HTML is the one place student text is marked safe.
Notebook code cells are numbered counting code cells only, with their `In [n]`, as grader.core.sources does, so
"code cell 3" in a grading message is the block labelled 3 here. Nothing is executed or syntax-checked: a
file that failed grading shows too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import JsonLexer, PythonLexer, TextLexer, YamlLexer

from grader.core.i18n import Text, t
from grader.core.notebooks import notebook_code_cells
from grader.core.sources import SubmissionError

# Highlighting is linear but not free; a notebook's code is far below this, an embedded dataset is not.
DISPLAY_CAP_CHARS = 512 * 1024


@dataclass(frozen=True)
class SourceBlock:
    """One highlighted piece: the whole file, or one notebook code cell (`cell` is its number among the code
    cells; `execution_count` its `In [n]` when it was run)."""

    cell: int | None
    html: Markup
    execution_count: int | None = None


@dataclass(frozen=True)
class RenderedSource:
    """What the drill-down shows of a submission's file, and anything the teacher should know about it."""

    blocks: tuple[SourceBlock, ...]
    notes: tuple[Text, ...]


def _formatter() -> HtmlFormatter:
    """Line numbers inline (CSS keeps them out of a copy), classes rather than inline styles."""
    return HtmlFormatter(linenos="inline", cssclass="highlight", wrapcode=True)


@cache
def highlight_css() -> str:
    """The stylesheet of the highlighted code (generated once from Pygments' default style)."""
    return str(_formatter().get_style_defs(".highlight"))


def _lexer(filename: str) -> Lexer:
    """The lexer for a file name; unknown types are shown as plain text."""
    lowered = filename.lower()
    if lowered.endswith((".py", ".ipynb")):
        return PythonLexer()
    if lowered.endswith(".json"):
        return JsonLexer()
    if lowered.endswith((".yaml", ".yml")):
        return YamlLexer()
    return TextLexer()


def _block(code: str, lexer: Lexer, cell: int | None = None, count: int | None = None) -> SourceBlock:
    """`code` highlighted; Pygments has escaped it, hence Markup."""
    return SourceBlock(cell=cell, html=Markup(highlight(code, lexer, _formatter())), execution_count=count)


def _cells(filename: str, text: str) -> list[tuple[int, str, int | None]] | None:
    """(code cell number, source, execution count) of every code cell of a notebook, read as grading reads
    it (parsed once, the same caps), or None when `text` is not a notebook it would grade."""
    try:
        cells, counts = notebook_code_cells(filename, text)
    except SubmissionError:
        return None
    return [(number, code, count) for number, (code, count) in enumerate(zip(cells, counts, strict=True), 1)]


def render_source(filename: str, data: bytes) -> RenderedSource:
    """Highlight a stored submission; never raises for bad bytes (they are replaced and said so)."""
    notes: list[Text] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8-sig", errors="replace")
        notes.append(t("El archivo no es UTF-8 válido: los bytes erróneos se muestran como �.",
                       "The file is not valid UTF-8: bad bytes are shown as �."))
    if len(text) > DISPLAY_CAP_CHARS:
        text = text[:DISPLAY_CAP_CHARS]
        notes.append(t(f"Solo se muestran los primeros {DISPLAY_CAP_CHARS // 1024} KiB.",
                       f"Only the first {DISPLAY_CAP_CHARS // 1024} KiB are shown."))
    if filename.lower().endswith(".ipynb"):
        cells = _cells(filename, text)
        if cells is not None:
            if not cells:
                notes.append(t("El cuaderno no tiene celdas de código.", "The notebook has no code cells."))
            return RenderedSource(blocks=tuple(_block(code, PythonLexer(), n, c) for n, code, c in cells),
                                  notes=tuple(notes))
        notes.append(t("No es un cuaderno válido: se muestra el archivo tal cual.",
                       "Not a valid notebook: the file is shown as it is."))
        return RenderedSource(blocks=(_block(text, JsonLexer()),), notes=tuple(notes))
    return RenderedSource(blocks=(_block(text, _lexer(filename)),), notes=tuple(notes))
