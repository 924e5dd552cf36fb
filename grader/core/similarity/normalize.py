"""Code as the fingerprints see it: what a copier changes cheaply is gone.

Each top-level statement of every code cell becomes a `Unit` of canonical text:
- names the hand-in defines (variables, functions, arguments) all become `v`, so renaming changes nothing;
- module prefixes are dropped (`tf.keras.layers.Dense` and `Dense` are the same) and imports ignored;
- comments, docstrings, formatting and the wording of long strings are gone (strings are compared apart);
- keyword arguments are sorted, and independent statements (and so cells) are put in a canonical order:
  a statement only keeps its place relative to the ones it shares a name with.
A cell that does not parse is kept as its raw tokens, so a broken copy is still compared.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from grader.core.similarity.document import Document
from grader.core.syntax_messages import COLAB_ESCAPES, LINE_BREAK, tree_of

_TOKEN = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\S")
_WORDLIKE = re.compile(r"[\w.\-/]{0,40}\Z")  # 'relu', 'adam', 'val_loss': settings, kept as code
PLACEHOLDER = "v"


@dataclass(frozen=True)
class Unit:
    """One statement in canonical form, and where it is in the hand-in (code cell number, lines in it)."""

    cell: int
    first: int
    last: int
    text: str
    tokens: tuple[str, ...]


def code_of(source: str) -> str:
    """A cell's Python: Colab `!`/`%` lines blanked (kept as empty lines so line numbers stay), and a `%%`
    cell magic blanked whole."""
    lines = LINE_BREAK.split(source)
    if source.lstrip().startswith("%%"):
        return "\n" * (len(lines) - 1)
    return "\n".join("" if line.lstrip().startswith(COLAB_ESCAPES) else line for line in lines)


def normalise(document: Document) -> list[Unit]:
    """The canonical units of every code cell of `document`, in canonical order."""
    statements: list[tuple[int, ast.stmt]] = []
    raw: list[Unit] = []
    lines: dict[int, list[str]] = {}
    for number, cell in document.code_cells:
        code = code_of(cell.source)
        try:
            tree = tree_of(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            raw.append(_raw_unit(number, code))
            continue
        lines[number] = code.split("\n")
        statements += [(number, stmt) for stmt in tree.body if not _skipped(stmt)]
    aliases = _import_aliases(statements)
    defined = _defined_names([stmt for _, stmt in statements]) - set(aliases)
    kept = [(number, stmt) for number, stmt in statements if not isinstance(stmt, (ast.Import, ast.ImportFrom))]
    deps = [_names(stmt, defined) for _, stmt in kept]  # before rewriting: the order needs the real names
    units = [_unit(number, stmt, aliases, defined, lines[number]) for number, stmt in kept]
    return _canonical_order(units, deps) + raw


def _skipped(stmt: ast.stmt) -> bool:
    """A bare string (docstring, commented-out block) or `pass`: nothing a copier keeps on purpose."""
    return isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
                                          and isinstance(stmt.value.value, str))


def _raw_unit(number: int, code: str, first: int = 1) -> Unit:
    """Code that cannot be rewritten, as its raw tokens (comments cut at a naive `#`)."""
    text = "\n".join(line.split("#", 1)[0] for line in LINE_BREAK.split(code))
    tokens = tuple(_TOKEN.findall(text))
    return Unit(cell=number, first=first, last=first + code.count("\n"), text=" ".join(tokens), tokens=tokens)


def _import_aliases(statements: list[tuple[int, ast.stmt]]) -> dict[str, str]:
    """Name bound by each import -> the name it imports: `np` -> 'numpy', `D` (`from keras.layers import
    Dense as D`) -> 'Dense', `keras` -> 'keras'."""
    aliases: dict[str, str] = {}
    for _, stmt in statements:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name.split(".")[-1]
    return aliases


def _defined_names(statements: list[ast.stmt]) -> set[str]:
    """Every name the hand-in binds: assignments, loop and `with` targets, functions, classes, arguments."""
    names: set[str] = set()
    for stmt in statements:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return names


class _Canonical(ast.NodeTransformer):
    """Rewrites one statement into its canonical form (see the module docstring)."""

    def __init__(self, aliases: dict[str, str], defined: set[str]) -> None:
        self.aliases = aliases
        self.defined = defined

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        root: ast.expr = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.aliases:  # a module path: keep its last name
            return ast.copy_location(ast.Name(id=node.attr, ctx=node.ctx), node)
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.defined:
            node.id = PLACEHOLDER
        elif node.id in self.aliases:
            node.id = self.aliases[node.id]
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg, node.annotation = PLACEHOLDER, None
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = PLACEHOLDER
        node.body = [stmt for stmt in node.body if not _skipped(stmt)] or [ast.Pass()]
        return self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.name = PLACEHOLDER
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str) and not _WORDLIKE.match(node.value):
            node.value = "S"  # prose: its wording is compared as a string signal, not as code
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return ast.copy_location(ast.Constant(value="S"), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        node.keywords.sort(key=lambda kw: kw.arg or "")
        return self.generic_visit(node)


def _unit(number: int, stmt: ast.stmt, aliases: dict[str, str], defined: set[str], lines: list[str]) -> Unit:
    """The canonical unit of one statement; a statement nested too deeply to rewrite (a hostile
    `1+1+...` of 100,000 terms) is kept as its raw tokens."""
    first, last = stmt.lineno, stmt.end_lineno or stmt.lineno
    try:
        text = ast.unparse(_Canonical(aliases, defined).visit(stmt))
    except RecursionError:
        return _raw_unit(number, "\n".join(lines[first - 1:last]), first)
    return Unit(cell=number, first=first, last=last, text=text, tokens=tuple(_TOKEN.findall(text)))


def _names(stmt: ast.stmt, defined: set[str]) -> tuple[set[str], set[str]]:
    """(names the statement binds or changes, names it reads). A method call on a name the hand-in defines
    (`model.fit(...)`, also inside an assignment) and an item or attribute assignment change it."""
    writes: set[str] = set()
    reads: set[str] = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name):
            (writes if isinstance(node.ctx, (ast.Store, ast.Del)) else reads).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            writes.add(node.name)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id in defined:
            writes.add(node.func.value.id)
    for target in stmt.targets if isinstance(stmt, ast.Assign) else []:
        while isinstance(target, (ast.Attribute, ast.Subscript)):
            target = target.value
        if isinstance(target, ast.Name):
            writes.add(target.id)
    return writes, reads


def _canonical_order(units: list[Unit], deps: list[tuple[set[str], set[str]]]) -> list[Unit]:
    """`units` topologically sorted by their name dependencies, the smallest text first among the free ones:
    the same order whichever order independent statements or cells were written in."""
    count = len(units)
    after: list[set[int]] = [set() for _ in range(count)]
    before = [0] * count
    for j in range(count):
        writes_j, reads_j = deps[j]
        for i in range(j):
            writes_i, reads_i = deps[i]
            if writes_i & (reads_j | writes_j) or reads_i & writes_j:
                after[i].add(j)
                before[j] += 1
    ready = sorted((units[i].text, i) for i in range(count) if before[i] == 0)
    ordered: list[Unit] = []
    while ready:
        _, i = ready.pop(0)
        ordered.append(units[i])
        for j in after[i]:
            before[j] -= 1
            if before[j] == 0:
                ready.append((units[j].text, j))
        ready.sort()
    return ordered
