"""The labelled set: independent hand-ins (tests/similarity/set/<exercise>/<author>.py, in percent format:
`# %%` starts a code cell, `# %% [markdown]` a markdown one) and copies made from them the way students copy.

`build(root)` writes every hand-in under root/<exercise>/ as a student would hand it in (a Colab notebook
with its metadata, cell ids, execution counts and outputs, or a .py file) and returns the copied pairs.
Everything is deterministic: ids and training logs come from a random generator seeded by the author.
"""

from __future__ import annotations

import json
import random
import re
import string
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

SET = Path(__file__).parent / "set"
# exercise -> (authors handing in a notebook, authors who ran their notebook and kept the outputs)
NOTEBOOKS = {
    "fashion-mnist-lab": ({"alba", "bea", "cesar", "dani", "eva", "fran", "gema", "hugo"},
                          {"alba", "bea", "dani", "eva", "gema", "hugo"}),
    "lab-add-hidden-16": ({"irene", "lola", "marc", "oscar"}, {"lola", "marc"}),
    "exam-flatten-dense": (set(), set()),
    "exam-serie1": (set(), set()),  # free-text answers, .yaml files
}


@dataclass(frozen=True)
class Copy:
    """How `student` copied `source`'s hand-in of `exercise`."""

    exercise: str
    source: str
    student: str
    renames: dict[str, str] = field(default_factory=dict)  # variable and function names, whole words
    edits: dict[str, str] = field(default_factory=dict)  # reworded or translated comments, a changed setting
    move: tuple[int, int] | None = None  # cell i moved to position j (0-based, after building)
    clear_outputs: bool = False  # Colab: Edit > Clear all outputs (execution counts go too)
    fresh_notebook: bool = False  # retyped or pasted into a new notebook: the copier's own ids, run again
    drop_markdown: bool = False


COPIES = [
    Copy("fashion-mnist-lab", "alba", "yago", renames={"history": "hist", "train_images": "x_train",
         "test_images": "x_test", "test_acc": "acc"}, clear_outputs=True,
         edits={"# Cargamos el conjunto de datos de ropa": "# cargar datos",
                "# Escalamos los pixeles al rango 0-1": "# normalizar",
                "Alba: red densa sencilla": "Yago: red densa"}),
    Copy("fashion-mnist-lab", "bea", "zoe", fresh_notebook=True, move=(7, 4),
         renames={"red": "net", "entreno": "train_hist", "etiquetas": "labels", "matriz": "cm"},
         edits={"# Visualizo las 9 primeras prendas con su nombre": "# show the first 9 items with their name",
                "# Curvas de exactitud de entrenamiento frente a validación": "# training vs validation accuracy",
                "epochs=15": "epochs=20", "Beatriz": "Zoe"}),
    Copy("fashion-mnist-lab", "dani", "adrian",
         renames={"cargar_datos": "leer", "construir_red": "crear_modelo", "dibujar_historia": "graficar",
                  "historia": "h", "parada": "early", "neuronas": "n"},
         edits={"Todo va en funciones para poder repetir con otras neuronas.": "Uso funciones.",
                "Daniel": "Adrián"}),
    Copy("fashion-mnist-lab", "eva", "blanca", fresh_notebook=True, clear_outputs=True, drop_markdown=True,
         renames={"imgs": "X", "labels": "Y", "imgs_test": "X_test", "labels_test": "Y_test",
                  "resultado": "r"},
         edits={"Dense(100": "Dense(128", "modelo_fashion_eva": "modelo_fashion_blanca"}),
    Copy("fashion-mnist-lab", "gema", "carlos", fresh_notebook=True, move=(5, 2),
         renames={"train_x": "xtr", "train_y": "ytr", "test_x": "xte", "test_y": "yte", "CLASES": "CLASSES",
                  "curvas": "df", "probabilidades": "probs", "fila": "row", "hist": "historial"},
         edits={"# red: aplanar, 300 neuronas relu, 10 de salida": "# flatten, dense 300 relu, softmax 10",
                "# comprobamos las cinco primeras predicciones a mano": "# check the first five predictions",
                "epochs=12": "epochs=10", "Gema Ruiz — Lab 1": "Carlos - Lab 1", "(Gema)": "(Carlos)"}),
    Copy("fashion-mnist-lab", "fran", "diana", fresh_notebook=True,
         renames={"datos": "data", "modelo": "mdl", "Xtr": "X_tr", "Xte": "X_te", "h": "historia"},
         edits={"# normalizacion: pasamos a float32 y dividimos por el maximo": "# normalizamos a [0, 1]",
                "# informe por clase con sklearn": "# métricas por clase"}),
    Copy("lab-add-hidden-16", "lola", "elias", renames={"hist": "h"}, clear_outputs=True, fresh_notebook=True),
    Copy("lab-add-hidden-16", "marc", "flor", clear_outputs=True),
    Copy("exam-flatten-dense", "sara", "gael", renames={"forma_entrda": "shape_entrda"}),
    Copy("exam-flatten-dense", "xavi", "hana", renames={"entrada": "inp", "salida": "out", "x": "h"}),
    # exam answers passed on a phone: a sentence reworded, another answer rewritten, one left as is
    Copy("exam-serie1", "julia", "olivia", edits={
        "Una vez que la red aprendió sus pesos con el conjunto de entrenamiento, la": "Cuando la red ya está "
        "entrenada, la", "Son activaciones que rompen la linealidad.": "Las tres son funciones de activación.",
        "como perro o gato": "como sí o no"}),
    Copy("exam-serie1", "mateo", "pau", edits={
        "Inferir es deducir. En deep learning la": "La", "Mi resumen: relu": "relu",
        "Se utiliza en clasificación binaria o multietiqueta,": "Para clasificación binaria (o multietiqueta),"}),
]


def cells_of(text: str) -> list[tuple[str, str]]:
    """(kind, source) of each cell of a percent-format file."""
    cells: list[tuple[str, list[str]]] = [] if text.startswith("# %%") else [("code", [])]
    for line in text.splitlines():
        if line.startswith("# %%"):
            cells.append(("markdown" if "[markdown]" in line else "code", []))
        elif cells:
            kind, lines = cells[-1]
            lines.append(re.sub(r"^# ?", "", line) if kind == "markdown" else line)
    return [(kind, "\n".join(lines).strip("\n")) for kind, lines in cells]


def _token(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits + "-_") for _ in range(size))


def _outputs(source: str, rng: random.Random) -> list[dict]:
    """What running the cell printed, made up but shaped like Keras' output."""
    text: list[str] = []
    if match := re.search(r"epochs=(\d+)", source):
        for epoch in range(1, min(int(match.group(1)), 6) + 1):
            loss, acc, val_loss, val_acc = (rng.uniform(0.25, 0.6), rng.uniform(0.78, 0.92),
                                             rng.uniform(0.28, 0.65), rng.uniform(0.76, 0.9))
            text += [f"Epoch {epoch}/{match.group(1)}",
                     f"1500/1500 [==============================] - 4s 3ms/step - loss: {loss:.4f} - "
                     f"accuracy: {acc:.4f} - val_loss: {val_loss:.4f} - val_accuracy: {val_acc:.4f}"]
    if ".evaluate(" in source or "print(" in source:
        text.append(f"313/313 - 1s - loss: {rng.uniform(0.3, 0.4):.4f} - accuracy: {rng.uniform(0.85, 0.89):.4f}")
    outputs: list[dict] = [{"output_type": "stream", "name": "stdout", "text": [line + "\n" for line in text]}] \
        if text else []
    if "plot(" in source or "imshow(" in source:
        outputs.append({"output_type": "display_data", "metadata": {},
                        "data": {"image/png": _token(rng, 200), "text/plain": ["<Figure size 640x480 with 1 Axes>"]}})
    return outputs


def notebook(cells: list[tuple[str, str]], *, ids_from: str, outputs_from: str | None) -> dict:
    """A Colab notebook of `cells`: metadata and cell ids generated from `ids_from`, outputs and execution
    counts from `outputs_from` (None: never run, or outputs cleared)."""
    ids = random.Random(f"ids:{ids_from}")
    user = str(ids.randrange(10**19, 10**20))
    built: list[dict] = []
    count = 0
    for index, (kind, source) in enumerate(cells):
        cell: dict = {"cell_type": kind, "metadata": {"id": _token(ids, 12)}, "source": source.splitlines(True)}
        if kind == "code":
            run = random.Random(f"run:{outputs_from}:{index}") if outputs_from else None
            cell["outputs"] = _outputs(source, run) if run else []
            count += ids.randint(1, 4)
            cell["execution_count"] = count if run else None
            if run:
                cell["metadata"].update({"outputId": _token(ids, 36), "executionInfo": {
                    "status": "ok", "timestamp": 1733300000000 + ids.randrange(10**8), "user_tz": -60,
                    "elapsed": ids.randrange(50, 90000), "user": {"displayName": ids_from, "userId": user}}})
        built.append(cell)
    meta = {"colab": {"provenance": [{"file_id": "1" + _token(ids, 32), "timestamp": 1733000000000}],
                      "authorship_tag": "ABX9Ty" + _token(ids, 22)},
            "kernelspec": {"name": "python3", "display_name": "Python 3"}, "language_info": {"name": "python"}}
    return {"cells": built, "metadata": meta, "nbformat": 4, "nbformat_minor": 0}


def _edit(text: str, copy: Copy) -> str:
    for old, new in copy.edits.items():
        assert old in text, f"{copy.student}: {old!r} is not in {copy.source}"
        text = text.replace(old, new)
    for old, new in copy.renames.items():
        text = re.sub(rf"\b{re.escape(old)}\b", new, text)
    return text


def _write(path: Path, cells: list[tuple[str, str]], *, ids_from: str, outputs_from: str | None) -> None:
    """`path` as a notebook (.ipynb) or a script (.py, the cells one after another)."""
    if path.suffix == ".yaml":  # an answers file: its one "cell" is the text as written
        path.write_text(cells[0][1] + "\n", encoding="utf-8")
    elif path.suffix == ".ipynb":
        body = notebook(cells, ids_from=ids_from, outputs_from=outputs_from)
        path.write_text(json.dumps(body, indent=1, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text("\n\n".join(source for _, source in cells) + "\n", encoding="utf-8")


def _source(exercise: str, author: str) -> Path:
    """The file `author` wrote: a percent-format script, or an answers file."""
    return next((SET / exercise).glob(f"{author}.*"))


def _name(exercise: str, author: str, student: str) -> str:
    """The file `student` hands in: a notebook when `author` (who wrote it) worked in one, else as written."""
    suffix = _source(exercise, author).suffix
    return f"{student}.ipynb" if author in NOTEBOOKS[exercise][0] else f"{student}{suffix}"


def build(root: Path) -> dict[str, set[frozenset[str]]]:
    """Write the whole set under `root`/<exercise>/ and return the copied pairs of each exercise."""
    copied: dict[str, set[frozenset[str]]] = {}
    for exercise, (_, ran) in NOTEBOOKS.items():
        folder = root / exercise
        folder.mkdir(parents=True)
        for path in sorted((SET / exercise).iterdir()):
            cells = cells_of(path.read_text(encoding="utf-8"))
            _write(folder / _name(exercise, path.stem, path.stem), cells, ids_from=path.stem,
                   outputs_from=path.stem if path.stem in ran else None)
        copied[exercise] = set()
    for copy in COPIES:
        ran = NOTEBOOKS[copy.exercise][1]
        cells = cells_of(_edit(_source(copy.exercise, copy.source).read_text(encoding="utf-8"), copy))
        if copy.drop_markdown:
            cells = [cell for cell in cells if cell[0] == "code"]
        if copy.move:
            cells.insert(copy.move[1], cells.pop(copy.move[0]))
        owner = copy.student if copy.fresh_notebook else copy.source
        outputs = None if copy.clear_outputs or (owner == copy.source and copy.source not in ran) else owner
        _write(root / copy.exercise / _name(copy.exercise, copy.source, copy.student), cells, ids_from=owner,
               outputs_from=outputs)
        copied[copy.exercise].add(frozenset((copy.source, copy.student)))
    return copied


@dataclass(frozen=True)
class Figures:
    """Recall on copied pairs and false flags on independent pairs, over the whole set."""

    copies_found: int
    copies: int
    false_flags: int
    independent: int

    def __str__(self) -> str:
        return (f"copies found {self.copies_found}/{self.copies}, independent pairs flagged "
                f"{self.false_flags}/{self.independent}")


def figures(copied: dict[str, set[frozenset[str]]], flagged: dict[str, set[frozenset[str]]],
            students: dict[str, list[str]]) -> Figures:
    """Compare `flagged` pairs with the labels, per exercise, over all pairs of `students`."""
    found = false = copies = independent = 0
    for exercise, names in students.items():
        for pair in map(frozenset, combinations(sorted(names), 2)):
            if pair in copied[exercise]:
                copies += 1
                found += pair in flagged[exercise]
            else:
                independent += 1
                false += pair in flagged[exercise]
    return Figures(found, copies, false, independent)
