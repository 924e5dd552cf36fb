"""The `unimported` feedback note: names the student's code used without importing them, which the sandbox
supplied from the course's usual imports (grader/engine/sandbox/courseimports.py, whose USUAL_IMPORTS holds
the same names) so that the rest of the code could be graded. Each name comes with the line to add."""

from __future__ import annotations

from grader.core.i18n import Text, t

_KERAS = "from tensorflow.keras"
IMPORT_LINES: dict[str, str] = {
    "keras": "from tensorflow import keras", "tf": "import tensorflow as tf", "np": "import numpy as np",
    "pd": "import pandas as pd", "plt": "import matplotlib.pyplot as plt",
    **{name: f"from tensorflow.keras import {name}" for name in (
        "layers", "models", "optimizers", "losses", "callbacks", "regularizers")},
    **{name: f"{_KERAS}.models import {name}" for name in ("Sequential", "Model")},
    "Input": f"{_KERAS}.layers import Input",
    **{name: f"{_KERAS}.layers import {name}" for name in (
        "Dense", "Flatten", "Dropout", "BatchNormalization", "Activation", "InputLayer", "Conv2D",
        "MaxPooling2D")},
    **{name: f"{_KERAS}.callbacks import {name}" for name in ("EarlyStopping", "ModelCheckpoint")},
    **{name: f"{_KERAS}.optimizers import {name}" for name in ("Adam", "SGD", "RMSprop")},
    "to_categorical": f"{_KERAS}.utils import to_categorical",
}


def unimported_note(names: str) -> Text:
    """The note for `names` (comma-separated, as the sandbox reports them); ValueError when one of them is not
    a usual import (a forged report), so that the note is dropped."""
    listed = names.split(",")
    if not listed or any(name not in IMPORT_LINES for name in listed):
        raise ValueError(names)
    used = ", ".join(f"`{name}`" for name in listed)
    lines = "; ".join(f"`{IMPORT_LINES[name]}`" for name in listed)
    return t(f"Tu código usa {used} sin importarlo (¿la importación estaba en otra celda o archivo?): para calificar "
             f"el resto se importó como en el curso. Añade al principio: {lines}.",
             f"Your code uses {used} without importing it (was the import in another cell or file?): to grade the "
             f"rest it was imported as in the course. Add at the top: {lines}.")
