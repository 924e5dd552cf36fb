"""A class's worth of distinct lab-add-hidden-16 submissions for bench/load_test.py.

Every submission is different bytes (a student's own comment, names, spacing and choices), so the API's
same-bytes reuse never merges two and the evaluators' trace caches see what a class sends: some repeated
architectures among many distinct ones. Kinds: right and wrong answers as scripts and notebooks, code that
fails, and about one in ten hostile, taken from the attack tests (tests/exploits, tests/attacks) with a
comment of their own appended.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The attacks the issue names first (fork bomb, memory hog, time-out, forged report), then the rest of the
# attack tests that need no filling in: each one is contained when it finishes below full marks.
HOSTILE = ["exploits/fork_bomb.py", "exploits/memory_bomb.py", "exploits/infinite_loop.py", "exploits/fake_result.py",
           "attacks/memory_hog.py", "exploits/os_exit.py", "exploits/segfault.py", "exploits/kill_parent.py",
           "exploits/huge_stdout.py", "exploits/tamper_worker.py", "exploits/patch_get_config.py",
           "exploits/eq_always_true.py", "exploits/patch_units.py", "exploits/lambda_layer.py", "exploits/network.py",
           "attacks/survivor.py", "attacks/planter.py", "exploits/sys_exit.py"]
HOSTILE_EVERY = 10


@dataclass(frozen=True)
class Planned:
    """One submission to post: its kind (how results are grouped), file name and text."""

    kind: str
    filename: str
    source: str
    hostile: bool = False


def _imports(rng: random.Random) -> tuple[str, str]:
    """An import line and how the code then names Keras' layers."""
    return rng.choice([("from tensorflow import keras", "keras.layers"), ("import keras", "keras.layers"),
                       ("from tensorflow import keras\nfrom tensorflow.keras import layers", "layers"),
                       ("import keras\nfrom keras import layers", "layers")])


def _model_code(rng: random.Random, hidden: list[tuple[int, str]], *, compile_line: str = "") -> str:
    """Keras code for Flatten(5x5) -> hidden Dense layers -> Dense(3, relu) -> Dense(2, softmax)."""
    head, ns = _imports(rng)
    quote = rng.choice(["'", '"'])
    dense = [f"{ns}.Dense({units}, activation={quote}{act}{quote})" for units, act in hidden]
    dense += [f"{ns}.Dense(3, activation={quote}relu{quote})", f"{ns}.Dense(2, activation={quote}softmax{quote})"]
    first = rng.choice([[f"{ns}.Flatten(input_shape=(5, 5))"],
                        ["keras.Input(shape=(5, 5))", f"{ns}.Flatten()"]])
    name = rng.choice(["model", "modelo"])
    if rng.random() < 0.3:  # model.add, one layer at a time
        body = f"{name} = keras.Sequential()\n" + "".join(f"{name}.add({layer})\n" for layer in first + dense)
    else:
        indent = " " * rng.choice([4, 2, 8])
        body = f"{name} = keras.Sequential([\n" + "".join(f"{indent}{layer},\n" for layer in first + dense) + "])\n"
    if name != "model":
        body += f"model = {name}\n"
    return f"{head}\n\n{body}{compile_line}"


def _right(rng: random.Random) -> str:
    compile_line = ""
    if rng.random() < 0.4:
        optimizer = rng.choice(["'adam'", "keras.optimizers.Adam()", "keras.optimizers.Adam(learning_rate=0.001)"])
        compile_line = (f"model.compile(optimizer={optimizer}, loss='sparse_categorical_crossentropy', "
                        f"metrics=['accuracy'])\n")
    return _model_code(rng, [(16, "relu"), (16, "relu")], compile_line=compile_line)


def _wrong(rng: random.Random) -> str:
    layers = rng.choice([1, 2, 2, 3])
    hidden = [(rng.choice([4, 8, 12, 16, 20, 24, 32, 48, 64]), rng.choice(["relu", "relu", "tanh", "sigmoid", "elu"]))
              for _ in range(layers)]
    if hidden == [(16, "relu"), (16, "relu")]:
        hidden[1] = (32, "relu")
    compile_line = ""
    if rng.random() < 0.3:
        rate = rng.choice([0.0005, 0.002, 0.005, 0.01])
        optimizer = rng.choice([f"keras.optimizers.Adam(learning_rate={rate})",
                                f"keras.optimizers.RMSprop(learning_rate={rate})", "'sgd'"])
        compile_line = f"model.compile(optimizer={optimizer}, loss='sparse_categorical_crossentropy')\n"
    return _model_code(rng, hidden, compile_line=compile_line)


def _erroring(rng: random.Random) -> str:
    right = _model_code(rng, [(16, "relu"), (16, "relu")])
    return rng.choice([
        right.replace("])\n", "]\n", 1) if "])\n" in right else right + "model.add(\n",  # a syntax error
        right + "print(X_test.shape)\n",  # a name that does not exist
        right.replace("model", "mi_red"),  # no `model` variable at all
        right + "model.compile(optimizer='adam', loss='no_such_loss')\n",  # training cannot be set up
        right + "raise ValueError('todavía no he terminado')\n",
    ])


def notebook(code: str, student: str, rng: random.Random) -> str:
    """The code as a Colab-style notebook: a title, a set-up cell, the model, a summary."""
    def cell(kind: str, text: str) -> dict[str, object]:
        lines = text.splitlines(keepends=True)
        extra = {"execution_count": None, "outputs": []} if kind == "code" else {}
        return {"cell_type": kind, "metadata": {}, "source": lines, **extra}

    setup = rng.choice(["import numpy as np", "!pip install -q tensorflow\nimport numpy as np", "%matplotlib inline"])
    cells = [cell("markdown", f"# Laboratorio 2\n{student}"), cell("code", setup), cell("code", code),
             cell("code", "model.summary()")]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                       "nbformat": 4, "nbformat_minor": 5}, indent=1)


def plan(count: int, *, seed: int = 30) -> list[Planned]:
    """`count` distinct submissions: every HOSTILE_EVERY-th one hostile, the others right (35%), wrong (45%)
    or failing (20%), a third of the right and wrong ones as notebooks."""
    rng = random.Random(seed)
    planned: list[Planned] = []
    for index in range(count):
        student = f"Estudiante {index:04d}"
        if index % HOSTILE_EVERY == HOSTILE_EVERY - 1:
            attack = HOSTILE[(index // HOSTILE_EVERY) % len(HOSTILE)]
            source = (ROOT / "tests" / attack).read_text() + f"\n# {student}\n"
            planned.append(Planned(f"hostile:{Path(attack).stem}", "lab2.py", source, hostile=True))
            continue
        kind = rng.choices(["right", "wrong", "error"], weights=[35, 45, 20])[0]
        code = {"right": _right, "wrong": _wrong, "error": _erroring}[kind](rng)
        code = f"# {student}\n{code}"
        if kind != "error" and rng.random() < 1 / 3:
            planned.append(Planned(f"{kind}-notebook", "lab2.ipynb", notebook(code, student, rng)))
        else:
            planned.append(Planned(f"{kind}-script", "lab2.py", code))
    return planned
