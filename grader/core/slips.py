"""Reading past a syntax slip, as Jupyter runs a notebook and as a teacher reads a script.

Jupyter runs every cell of a notebook but the one that does not compile; a teacher reading a script with a
stray space or an unclosed bracket grades the rest of it. So a submission with a few syntax errors is not
refused: the cell (notebook) or the top-level statement (script) around each error is blanked, keeping every
later line where it was, and the student is told which error and which lines, in a note. A line with a few
spaces too many at the start is read aligned with the line before it instead of being dropped. The file is
still refused, with the first error, when nothing would be left to run or when it has more slips than a
slip-by-slip reading can take (`MAX_SLIPS`): that is not a slip but code in another language.

IPython's own clean-up of a cell (`ipython_cleanup`) comes first: it drops a cell's common leading
indentation and pasted `>>>` / `In [3]:` prompts, as Jupyter does before compiling.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from grader.core.i18n import Text, t
from grader.core.syntax_messages import LINE_BREAK, Locate, UnparsableCode, describe, parse, tree_of

MAX_SLIPS = 5
# Words that continue a compound statement: a line starting with one is part of the statement above it.
_CONTINUATIONS = re.compile(r"(else|elif|except|finally)\b")
# IPython's prompt strippers: (what the first line must start with, what is removed from each line).
_PROMPTS = ((re.compile(r">>>( |$)"), re.compile(r"^(>>>|\.\.\.)( |$)")),
            (re.compile(r"In \[\d+\]: "), re.compile(r"^(In \[\d+\]: |\s*\.\.\.:? )")))


@dataclass(frozen=True)
class ReadPast:
    """The code that runs (unparsable pieces blanked or realigned, line numbers unchanged) and, for each slip,
    a note telling the student what was wrong and what was done about it."""

    code: str
    notes: tuple[Text, ...]
    tree: ast.Module
    errors: tuple[Text, ...] = ()  # each slip's syntax error alone, as a refusal would have given it


def read_past(code: str, *, filename: str, script: bool, locate: Locate,
              cells: list[tuple[int, int]] | None, slips: int = MAX_SLIPS) -> ReadPast:
    """`code` made compilable by blanking, for each syntax error, the notebook cell (`cells`: first and last line
    of each, 1-based) or the script's top-level statement around it; UnparsableCode (the first error) when more
    than `slips` errors or no code at all would be left."""
    lines = LINE_BREAK.split(code)
    notes: list[Text] = []
    errors: list[Text] = []
    first_error: UnparsableCode | None = None
    for _ in range(slips + 1):
        text = "\n".join(lines)
        try:
            tree = tree_of(text, filename)
        except SyntaxError as exc:
            message = describe(exc, filename=filename, code=text, script=script, locate=locate)
            first_error = first_error or UnparsableCode(message)
            errors.append(message)
            line = min(max(exc.lineno or 1, 1), len(lines))
            if isinstance(exc, IndentationError) and "unexpected indent" in exc.msg and _realign(lines, line):
                notes.append(t(f"{message.es} Se calificó leyendo esa línea alineada con la anterior.",
                               f"{message.en} It was graded reading that line aligned with the one before."))
                continue
            first, last = _cell_around(cells, line) if cells else _statement_around(lines, line)
            lines[first - 1:last] = [""] * (last - first + 1)
            span = t(f"la línea {first}", f"line {first}") if first == last else \
                t(f"las líneas {first} a {last}", f"lines {first} to {last}")
            where = t("sin esa celda", "without that cell") if cells else t(f"sin {span.es}", f"without {span.en}")
            notes.append(t(f"{message.es} Se calificó el resto {where.es}, que no se ejecutó.",
                           f"{message.en} The rest was graded {where.en}, which did not run."))
            continue
        except (RecursionError, MemoryError, ValueError):
            tree = parse(text, filename=filename, script=script, locate=locate)  # raises the message for these
        if first_error is not None and not tree.body:
            raise first_error  # nothing left to run: the whole file is the error
        return ReadPast(code=text, notes=tuple(notes), tree=tree, errors=tuple(errors))
    assert first_error is not None
    raise first_error


def _realign(lines: list[str], line: int) -> bool:
    """Shift the block starting at `line` (1-based) left to the indentation of the line before it; False when
    there is no line before it or it would not move."""
    previous = next((lines[i] for i in range(line - 2, -1, -1) if lines[i].strip()
                     and not lines[i].lstrip().startswith("#")), None)
    if previous is None:
        return False
    shift = _indent(lines[line - 1]) - _indent(previous)
    if shift <= 0:
        return False
    end = line
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) >= _indent(lines[line - 1])):
        end += 1
    for index in range(line - 1, end):
        if lines[index].strip():
            lines[index] = lines[index][shift:] if lines[index][:shift].isspace() else lines[index].lstrip()
    return True


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _cell_around(cells: list[tuple[int, int]], line: int) -> tuple[int, int]:
    return next(((first, last) for first, last in cells if first <= line <= last), (line, line))


def _statement_around(lines: list[str], line: int) -> tuple[int, int]:
    """The lines (1-based, inclusive) of the top-level statement holding `line`: from the nearest line at or
    above it that starts a statement at the margin, to the line before the next such line."""
    first = next((i for i in range(line, 0, -1) if _starts_statement(lines[i - 1])), line)
    last = next((i - 1 for i in range(line + 1, len(lines) + 1) if _starts_statement(lines[i - 1])), len(lines))
    return first, max(last, line)


def _starts_statement(line: str) -> bool:
    return bool(line) and not line[0].isspace() and not line.startswith(("#", ")", "]", "}")) \
        and not _CONTINUATIONS.match(line)


def ipython_cleanup(lines: list[str]) -> list[str]:
    """A code cell's lines as IPython compiles them: pasted `>>>`/`...` (or `In [3]:`/`...:`) prompts removed when
    the cell's first code line starts with `>>>` (or `In [n]:`), then the indentation of that first line removed
    from every line that starts with it."""
    code = [line for line in lines if line.strip()]
    for initial, prompt in _PROMPTS:
        if code and initial.match(code[0]):
            lines = [prompt.sub("", line, count=1) for line in lines]
            code = [line for line in lines if line.strip()]
    space = code[0][:_indent(code[0])] if code else ""
    return [line[len(space):] if line.startswith(space) else line for line in lines] if space else lines
