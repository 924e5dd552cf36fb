"""What everyone shares because the exercise gave it to them, and so is never evidence of copying.

The starter code, the reference solutions and known-wrong examples (exercises/solutions/<id>/), the code
in the statement (indented and fenced blocks, inline `code`), the statement's own prose, the settings the
checks fix (layer sizes, shapes, activations), and the teacher's templates: every .py, .ipynb, .md or .txt
under exercises/templates/<id>/ (the public notebooks and tutorials students start from; a teacher adds
files there, nothing else to configure) and under exercises/templates/_all/ (the course's lesson notes,
which students quote in every exercise).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from grader.core.similarity.document import Cell, Document, read_document
from grader.core.similarity.normalize import normalise
from grader.core.similarity.signals import PROSE, Trace, prose_key, traces
from grader.core.similarity.winnow import fingerprints
from grader.core.sources import SubmissionError
from grader.core.specs.models import ExerciseSpec

TEMPLATES = "templates"
EVERY_EXERCISE = "_all"  # exercises/templates/_all/: material of the whole course (lesson notes, tutorials)
_FENCED = re.compile(r"```[^\n]*\n(.*?)```", re.S)
_INDENTED = re.compile(r"(?:^(?: {4}|\t).*\n?)+", re.M)
_INLINE = re.compile(r"`([^`\n]+)`")


@dataclass(frozen=True)
class Boilerplate:
    """Fingerprints and traces of the exercise's own material, and the literal values it uses."""

    fingerprints: frozenset[int]
    keys: frozenset[tuple[str, str]]
    values: frozenset[str]
    prose: str = ""  # all prose of the material (markdown, comments, strings) as `prose_key` words

    def covers(self, trace: Trace) -> bool:
        """Whether `trace` comes from the exercise: the same trace, a setting with a value it uses, or prose
        quoted from it (a sentence of the statement pasted into a comment)."""
        if (trace.kind, trace.key) in self.keys:
            return True
        if trace.kind in ("setting", "number", "seed"):
            return trace.value in self.values
        return trace.kind in PROSE and trace.key in self.prose


def templates_dir(exercises_dir: Path, exercise_id: str) -> Path:
    """The folder of teacher-added templates of an exercise (it need not exist)."""
    return exercises_dir / TEMPLATES / exercise_id


def exercise_documents(*, spec: ExerciseSpec, exercises_dir: Path) -> list[Document]:
    """The exercise's own material as documents: starter, statement, solutions, templates. Each starts with
    the starter code, as students' hand-ins do, so the names it defines are normalised as in theirs."""
    starter = _code_doc("starter", spec.starter.code)
    docs = [starter]
    for text in (spec.statement.es, spec.statement.en):
        snippets = [*_FENCED.findall(text), *_INDENTED.findall(text), *_INLINE.findall(text)]
        docs += [_code_doc("statement", snippet) for snippet in snippets]
        docs.append(Document(name="statement", cells=(Cell(kind="markdown", source=text),)))
    questions = "\n\n".join(_texts(spec.model_dump(include={"questions"})))  # prompts, options, rubrics
    docs.append(Document(name="questions", cells=(Cell(kind="markdown", source=questions),)))
    for folder in (exercises_dir / "solutions" / spec.id, templates_dir(exercises_dir, spec.id),
                   templates_dir(exercises_dir, EVERY_EXERCISE)):
        docs += list(_folder_documents(folder, spec))
    return [doc if doc is starter else replace(doc, cells=starter.cells + doc.cells) for doc in docs]


def _code_doc(name: str, code: str) -> Document:
    lines = code.splitlines()
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return Document(name=name, cells=(Cell(kind="code", source="\n".join(line[indent:] for line in lines)),))


def _folder_documents(folder: Path, spec: ExerciseSpec) -> Iterator[Document]:
    """The documents of a folder of solutions or templates: code, notebooks, answers files, prose."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        suffix = path.suffix.lower()
        if suffix in (".md", ".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            yield Document(name=path.name, cells=(Cell(kind="markdown", source=text),))
        elif suffix in (".py", ".ipynb", ".json", ".yaml", ".yml"):
            try:
                yield read_document(name=path.name, filename=path.name, data=path.read_bytes(), spec=spec)
            except SubmissionError:
                continue  # a broken template discounts nothing; the teacher sees it is not used


def _texts(data: Any) -> Iterable[str]:
    """Every string inside `data` (a spec's questions as plain data)."""
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        for item in data:
            yield from _texts(item)
    elif isinstance(data, str):
        yield data


def _values(data: Any) -> Iterable[str]:
    """The literal values in checks' parameters and training settings, written as code writes them."""
    if isinstance(data, dict):
        for value in data.values():
            yield from _values(value)
    elif isinstance(data, (list, tuple)):
        if all(isinstance(item, (int, float)) for item in data):
            yield repr(tuple(data))
        for item in data:
            yield from _values(item)
    elif isinstance(data, (int, float, str)) and not isinstance(data, bool):
        yield repr(data)


def build_boilerplate(*, spec: ExerciseSpec, exercises_dir: Path) -> Boilerplate:
    """The boilerplate of exercise `spec` (see the module docstring)."""
    prints: set[int] = set()
    keys: set[tuple[str, str]] = set()
    values: set[str] = set(_values([check.params for check in spec.checks]))
    if spec.training is not None:
        values.update(_values(spec.training.model_dump()))
    texts: list[str] = []  # whole markdown texts: a question students paste on one line spans several here
    for doc in exercise_documents(spec=spec, exercises_dir=exercises_dir):
        texts += [prose_key(cell.source) for cell in doc.cells if cell.kind == "markdown"]
        prints.update(fingerprints(normalise(doc)))
        found = traces(doc)
        keys.update(found)
        values.update(trace.value for trace in found.values() if trace.value)
    prose = " | ".join([*(key for kind, key in keys if kind in PROSE), *texts])
    return Boilerplate(fingerprints=frozenset(prints), keys=frozenset(keys), values=frozenset(values), prose=prose)
