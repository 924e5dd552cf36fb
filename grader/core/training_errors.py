"""What a failed brief training means for the exercise, in the student's words.

Keras reports a mismatch between the student's model and the exercise's data in its own terms (English,
tensor ranks, batch sizes, terminal bold codes). The common cases are read here and said as what to change:
the inputs' shape, the loss for these labels, the output layer's size, a missing compile. The original error
always follows as a technical detail (grader/core/richtext.py), which pages fold away.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from grader.core.excerpt import keep_ends
from grader.core.i18n import Text, t
from grader.core.normalize import canonical_loss
from grader.core.richtext import code, strip_ansi, with_detail

NO_COMPILE = "no compile settings"  # what the evaluator raises when neither the student nor the spec compiled

_EXPECTED_VALUE = re.compile(r"expected axis -1 of input shape to have value (\d+)")
_EXPECTED_SHAPE = re.compile(r"Expected shape \(([^)]*)\), but input has incompatible shape")
_EXPECTED_NDIM = re.compile(r"expected (?:min_)?ndim=(\d+), found ndim=(\d+)")
_SHAPES = re.compile(r"target\.shape=\(([^)]*)\), output\.shape=\(([^)]*)\)")
_LABEL_RANGE = re.compile(r"label value of (-?\d+) which is outside the valid range of \[0, (\d+)\)")


class Labels(BaseModel):
    """The exercise's training labels as the loss sees them."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["integer", "one_hot", "continuous"]
    classes: int = 0  # integer and one-hot labels: how many classes


class TrainingData(BaseModel):
    """What the brief training fed the model: one example's shape and the labels."""

    model_config = ConfigDict(frozen=True)

    input_shape: tuple[int, ...]
    labels: Labels


def shape_text(shape: tuple[int, ...] | list[int]) -> str:
    """A per-example shape as the course writes it: 28x28, or (25,) for a vector."""
    return "x".join(str(n) for n in shape) if len(shape) > 1 else f"({shape[0]},)" if shape else "()"


def declared_input_shape(config: Any) -> tuple[int, ...] | None:
    """The per-example input shape a model config declares (its first Input layer's), when it says."""
    if isinstance(config, dict):
        for key in ("batch_shape", "batch_input_shape"):
            value = config.get(key)
            if isinstance(value, list | tuple) and len(value) > 1 and all(isinstance(n, int) for n in value[1:]):
                return tuple(value[1:])
        children = list(config.values())
    elif isinstance(config, list):
        children = config
    else:
        return None
    for child in children:
        found = declared_input_shape(child)
        if found is not None:
            return found
    return None


def _units(count: int | str) -> Text:
    """'1 neurona', '3 neuronas': the count of a layer's units in both languages."""
    one = int(count) == 1
    return t(f"{count} neurona" if one else f"{count} neuronas", f"{count} unit" if one else f"{count} units")


def _dims(text: str) -> list[int]:
    """The known sizes of a printed shape; an unknown batch size (`None`) is left out."""
    return [int(n) for n in re.findall(r"-?\d+", text)]


def _per_example(text: str) -> list[int]:
    """A printed shape's sizes after the batch's, whether the batch size is known ('(32, 5, 2)') or not
    ('(None, 5, 2)', as the traced training loop reports it): both give [5, 2]."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    return [int(n) for n in parts[1:] if re.fullmatch(r"-?\d+", n)]


def _input_mismatch(error: str, data: TrainingData, model_input: tuple[int, ...] | None) -> Text | None:
    data_shape, values = shape_text(data.input_shape), 1
    for n in data.input_shape:
        values *= n
    fix = t(f"Ajusta {code('input_shape')} (o {code('keras.Input(shape=...)')}) a la forma de los datos.",
            f"Set {code('input_shape')} (or {code('keras.Input(shape=...)')}) to the data's shape.")
    if model_input is not None and tuple(model_input) != data.input_shape and (
            _EXPECTED_VALUE.search(error) or _EXPECTED_SHAPE.search(error) or _EXPECTED_NDIM.search(error)):
        model = shape_text(model_input)
        return t(f"Tu modelo espera entradas de forma {model}, pero los datos de este ejercicio son de "
                 f"{data_shape} ({values} valores por ejemplo). {fix.es}",
                 f"Your model expects inputs of shape {model}, but this exercise's data is {data_shape} "
                 f"({values} values per example). {fix.en}")
    if match := _EXPECTED_VALUE.search(error):
        wanted = match.group(1)
        return t(f"Una capa de tu modelo espera {wanted} valores por ejemplo, pero los datos de este ejercicio "
                 f"son de {data_shape} ({values} valores). {fix.es}",
                 f"A layer of your model expects {wanted} values per example, but this exercise's data is "
                 f"{data_shape} ({values} values). {fix.en}")
    if match := _EXPECTED_SHAPE.search(error):
        model = shape_text(_dims(match.group(1))[1:] if "None" in match.group(1) else _dims(match.group(1)))
        return t(f"Tu modelo espera entradas de forma {model}, pero los datos de este ejercicio son de "
                 f"{data_shape}. {fix.es}",
                 f"Your model expects inputs of shape {model}, but this exercise's data is {data_shape}. {fix.en}")
    return None


def _output_mismatch(error: str, data: TrainingData, loss: str | None) -> Text | None:
    labels, name = data.labels, code(loss or "loss")
    if match := _LABEL_RANGE.search(error):
        units = _units(match.group(2))
        return t(f"La capa de salida tiene {units.es}, pero las etiquetas van de 0 a {labels.classes - 1}: "
                 f"necesita una neurona por clase, {code(f'Dense({labels.classes})')}.",
                 f"The output layer has {units.en}, but the labels go from 0 to {labels.classes - 1}: it "
                 f"needs one unit per class, {code(f'Dense({labels.classes})')}.")
    match = _SHAPES.search(error)
    if not match:
        return None
    target, output = _dims(match.group(1)), _dims(match.group(2))
    if len(_per_example(match.group(2))) > 1:
        per_example = shape_text(_per_example(match.group(2)))
        return t(f"La salida de tu modelo es de {per_example} por ejemplo, no un vector: falta un "
                 f"{code('Flatten()')} antes de las capas {code('Dense')}.",
                 f"Your model's output is {per_example} per example, not a vector: a {code('Flatten()')} is "
                 f"missing before the {code('Dense')} layers.")
    if labels.kind == "integer" and loss == "categorical_crossentropy":
        return t(f"Las etiquetas de este ejercicio son números de clase (0 a {labels.classes - 1}), y {name} "
                 f"las espera en one-hot: usa {code('sparse_categorical_crossentropy')}.",
                 f"This exercise's labels are class numbers (0 to {labels.classes - 1}), and {name} expects "
                 f"them one-hot: use {code('sparse_categorical_crossentropy')}.")
    if labels.kind == "one_hot" and loss == "sparse_categorical_crossentropy":
        return t(f"Las etiquetas de este ejercicio están en one-hot ({labels.classes} columnas), y {name} espera "
                 f"números de clase: usa {code('categorical_crossentropy')}.",
                 f"This exercise's labels are one-hot ({labels.classes} columns), and {name} expects class "
                 f"numbers: use {code('categorical_crossentropy')}.")
    if loss == "binary_crossentropy" and labels.classes > 2:
        return t(f"{name} es para dos clases con una neurona de salida, y este ejercicio tiene {labels.classes} "
                 f"clases: usa una salida {code(f'Dense({labels.classes})')} con softmax y "
                 f"{code('sparse_categorical_crossentropy')}.",
                 f"{name} is for two classes with one output unit, and this exercise has {labels.classes} "
                 f"classes: use a {code(f'Dense({labels.classes})')} softmax output with "
                 f"{code('sparse_categorical_crossentropy')}.")
    if len(output) == len(target) and output and target and output[-1] != target[-1]:
        wanted, units = target[-1], _units(output[-1])
        return t(f"La capa de salida tiene {units.es}, pero el ejercicio necesita {wanted}: "
                 f"usa {code(f'Dense({wanted})')} al final.",
                 f"The output layer has {units.en}, but the exercise needs {wanted}: end with "
                 f"{code(f'Dense({wanted})')}.")
    return None


def original_error(error_type: str, error: str) -> str:
    """The first meaningful line of an error, ANSI codes removed: TensorFlow appends whole graph tracebacks."""
    lines = [line.strip() for line in strip_ansi(error).splitlines() if line.strip()]
    skip = ("Graph execution error", "Detected at node", "File ", "Exception encountered when calling")
    first = next((line for line in lines if not line.startswith(skip)), lines[0] if lines else "")
    return f"{error_type}: {keep_ends(first)}"


def explain_training_error(*, error_type: str, error: str, data: TrainingData, loss: Any = None,
                           model_input: tuple[int, ...] | None = None) -> Text:
    """The failed training's message: what it means for the exercise when it is a common mismatch (inputs,
    loss and labels, output size, no compile), else the generic sentence; the original error as detail."""
    text = strip_ansi(error)
    original = original_error(error_type, error)
    if isinstance(loss, dict):  # a loss object's config: its class name, or a function's name
        loss = loss.get("class_name") if loss.get("class_name") != "function" else loss.get("config")
    loss_name = canonical_loss(loss) if isinstance(loss, str) else None
    if NO_COMPILE in text:
        return with_detail(t(f"Tu modelo no está compilado: llama a {code('model.compile(optimizer=..., loss=...)')}"
                             " antes de entrenarlo.",
                             f"Your model is not compiled: call {code('model.compile(optimizer=..., loss=...)')}"
                             " before training it."), original)
    explained = _input_mismatch(text, data, model_input) or _output_mismatch(text, data, loss_name)
    if explained is None:
        explained = t("El entrenamiento con tu configuración falló.", "Training with your settings failed.")
    return with_detail(explained, original)
