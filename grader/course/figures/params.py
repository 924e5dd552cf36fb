"""Where each layer's parameter count comes from, written out as the lessons do it.

"Dense(16) después de Flatten(25): 25×16 + 16 = 416": one typed line per layer, summing to the total Keras
reports. A layer whose count the arithmetic cannot explain (a class not known here, a nested model) keeps
the count Keras gave, without a formula: the figure is never invented.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from grader.core.checks.common import fmt_int
from grader.core.i18n import Lang, Text, format_number, t
from grader.core.summaries import LayerSummary, ModelSummary

# Layers that never hold weights: their line says 0 without arithmetic to explain.
WEIGHTLESS = frozenset({"Dropout", "Flatten", "Reshape", "Activation", "MaxPooling2D", "AveragePooling2D",
                        "GlobalAveragePooling2D", "GlobalMaxPooling2D", "MaxPooling1D", "GaussianNoise",
                        "GaussianDropout", "SpatialDropout2D", "InputLayer", "Rescaling", "Resizing"})


@dataclass(frozen=True)
class ParamLine:
    """One layer's parameter count and, when it can be explained, the arithmetic behind it."""

    index: int  # position among the drawn layers (InputLayer excluded)
    label: str  # Dense(16), BatchNormalization(64), Flatten(25)
    params: int  # always the count Keras gave
    formula: str | None  # "25×16 + 16 = 416"; None when the count is not explained
    non_trainable: int  # e.g. BatchNormalization's moving mean and variance
    text: Text


def _last(shape: list[int | None] | None) -> int | None:
    return shape[-1] if shape else None


def layer_label(layer: LayerSummary) -> str:
    """Dense(16), Dropout(0.3), or the class with the size of its output: Flatten(25), BatchNormalization(64)."""
    if layer.units is not None:
        return f"{layer.class_name}({layer.units})"
    if layer.rate is not None:
        return f"{layer.class_name}({layer.rate:g})"
    size = _last(layer.output_shape)
    return f"{layer.class_name}({size})" if size is not None else layer.class_name


def _formula(layer: LayerSummary, inputs: int | None) -> tuple[str | None, int]:
    """The arithmetic of `layer` fed by `inputs` features, if it gives the count Keras gave, and how many of
    those parameters are not trainable."""
    n = layer.params
    if layer.class_name in WEIGHTLESS and n == 0:
        return "0", 0
    if inputs is None:
        return None, 0
    if layer.class_name == "Dense" and layer.units is not None:
        if inputs * layer.units + layer.units == n:
            return f"{inputs}×{layer.units} + {layer.units} = {n}", 0
        if inputs * layer.units == n:  # use_bias=False
            return f"{inputs}×{layer.units} = {n}", 0
    if layer.class_name == "BatchNormalization" and n == 4 * inputs:
        # gamma and beta learn; the moving mean and variance are statistics, not trained.
        return f"4×{inputs} = {n}", 2 * inputs
    if layer.class_name in {"Conv2D", "Conv1D"}:
        return _conv_formula(layer, inputs), 0
    return None, 0


def _conv_formula(layer: LayerSummary, channels: int) -> str | None:
    """k×k×channels×filters + filters, with the kernel size recovered from the count (it is not stored)."""
    filters, n = _last(layer.output_shape), layer.params
    if not filters or not channels:
        return None
    for bias in (filters, 0):
        per_position, rest = divmod(n - bias, channels * filters)
        if rest or per_position <= 0:
            continue
        side = math.isqrt(per_position)
        kernel = f"{side}×{side}" if layer.class_name == "Conv2D" and side * side == per_position \
            else str(per_position)
        tail = f" + {filters}" if bias else ""
        return f"{kernel}×{channels}×{filters}{tail} = {n}"
    return None


def _localized(arithmetic: str, lang: Lang) -> str:
    """The numbers of an arithmetic line grouped as `lang` writes them (12.560 / 12,560)."""
    return re.sub(r"\d+", lambda match: format_number(int(match.group()), lang), arithmetic)


def param_lines(*, summary: ModelSummary) -> list[ParamLine]:
    """One line per layer of `summary`, in order; their `params` sum to the layers' total."""
    lines: list[ParamLine] = []
    inputs = _last(summary.input_shape)
    previous: str | None = None
    for i, layer in enumerate(summary.layers):
        formula, frozen = _formula(layer, inputs)
        label = layer_label(layer)
        if formula == "0":
            es, en = f"{label}: sin parámetros (0)", f"{label}: no parameters (0)"
        elif formula is None:
            es = f"{label}: {fmt_int(layer.params, 'es')} (según Keras)"
            en = f"{label}: {fmt_int(layer.params, 'en')} (as Keras counts them)"
        elif previous is None:
            es = f"{label} con {_localized(str(inputs), 'es')} entradas: {_localized(formula, 'es')}"
            en = f"{label} with {_localized(str(inputs), 'en')} inputs: {_localized(formula, 'en')}"
        else:
            es = f"{label} después de {previous}: {_localized(formula, 'es')}"
            en = f"{label} after {previous}: {_localized(formula, 'en')}"
        if frozen:
            es += f" ({frozen} no entrenables: media y varianza móviles)"
            en += f" ({frozen} not trainable: moving mean and variance)"
        lines.append(ParamLine(index=i, label=label, params=layer.params, formula=formula,
                               non_trainable=frozen, text=t(es, en)))
        inputs = _last(layer.output_shape) if layer.output_shape is not None else inputs
        previous = label
    return lines


def param_total_text(*, summary: ModelSummary, lines: list[ParamLine], lang: Lang = "es") -> str:
    """The sum of the lines, and whether it is the total Keras reports (`model.count_params()`)."""
    total = sum(line.params for line in lines)
    terms = " + ".join(fmt_int(line.params, lang) for line in lines if line.params) or "0"
    shown = fmt_int(total, lang)
    if summary.params is None or summary.params == total:
        return t(f"Total: {terms} = {shown} parámetros", f"Total: {terms} = {shown} parameters").get(lang)
    keras = fmt_int(summary.params, lang)
    return t(f"Total de las capas: {terms} = {shown}; Keras cuenta {keras}",
             f"Layers' total: {terms} = {shown}; Keras counts {keras}").get(lang)
