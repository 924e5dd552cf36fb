"""One hand-in as the similarity check sees it: its cells, their outputs, and the notebook metadata that
survives copying (Colab file ids, cell and output ids, run timestamps, widget ids, execution counts).

Nothing is run and nothing is refused for being odd: a cell that does not parse is still compared by its
tokens. Only what cannot be read at all (not UTF-8 JSON for a notebook, over the size cap) raises.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from grader.core.i18n import t
from grader.core.questions.answers import is_answer_file, load_answer_file
from grader.core.sources import MAX_NOTEBOOK_BYTES, SubmissionError
from grader.core.specs.models import ExerciseSpec

MAX_OUTPUT_CHARS = 20_000  # of text kept per cell's outputs: training logs are long, the evidence is early
MAX_ID_CHARS = 200


@dataclass(frozen=True)
class Cell:
    """One cell; `outputs` are its text outputs (and a digest per image), `ids` its (kind, id) metadata."""

    kind: Literal["code", "markdown"]
    source: str
    outputs: tuple[str, ...] = ()
    execution_count: int | None = None
    ids: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Document:
    """A whole hand-in: a .py file is one code cell; a notebook keeps its cells and its metadata ids; an
    answers file (a quiz, an exam's free-text questions) its answers."""

    name: str
    cells: tuple[Cell, ...]
    ids: tuple[tuple[str, str], ...] = ()
    notebook: bool = False
    answers: tuple[tuple[str, str], ...] = ()  # (question id, answer as text) of an answers file

    @property
    def code_cells(self) -> list[tuple[int, Cell]]:
        """(number counted from 1 among code cells, cell) for every code cell, as the grader numbers them."""
        return list(enumerate((c for c in self.cells if c.kind == "code"), start=1))


def read_document(*, name: str, filename: str, data: bytes, spec: ExerciseSpec | None = None) -> Document:
    """The hand-in `filename` (bytes `data`) of student `name`; SubmissionError if it cannot be read.
    An answers file (.json/.yaml) is read as `grader grade` reads it for exercise `spec`."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(t(f"`{filename}` es demasiado grande para compararlo.",
                                f"`{filename}` is too large to compare."))
    if is_answer_file(filename):
        if spec is None:
            raise SubmissionError(t(f"`{filename}` es un archivo de respuestas.", f"`{filename}` is an answers file."))
        answers, _ = load_answer_file(spec=spec, filename=filename, data=data)
        return Document(name=name, cells=(), answers=tuple((key, _answer_text(value))
                                                           for key, value in sorted(answers.items())))
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not filename.lower().endswith(".ipynb"):
        return Document(name=name, cells=(Cell(kind="code", source=text),))
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise SubmissionError(t(f"`{filename}` no es un cuaderno JSON válido ({exc}).",
                                f"`{filename}` is not a valid JSON notebook ({exc}).")) from None
    if not isinstance(raw, dict):
        raise SubmissionError(t(f"`{filename}` no es un cuaderno de Jupyter.", f"`{filename}` is not a notebook."))
    cells = [_cell(item) for item in _list(raw.get("cells"))]
    if not cells:  # nbformat 3 keeps cells under worksheets
        cells = [_cell(item) for sheet in _list(raw.get("worksheets")) for item in _list(_dict(sheet).get("cells"))]
    return Document(name=name, cells=tuple(c for c in cells if c is not None), ids=_notebook_ids(raw),
                    notebook=True)


def _answer_text(value: Any) -> str:
    """An answer as text: a list of choices joined, anything else as written."""
    if isinstance(value, (list, tuple)):
        return ", ".join(sorted(str(item) for item in value))
    return str(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    """A notebook string field, stored as a string or a list of strings."""
    if isinstance(value, list):
        return "".join(part for part in value if isinstance(part, str))
    return value if isinstance(value, str) else ""


def _id(kind: str, value: Any) -> tuple[str, str] | None:
    """(kind, id) for a metadata value worth keeping: a non-empty scalar, bounded."""
    if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
        return kind, str(value)[:MAX_ID_CHARS]
    return None


def _cell(raw: Any) -> Cell | None:
    cell = _dict(raw)
    kind = cell.get("cell_type")
    if kind not in ("code", "markdown"):
        return None
    meta = _dict(cell.get("metadata"))
    info = _dict(meta.get("executionInfo"))
    found = [_id("cell id", cell.get("id")), _id("cell id", meta.get("id")),
             _id("Colab output id", meta.get("outputId")), _id("Colab run timestamp", info.get("timestamp")),
             _id("Colab user id", _dict(info.get("user")).get("userId"))]
    # Times to the microsecond that other tools record when a cell runs: Jupyter's record_timing and Kaggle
    # (`execution`), the ExecuteTime extension, papermill. Two hand-ins sharing one ran once.
    for stamps in (meta.get("execution"), meta.get("ExecuteTime"), meta.get("papermill")):
        found += [_id("run timestamp", value) for key, value in sorted(_dict(stamps).items()) if "time" in key
                  or key.startswith(("iopub.", "shell."))]
    count = cell.get("execution_count", cell.get("prompt_number"))
    return Cell(kind=kind, source=_text(cell.get("source", cell.get("input"))), outputs=_outputs(cell),
                execution_count=count if type(count) is int else None,
                ids=tuple(item for item in found if item is not None))


def _outputs(cell: dict[str, Any]) -> tuple[str, ...]:
    """The text of a cell's outputs (streams, results, errors), and `image <digest>` for each picture."""
    parts: list[str] = []
    size = 0
    for output in _list(cell.get("outputs")):
        output = _dict(output)
        data = _dict(output.get("data"))
        pieces = [_text(output.get("text")), _text(data.get("text/plain")), _text(output.get("evalue"))]
        for mime in ("image/png", "image/jpeg", "image/svg+xml"):
            if mime in data:
                digest = hashlib.blake2b(_text(data[mime]).encode(), digest_size=8).hexdigest()
                pieces.append(f"image {digest}")
        for piece in pieces:
            if piece and size < MAX_OUTPUT_CHARS:
                parts.append(piece[:MAX_OUTPUT_CHARS - size])
                size += len(parts[-1])
    return tuple(parts)


def _notebook_ids(raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Ids a notebook keeps in its metadata: Colab's file ids and authorship tag, its name, widget ids."""
    meta = _dict(raw.get("metadata"))
    colab = _dict(meta.get("colab"))
    found = [_id("Colab file id", _dict(item).get("file_id")) for item in _list(colab.get("provenance"))]
    found += [_id("Colab authorship tag", colab.get("authorship_tag")), _id("notebook name", colab.get("name"))]
    widgets = _dict(_dict(meta.get("widgets")).get("application/vnd.jupyter.widget-state+json"))
    found += [_id("widget id", key) for key in _dict(widgets.get("state"))]
    return tuple(item for item in found if item is not None)
