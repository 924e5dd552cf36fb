"""Check kinds about a model's architecture: input/output shapes, layers, parameter counts."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from grader.core.checks.common import (
    VariableParams,
    close,
    describe_layer,
    fmt_int,
    fmt_shape,
    fold_activations,
    join_problems,
    layer_label,
    require_built,
    require_model,
)
from grader.core.checks.registry import Outcome, Params, check_kind
from grader.core.facts import Evidence, LayerFacts, ModelFacts
from grader.core.i18n import Text, t
from grader.core.normalize import canonical_activation


class ShapeParams(VariableParams):
    """Expected shape without the batch dimension, e.g. [5, 5]."""

    shape: list[int]


def _model_or_fail(evidence: Evidence, variable: str, need_built: bool = True) -> ModelFacts | Outcome:
    model = require_model(evidence, variable)
    if isinstance(model, Outcome) or not need_built:
        return model
    return require_built(model, variable) or model


def _shape_check(params: ShapeParams, evidence: Evidence, which: Literal["input", "output"]) -> Outcome:
    model = _model_or_fail(evidence, params.variable)
    if isinstance(model, Outcome):
        return model
    actual = model.input_shape if which == "input" else model.output_shape
    shown_exp = fmt_shape([None, *params.shape])
    shown_act = fmt_shape([None, *actual]) if actual is not None else "?"
    es_what, en_what = ("entrada", "input") if which == "input" else ("salida", "output")
    if actual == params.shape:
        return Outcome(True, t(f"La {es_what} del modelo tiene forma {shown_act}.",
                               f"The model's {en_what} shape is {shown_act}."))
    return Outcome(False, t(
        f"La {es_what} del modelo tiene forma {shown_act}; se esperaba {shown_exp}.",
        f"The model's {en_what} shape is {shown_act}; expected {shown_exp}.",
    ))


@check_kind("input_shape", ShapeParams)
def input_shape(params: ShapeParams, evidence: Evidence) -> Outcome:
    """The model's input shape (batch dimension excluded) equals `shape`."""
    return _shape_check(params, evidence, "input")


@check_kind("output_shape", ShapeParams)
def output_shape(params: ShapeParams, evidence: Evidence) -> Outcome:
    """The model's output shape (batch dimension excluded) equals `shape`."""
    return _shape_check(params, evidence, "output")


class LayerExpect(Params):
    """What one layer must be; attributes left out are not checked."""

    class_name: str | None = Field(default=None, alias="class")
    units: int | None = None
    activation: str | None = None
    rate: float | None = None
    trainable: bool | None = None
    l1: float | None = None
    l2: float | None = None
    params: int | None = None

    def describe(self) -> str:
        """Code-like description used in messages: Dense(16, relu)."""
        layer = LayerFacts(class_name=self.class_name or "Layer", name="", units=self.units, rate=self.rate,
                           activation=canonical_activation(self.activation) if self.activation else None)
        return describe_layer(layer)


def _reg_text(l1: float, l2: float) -> str:
    """How Keras spells a regularizer with these factors: L2(0.01), L1(0.01) or L1L2(l1=..., l2=...)."""
    if l1 and l2:
        return f"L1L2(l1={l1:g}, l2={l2:g})"
    return f"L1({l1:g})" if l1 else f"L2({l2:g})"


# `class: Model` expects a whole Keras model as the layer (a base model to freeze), whichever way it was built.
MODEL_CLASSES = ("Sequential", "Functional", "Model")


def _same_class(layer: LayerFacts, expected: str) -> bool:
    return layer.class_name == expected or (expected == "Model" and layer.class_name in MODEL_CLASSES)


def _mismatches(layer: LayerFacts, expect: LayerExpect, label_es: str, label_en: str) -> list[Text]:
    """Every way `layer` differs from `expect`, as specific sentences."""
    out: list[Text] = []
    if expect.class_name and not _same_class(layer, expect.class_name):
        shown = t("un modelo de Keras (Sequential o Functional)", "a Keras model (Sequential or Functional)") \
            if expect.class_name == "Model" else t(expect.class_name, expect.class_name)
        if f"({layer.class_name})" in label_es:  # the label already names the class it has
            out.append(t(f"{label_es}: se esperaba {shown.es}", f"{label_en}: expected {shown.en}"))
        else:
            out.append(t(f"{label_es} es {layer.class_name}; se esperaba {shown.es}",
                         f"{label_en} is {layer.class_name}; expected {shown.en}"))
        return out
    if expect.units is not None and layer.units != expect.units:
        out.append(t(f"{label_es} tiene {layer.units} neuronas; se esperaban {expect.units}",
                     f"{label_en} has {layer.units} units; expected {expect.units}"))
    if expect.activation is not None:
        want = canonical_activation(expect.activation)
        if canonical_activation(layer.activation) != want:
            out.append(t(f"{label_es} usa la activación '{layer.activation}'; se esperaba '{want}'",
                         f"{label_en} uses the '{layer.activation}' activation; expected '{want}'"))
    if expect.rate is not None and not close(layer.rate, expect.rate):
        out.append(t(f"{label_es} tiene rate={layer.rate}; se esperaba {expect.rate}",
                     f"{label_en} has rate={layer.rate}; expected {expect.rate}"))
    if expect.trainable is not None and layer.trainable != expect.trainable:
        state_es = "entrenable" if layer.trainable else "congelada (trainable=False)"
        state_en = "trainable" if layer.trainable else "frozen (trainable=False)"
        out.append(t(f"{label_es} está {state_es}; se esperaba trainable={expect.trainable}",
                     f"{label_en} is {state_en}; expected trainable={expect.trainable}"))
    if expect.l1 is not None or expect.l2 is not None:
        reg = layer.kernel_regularizer
        have = (reg.l1, reg.l2) if reg else (0.0, 0.0)
        wanted = (expect.l1 if expect.l1 is not None else have[0], expect.l2 if expect.l2 is not None else have[1])
        if not (close(have[0], wanted[0]) and close(have[1], wanted[1])):
            if reg is None:
                out.append(t(f"{label_es} no tiene kernel_regularizer; se esperaba {_reg_text(*wanted)}",
                             f"{label_en} has no kernel_regularizer; expected {_reg_text(*wanted)}"))
            else:
                out.append(t(f"{label_es} tiene kernel_regularizer {_reg_text(*have)}; se esperaba "
                             f"{_reg_text(*wanted)}",
                             f"{label_en} has kernel_regularizer {_reg_text(*have)}; expected {_reg_text(*wanted)}"))
    if expect.params is not None and layer.params != expect.params:
        out.append(t(f"{label_es} tiene {fmt_int(layer.params, 'es')} parámetros; se esperaban "
                     f"{fmt_int(expect.params, 'es')}",
                     f"{label_en} has {fmt_int(layer.params, 'en')} parameters; expected "
                     f"{fmt_int(expect.params, 'en')}"))
    return out


def _layer_stack(evidence: Evidence, variable: str, *, fold: bool) -> list[LayerFacts] | Outcome:
    """The model's layers as graded (Activation layers folded into the layer before when `fold`)."""
    model = _model_or_fail(evidence, variable, need_built=False)
    if isinstance(model, Outcome):
        return model
    return fold_activations(model.layers) if fold else list(model.layers)


class LayersParams(VariableParams):
    """The whole stack of layers, in order (InputLayer excluded; Activation layers folded when allowed)."""

    expected: list[LayerExpect] = Field(min_length=1)
    fold_activations: bool = True


@check_kind("layers", LayersParams)
def layers(params: LayersParams, evidence: Evidence) -> Outcome:
    """The model's layers match `expected` one by one; reports the count or the first differences."""
    stack = _layer_stack(evidence, params.variable, fold=params.fold_activations)
    if isinstance(stack, Outcome):
        return stack
    have = ", ".join(describe_layer(layer) for layer in stack) or "ninguna"
    want = ", ".join(e.describe() for e in params.expected)
    if len(stack) != len(params.expected):
        return Outcome(False, t(
            f"El modelo tiene {len(stack)} capas ({have}); se esperaban {len(params.expected)}: {want}.",
            f"The model has {len(stack)} layers ({have}); expected {len(params.expected)}: {want}.",
        ))
    problems: list[Text] = []
    for i, (layer, expect) in enumerate(zip(stack, params.expected, strict=True)):
        problems += _mismatches(layer, expect, layer_label(stack, i, "es"), layer_label(stack, i, "en"))
    if problems:
        return Outcome(False, join_problems(problems))
    return Outcome(True, t(f"Las capas son correctas: {have}.", f"The layers are right: {have}."))


class LayerParams(VariableParams):
    """One or several selected layers must each match `expect`.

    `select`: an index (0 = first non-input layer, -1 = output), 'hidden' (every Dense but the last),
    'output', or a class name (every layer of that class).
    """

    select: int | str
    expect: LayerExpect
    fold_activations: bool = True
    min_count: int = Field(default=1, ge=0)


def _select(stack: list[LayerFacts], select: int | str) -> list[int]:
    if isinstance(select, int):
        return [select % len(stack)] if -len(stack) <= select < len(stack) else []
    if select == "output":
        return [len(stack) - 1] if stack else []
    if select == "hidden":
        last = len(stack) - 1
        return [i for i, layer in enumerate(stack) if layer.class_name == "Dense" and i != last]
    return [i for i, layer in enumerate(stack) if layer.class_name == select]


def _selection_name(select: int | str) -> tuple[str, str]:
    if select == "hidden":
        return "capas ocultas Dense", "hidden Dense layers"
    if select == "output":
        return "capa de salida", "output layer"
    if isinstance(select, int):
        return f"capa en la posición {select}", f"layer at position {select}"
    return f"capas {select}", f"{select} layers"


@check_kind("layer", LayerParams)
def layer(params: LayerParams, evidence: Evidence) -> Outcome:
    """Selected layers match `expect` (e.g. every hidden layer has an L2 regularizer of 0.01)."""
    stack = _layer_stack(evidence, params.variable, fold=params.fold_activations)
    if isinstance(stack, Outcome):
        return stack
    chosen = _select(stack, params.select)
    name_es, name_en = _selection_name(params.select)
    if len(chosen) < max(1, params.min_count):
        return Outcome(False, t(
            f"Se esperaban al menos {max(1, params.min_count)} {name_es} ({params.expect.describe()}); "
            f"el modelo tiene {len(chosen)}.",
            f"Expected at least {max(1, params.min_count)} {name_en} ({params.expect.describe()}); "
            f"the model has {len(chosen)}.",
        ))
    problems: list[Text] = []
    for i in chosen:
        problems += _mismatches(stack[i], params.expect, layer_label(stack, i, "es"), layer_label(stack, i, "en"))
    if problems:
        return Outcome(False, join_problems(problems))
    return Outcome(True, t(f"Correcto: {name_es} como se pedía.", f"Right: {name_en} as asked."))


class ParamCountParams(VariableParams):
    """Expected parameter counts; give any of them."""

    total: int | None = None
    trainable: int | None = None
    non_trainable: int | None = None


@check_kind("param_count", ParamCountParams)
def param_count(params: ParamCountParams, evidence: Evidence) -> Outcome:
    """The model's total / trainable / non-trainable parameter counts equal the expected ones."""
    model = _model_or_fail(evidence, params.variable)
    if isinstance(model, Outcome):
        return model
    total = model.params or 0
    trainable = model.trainable_params or 0
    actual = {"total": total, "trainable": trainable, "non_trainable": total - trainable}
    names = {"total": ("parámetros en total", "parameters in total"),
             "trainable": ("parámetros entrenables", "trainable parameters"),
             "non_trainable": ("parámetros no entrenables", "non-trainable parameters")}
    for key, (es, en) in names.items():
        want = getattr(params, key)
        if want is not None and actual[key] != want:
            return Outcome(False, t(
                f"El modelo tiene {fmt_int(actual[key], 'es')} {es}; se esperaban {fmt_int(want, 'es')}.",
                f"The model has {fmt_int(actual[key], 'en')} {en}; expected {fmt_int(want, 'en')}.",
            ))
    return Outcome(True, t(f"El modelo tiene {fmt_int(total, 'es')} parámetros, como se esperaba.",
                           f"The model has {fmt_int(total, 'en')} parameters, as expected."))
