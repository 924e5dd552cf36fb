"""Helpers shared by check kinds: finding a variable's facts and describing layers in both languages."""

from __future__ import annotations

import math

from grader.core.checks.registry import Outcome, Params
from grader.core.facts import Evidence, LayerFacts, MissingFacts, ModelFacts
from grader.core.i18n import Text, format_number, t


class VariableParams(Params):
    """Parameters of checks about one graded variable (the model, usually)."""

    variable: str = "model"


def fmt_int(n: int, lang: str) -> str:
    """Group thousands as each language writes them (1.234.567 / 1,234,567)."""
    return format_number(n, "es" if lang == "es" else "en")


def fmt_shape(shape: list[int | None] | tuple[int | None, ...] | None) -> str:
    """A shape as Python prints a tuple."""
    if shape is None:
        return "?"
    items = ["None" if d is None else str(d) for d in shape]
    return "(" + items[0] + ",)" if len(items) == 1 else "(" + ", ".join(items) + ")"


def close(actual: float | None, expected: float, rel_tol: float = 1e-3, abs_tol: float = 1e-9) -> bool:
    """Float comparison with tolerance (Keras stores learning rates and factors as float32)."""
    return actual is not None and math.isclose(actual, expected, rel_tol=rel_tol, abs_tol=abs_tol)


def stopped_before(evidence: Evidence, action: Text) -> Outcome | None:
    """A failing outcome 'Tu código se detuvo en la línea 84 (FileNotFoundError) antes de {action}.' when the
    student's code raised an exception, else None (the evidence is then missing for another reason)."""
    err = evidence.student_error
    if err is None:
        return None
    where = err.where or (t(f"línea {err.line}", f"line {err.line}") if err.line else None)
    at_es, at_en = (f" en la {where.es}", f" at {where.en}") if where else ("", "")
    if err.type == "SystemExit":
        return Outcome(False, t(f"Tu código llamó a sys.exit(){at_es} antes de {action.es}.",
                                f"Your code called sys.exit(){at_en} before {action.en}."))
    return Outcome(False, t(f"Tu código se detuvo{at_es} ({err.type}) antes de {action.es}.",
                            f"Your code stopped{at_en} ({err.type}) before {action.en}."))


def stopped_before_defining(evidence: Evidence, variable: str) -> Outcome | None:
    """`stopped_before` for a graded variable the sandbox did not find, when the exception is why: the
    sandbox says so (`stopped`), or, when it does not say, an exception was recorded."""
    facts = evidence.variables.get(variable)
    if isinstance(facts, MissingFacts) and facts.stopped is False:
        return None
    return stopped_before(evidence, t(f"definir `{variable}`", f"defining `{variable}`"))


def require_model(evidence: Evidence, variable: str) -> ModelFacts | Outcome:
    """The model facts of `variable`, or a failing outcome that says why there is no model to check."""
    facts = evidence.variables.get(variable)
    if facts is None or facts.kind == "missing":
        stopped = stopped_before_defining(evidence, variable)
        if stopped is not None:
            return stopped
        return Outcome(False, t(
            f"No se encontró la variable `{variable}` después de ejecutar tu código: define `{variable}`.",
            f"No variable `{variable}` was found after running your code: define `{variable}`.",
        ))
    if facts.kind == "refused":
        return Outcome(False, facts.reason)
    if facts.kind != "model":
        return Outcome(False, t(
            f"`{variable}` no es un modelo de Keras.", f"`{variable}` is not a Keras model."
        ))
    return facts


def require_built(model: ModelFacts, variable: str) -> Outcome | None:
    """A failing outcome when the model has no input shape (Keras cannot count its parameters)."""
    if model.built:
        return None
    return Outcome(False, t(
        f"El modelo `{variable}` no tiene forma de entrada: indica input_shape=... en la primera capa "
        "o empieza con keras.Input(shape=...).",
        f"Model `{variable}` has no input shape: pass input_shape=... to the first layer "
        "or start with keras.Input(shape=...).",
    ))


def fold_activations(layers: list[LayerFacts]) -> list[LayerFacts]:
    """Merge a separate Activation layer into the linear layer before it: Dense(4) + Activation('relu')
    is graded as Dense(4, relu), which is how the course presents the two forms."""
    folded: list[LayerFacts] = []
    for layer in layers:
        prev = folded[-1] if folded else None
        if layer.class_name == "Activation" and prev is not None and prev.activation == "linear":
            folded[-1] = prev.model_copy(update={"activation": layer.activation})
        else:
            folded.append(layer)
    return folded


def layer_label(layers: list[LayerFacts], index: int, lang: str) -> str:
    """'la capa de salida', 'la capa oculta 2' or 'la capa 3 (Dropout)' for the layer at `index`."""
    layer = layers[index]
    if index == len(layers) - 1:
        return "la capa de salida" if lang == "es" else "the output layer"
    if layer.class_name == "Dense":
        k = sum(1 for other in layers[: index + 1] if other.class_name == "Dense")
        return f"la capa oculta {k}" if lang == "es" else f"hidden layer {k}"
    return f"la capa {index + 1} ({layer.class_name})" if lang == "es" else f"layer {index + 1} ({layer.class_name})"


def describe_layer(layer: LayerFacts) -> str:
    """Short code-like description: Dense(16, relu), Dropout(0.3), Flatten."""
    args: list[str] = []
    if layer.units is not None:
        args.append(str(layer.units))
    if layer.rate is not None:
        args.append(f"{layer.rate:g}")
    if layer.activation is not None and (layer.class_name in {"Dense", "Activation"}):
        args.append(layer.activation)
    return f"{layer.class_name}({', '.join(args)})" if args else layer.class_name


def _sentence(text: str) -> str:
    """Capitalise a sentence unless it starts with code (validation_split=..., model.fit)."""
    first = text.split(" ", 1)[0]
    return text[:1].upper() + text[1:] if first.isalpha() else text


def join_problems(problems: list[Text], limit: int = 3) -> Text:
    """Several findings as sentences ('La capa oculta 1 ... . La capa oculta 2 ...'), at most `limit` shown."""
    shown = problems[:limit]
    es = ". ".join(_sentence(p.es) for p in shown) + "."
    en = ". ".join(_sentence(p.en) for p in shown) + "."
    extra = len(problems) - limit
    if extra > 0:
        es += f" (Y {extra} diferencia{'s' if extra > 1 else ''} más.)"
        en += f" (And {extra} more difference{'s' if extra > 1 else ''}.)"
    return t(es, en)
