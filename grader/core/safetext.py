"""Text a student controls, made safe to carry: normalised where it enters the trusted side, neutralised
for spreadsheets and escaped for Markdown where it leaves.

A student chooses file and folder names, answers, exception messages, model and layer names. None of it
may break a serialiser (a lone surrogate cannot be encoded as UTF-8), an XML page (C0 control characters
are not XML at all, even escaped), what a reader sees (a U+202E override reverses the text after it), a
spreadsheet (a cell starting with `=` is a formula) or a page rendered from Markdown (a quoted answer
must not become a link). Everything here is pure: the engine, the course layer and the web use the same
functions.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Sequence

REPLACEMENT = "\ufffd"
# Lone surrogates, C0 controls but tab and newline, DEL and C1 controls, the bidirectional embeddings,
# overrides and isolates, and the two noncharacters XML forbids: each becomes one visible U+FFFD.
_UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
TRUNCATED = "…"


def clean(text: str, limit: int | None = None) -> str:
    """`text` with every character that cannot be encoded, is not XML or reorders what is shown replaced by
    U+FFFD (a carriage return too: line ends are `\\n` once inside); cut to `limit` characters (ending in
    '…') when given."""
    text = _UNSAFE.sub(REPLACEMENT, text.replace("\r\n", "\n"))
    if limit is not None and len(text) > limit:
        text = text[:max(limit - 1, 0)] + TRUNCATED
    return text


def first_unsafe(text: str) -> int | None:
    """The index of the first character `clean` would replace, or None."""
    found = _UNSAFE.search(text)
    return found.start() if found else None


# OWASP's rule for CSV injection: a cell starting with one of these is read as a formula by spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z")


def csv_cell(value: object) -> object:
    """A value for a CSV cell: numbers (and text that is exactly a number, such as '-2.5') as they are,
    any other text starting like a formula prefixed with a single quote so spreadsheets show it as text.
    None stays None (the writer makes it an empty cell)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = clean(str(value))
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text, every cell through `csv_cell` (comma-separated, quoted where needed, CRLF line ends
    as RFC 4180 says): the one writer of every CSV the grader makes (CLI, exports, first passwords)."""
    out = io.StringIO()
    csv.writer(out).writerows([csv_cell(value) for value in row] for row in rows)
    return out.getvalue()


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&^$])")


def markdown_literal(text: str) -> str:
    """`text` escaped so that Markdown shows it as the characters it is: no link, emphasis, heading, list,
    code span or HTML can come out of it (line breaks stay line breaks)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", clean(text))


def markup_text(text: object) -> str:
    """`text` clean and escaped for HTML, XHTML, SVG or XML, inside an element or a quoted attribute: the
    document stays well-formed and shows the characters as they are."""
    return html.escape(clean(str(text)), quote=True)
