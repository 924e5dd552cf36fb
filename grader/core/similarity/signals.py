"""The things students rarely share by chance, taken from one hand-in, each with where it is.

Comments, strings, markdown lines, words (a shared typo is one), variable names, settings (keyword
arguments, layer sizes), seeds, numbers, architectures, output lines and images, notebook ids and the
execution counts. Whether a trace is evidence is decided later, against the class: only what few
hand-ins have and the exercise's own material does not.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import tokenize
from dataclasses import dataclass

from grader.core.similarity.document import Document
from grader.core.similarity.normalize import code_of
from grader.core.syntax_messages import tree_of

MAX_SHOWN = 100  # characters of student text in one piece of evidence
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]{6,}")
DECIMALS = re.compile(r"\d\.\d{3,}")
# A training or evaluation metric: its value depends on one run's random start, so two hand-ins printing the
# same one ran once. Data printouts (pixels, `describe()`) are the same for everyone and do not count.
_METRIC = re.compile(r"loss|acc|mae|mse|auc|precision|recall|precisi|exactitud|p[ée]rdida", re.I)
_NOT_WORD = re.compile(r"[\W_]+")
_MODULE_PREFIX = re.compile(r"\b(?:[a-z_]\w*\.)+(?=[A-Z])")
_SEED_CALLS = {"seed", "set_seed", "set_random_seed", "manual_seed"}
_SEED_KEYWORDS = {"seed", "random_state"}
_TRIVIAL_NUMBERS = {"0", "1", "-1", "2", "0.0", "1.0"}
_NAME_PART = re.compile(r"[^\W\d_][^\W\d_A-Z]*")  # the words of a snake_case or camelCase name
# Sentences: matched word for word, and discounted when they are inside the exercise's own text.
PROSE = {"comment", "string", "markdown", "sentence", "answer"}
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+|\n\s*\n")
SENTENCE_WORDS = 6  # a shorter sentence is too often written alike by chance


@dataclass(frozen=True)
class Trace:
    """One thing found in a hand-in: its `kind`, a normalised `key` to match on, what the teacher reads
    (`shown`, as written, bounded and passed through `clip` before it is shown; `where`), and for settings and
    numbers the literal `value` (discounted when the exercise itself uses it)."""

    kind: str
    key: str
    shown: str
    where: str
    value: str = ""
    at: tuple[int, int] | None = None  # (code cell, line) of a trace found in code, to mark it side by side


def clip(text: str) -> str:
    """Student text made safe to show in one line: control characters escaped, bounded."""
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text.strip())
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"


def prose_key(text: str) -> str:
    """Prose as matched: lowercase words only, so `# 1. Describe qué hace:` and `1 describe qué hace` match."""
    return _NOT_WORD.sub(" ", text).strip().lower()


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip().lower()


class _Found(dict[tuple[str, str], Trace]):
    """Traces by (kind, key); the first place a trace appears is the one shown. While code is read, `cell`
    (its code cell number; 0 elsewhere) and `line` say where the next trace is."""

    cell = 0
    line = 0

    def __call__(self, kind: str, key: str, shown: str, where: str, value: str = "") -> None:
        if (kind, key) not in self:  # most traces are never shown: they are clipped when they are
            at = (self.cell, self.line) if self.cell else None
            self[(kind, key)] = Trace(kind, key, shown[:4 * MAX_SHOWN], where, value, at)


def traces(document: Document) -> dict[tuple[str, str], Trace]:
    """Every trace of `document`, keyed by (kind, key); the first place a trace appears is kept."""
    found = add = _Found()
    for kind, value in document.ids:
        add(kind, value, value, "notebook metadata")
    counts = [cell.execution_count for _, cell in document.code_cells]
    ran = [count for count in counts if count is not None]
    if len(ran) >= 4 and ran != list(range(ran[0], ran[0] + len(ran))):
        shown = ", ".join("-" if count is None else str(count) for count in counts)
        add("execution counts", shown, f"In [{shown}]", "code cells")
    number = 0
    for index, cell in enumerate(document.cells, start=1):
        for kind, value in cell.ids:
            add(kind, value, value, f"cell {index}")
        if cell.kind == "markdown":
            _prose(add, cell.source, f"markdown cell {index}")
            _sentences(add, cell.source, f"markdown cell {index}")
            continue
        number += 1
        where = f"code cell {number}" if document.notebook else "line {}"
        add.cell = number
        _code(add, code_of(cell.source), where)
        add.cell = 0
        for output in cell.outputs:
            _output(add, output, f"output of code cell {number}")
    for question, answer in document.answers:
        _answer(add, question, answer)
    return found


def _answer(add: _Found, question: str, answer: str) -> None:
    """A free-text answer (whole, and sentence by sentence: a copier rewords some) or a short one (a shared
    wrong choice says something; the right one is the solution's, discounted)."""
    where = f"answer to {question}"
    if len(answer.split()) >= SENTENCE_WORDS:
        add("answer", prose_key(answer), answer, where)
        _sentences(add, answer, where)
        for word in _WORD.findall(answer):
            add("word", word.lower(), word, where)
    else:
        add("choice", f"{question}: {prose_key(answer)}", answer, where)


def _sentences(add: _Found, text: str, where: str) -> None:
    """Each sentence of SENTENCE_WORDS words or more of a paragraph, as its own trace."""
    for sentence in _SENTENCE_END.split(text):
        key = prose_key(sentence)
        if len(key.split()) >= SENTENCE_WORDS:
            add("sentence", key, sentence, where)


def _place(where: str, line: int) -> str:
    return where.format(line) if "{}" in where else f"{where}, line {line}"


def _prose(add: _Found, text: str, where: str) -> None:
    for line in text.splitlines():
        key = prose_key(line)
        if len(key) >= 20:
            add("markdown", key, line, where)
        for word in _WORD.findall(line):
            add("word", word.lower(), word, where)


def _output(add: _Found, text: str, where: str) -> None:
    for line in text.splitlines():
        if line.startswith("image "):
            add("output image", line, "identical picture", where)
            continue
        key = _norm(line)
        if DECIMALS.search(key) and _METRIC.search(key):
            add("output", key, line, where)


def _code(add: _Found, code: str, where: str) -> None:
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.COMMENT:
                add.line, key = token.start[0], prose_key(token.string)
                if len(key) >= 12 and " " in key:
                    add("comment", key, token.string, _place(where, token.start[0]))
                for word in _WORD.findall(token.string):
                    add("word", word.lower(), word, _place(where, token.start[0]))
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass  # the comments before the error were kept
    try:
        tree = tree_of(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    with contextlib.suppress(RecursionError):  # a hostile, deeply nested expression: earlier traces are kept
        _nodes(add, tree, where)


def _nodes(add: _Found, tree: ast.Module, where: str) -> None:
    """The strings, numbers, names, settings, seeds and architectures of a parsed cell."""
    for node in ast.walk(tree):
        line = add.line = getattr(node, "lineno", 1)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value.strip()) >= 8:
            add("string", prose_key(node.value), repr(node.value), _place(where, line))
            _sentences(add, node.value, _place(where, line))
            for word in _WORD.findall(node.value):
                add("word", word.lower(), word, _place(where, line))
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool) and repr(node.value) not in _TRIVIAL_NUMBERS:
            add("number", repr(node.value), repr(node.value), _place(where, line), repr(node.value))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and len(node.id) >= 4:
            add("name", node.id, node.id, _place(where, line))
            for word in _NAME_PART.findall(node.id):  # a typo survives renaming `forma_entrda` to `shape_entrda`
                if len(word) >= 6:
                    add("word", word.lower(), word, _place(where, line))
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and len(node.name) >= 4:
            add("name", node.name, node.name, _place(where, line))
        elif isinstance(node, ast.Call):
            _call(add, node, _place(where, line))


def _func_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _literal(node: ast.expr) -> str | None:
    """The source of a constant argument (a number, a string, a tuple of them), else None."""
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return ast.unparse(node)


def _call(add: _Found, node: ast.Call, where: str) -> None:
    name = _func_name(node)
    if not name:
        return
    for keyword in node.keywords:
        value = _literal(keyword.value) if keyword.arg else None
        if value is not None:
            kind = "seed" if keyword.arg in _SEED_KEYWORDS else "setting"
            add(kind, f"{name}({keyword.arg}={value})", f"{name}(..., {keyword.arg}={value})", where, value)
    values = [_literal(arg) for arg in node.args]
    if name in _SEED_CALLS and values and values[0] is not None:
        add("seed", f"{name}({values[0]})", f"{name}({values[0]})", where, values[0])
    elif name[:1].isupper() and values and all(v is not None for v in values):
        shown = f"{name}({', '.join(v for v in values if v is not None)})"
        add("setting", shown, shown, where, ",".join(v for v in values if v is not None))
    layers = node.args[0] if name == "Sequential" and node.args else None
    if isinstance(layers, (ast.List, ast.Tuple)) and len(layers.elts) >= 2:
        shown = " → ".join(_MODULE_PREFIX.sub("", ast.unparse(layer)) for layer in layers.elts)
        add("architecture", _norm(shown), shown, where)
