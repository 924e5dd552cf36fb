"""Check kinds about training: callbacks, `model.fit` arguments, and the trusted brief training."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from grader.core.checks.common import (
    VariableParams,
    close,
    join_problems,
    require_model,
    stopped_before,
    stopped_before_defining,
)
from grader.core.checks.registry import Outcome, Params, check_kind
from grader.core.facts import CallbackFacts, Evidence, FitCallFacts, Scalar
from grader.core.i18n import Text, format_numbers, t


def _fit_calls(evidence: Evidence, variable: str) -> list[FitCallFacts]:
    return [c for c in evidence.fit_calls if c.model_variable == variable]


def _not_fitted(evidence: Evidence, variable: str) -> Outcome:
    """Why there is no call of `<variable>.fit` to judge: the code stopped before it, or never called it."""
    stopped = stopped_before(evidence, t(f"llamar a {variable}.fit", f"calling {variable}.fit"))
    if stopped is not None:
        return stopped
    return Outcome(False, t(
        f"No se llamó a {variable}.fit(...): entrena el modelo como pide el enunciado.",
        f"{variable}.fit(...) was never called: train the model as the statement asks.",
    ))


class CallbackParams(Params):
    """A callback of class `class_name` with the given attributes.

    `source: fit` looks in the callbacks passed to `<variable>.fit`; `source: variable` reads the callback
    stored in the variable named `variable`. Numbers compare with a relative tolerance; `min_delta` is
    compared by absolute value (Keras 3 flips its sign during training).
    """

    source: Literal["fit", "variable"] = "fit"
    variable: str = "model"
    class_name: str
    attrs: dict[str, Scalar] = Field(default_factory=dict)
    rel_tol: float = Field(default=1e-3, gt=0, lt=1)


def _attr_problems(cb: CallbackFacts, attrs: dict[str, Scalar], rel_tol: float) -> list[Text]:
    problems: list[Text] = []
    for key, want in attrs.items():
        have = cb.attrs.get(key)
        if key == "min_delta" and isinstance(have, int | float) and isinstance(want, int | float):
            have, want = abs(have), abs(want)
        same = (close(float(have), float(want), rel_tol=rel_tol)
                if isinstance(have, int | float) and isinstance(want, int | float)
                and not isinstance(have, bool) and not isinstance(want, bool) else have == want)
        if not same:
            problems.append(t(f"{cb.class_name} tiene {key}={have!r}; se esperaba {want!r}",
                              f"{cb.class_name} has {key}={have!r}; expected {want!r}"))
    return problems


@check_kind("callback", CallbackParams)
def callback(params: CallbackParams, evidence: Evidence) -> Outcome:
    """The right callback, configured as asked (EarlyStopping patience, ModelCheckpoint save_best_only...)."""
    if params.source == "variable":
        facts = evidence.variables.get(params.variable)
        if facts is None or facts.kind != "callback":
            missing = facts is None or facts.kind == "missing"
            stopped = stopped_before_defining(evidence, params.variable) if missing else None
            if stopped is not None:
                return stopped
            return Outcome(False, t(
                f"`{params.variable}` no es un callback {params.class_name}: crea "
                f"{params.variable} = callbacks.{params.class_name}(...).",
                f"`{params.variable}` is not a {params.class_name} callback: create "
                f"{params.variable} = callbacks.{params.class_name}(...).",
            ))
        candidates = [facts]
    else:
        calls = _fit_calls(evidence, params.variable)
        written = [cb for cb in evidence.callbacks_made if cb.class_name == params.class_name]
        if not calls and written:  # graded as written; that fit was never called is the fit check's to judge
            return _judge_callbacks(params, written, t(
                f" (tu código no llamó a {params.variable}.fit: se calificó el callback tal como lo escribiste)",
                f" ({params.variable}.fit was never called: the callback was graded as you wrote it)"))
        if not calls:
            return _not_fitted(evidence, params.variable)
        candidates = [cb for call in calls for cb in call.callbacks]
    matching = [cb for cb in candidates if cb.class_name == params.class_name]
    if not matching:
        where_es = f"a {params.variable}.fit(callbacks=[...])" if params.source == "fit" else ""
        where_en = f"to {params.variable}.fit(callbacks=[...])" if params.source == "fit" else ""
        return Outcome(False, t(f"Falta el callback {params.class_name} {where_es}".strip() + ".",
                                f"The {params.class_name} callback is missing {where_en}".strip() + "."))
    return _judge_callbacks(params, matching, t("", ""))


def _judge_callbacks(params: CallbackParams, matching: list[CallbackFacts], said: Text) -> Outcome:
    """The closest of `matching` (callbacks of the asked class) against the asked attributes."""
    best = min((_attr_problems(cb, params.attrs, params.rel_tol) for cb in matching), key=len)
    if best:
        problems = join_problems(best)
        if not said.es:
            return Outcome(False, problems)
        es, en = said.es.strip()[1:-1], said.en.strip()[1:-1]  # the aside as a sentence of its own
        return Outcome(False, t(f"{problems.es} {es[0].upper()}{es[1:]}.", f"{problems.en} {en[0].upper()}{en[1:]}."))
    return Outcome(True, t(f"{params.class_name} configurado correctamente{said.es}.",
                           f"{params.class_name} configured correctly{said.en}."))


class FitParams(VariableParams):
    """How `<variable>.fit` must be called. Only the given expectations are checked."""

    validation: Literal["split", "data", "any"] | None = None
    validation_split: float | None = Field(default=None, gt=0, lt=1)
    batch_size: int | None = None
    min_epochs: int | None = None
    callbacks: list[str] = Field(default_factory=list)


def _fit_problems(call: FitCallFacts, params: FitParams) -> list[Text]:
    problems: list[Text] = []
    has_split = call.validation_split is not None and call.validation_split > 0
    if params.validation == "data" and not call.has_validation_data:
        problems.append(t("la llamada a model.fit no recibió validation_data=(X_valid, y_valid)",
                          "the call to model.fit did not get validation_data=(X_valid, y_valid)"))
    if params.validation == "split" and not has_split:
        problems.append(t("la llamada a model.fit no recibió validation_split",
                          "the call to model.fit did not get validation_split"))
    if params.validation == "any" and not (has_split or call.has_validation_data):
        problems.append(t("se llamó a model.fit sin datos de validación (validation_data o validation_split)",
                          "the call to model.fit had no validation data (validation_data or validation_split)"))
    if params.validation_split is not None and not close(call.validation_split, params.validation_split):
        problems.append(t(f"validation_split={call.validation_split}; se esperaba {params.validation_split}",
                          f"validation_split={call.validation_split}; expected {params.validation_split}"))
    if params.batch_size is not None and call.batch_size != params.batch_size:
        problems.append(t(f"batch_size={call.batch_size}; se esperaba {params.batch_size}",
                          f"batch_size={call.batch_size}; expected {params.batch_size}"))
    if params.min_epochs is not None and (call.epochs or 1) < params.min_epochs:
        problems.append(t(f"epochs={call.epochs}; se esperaban al menos {params.min_epochs}",
                          f"epochs={call.epochs}; expected at least {params.min_epochs}"))
    names = {cb.class_name for cb in call.callbacks}
    for wanted in params.callbacks:
        if wanted not in names:
            problems.append(t(f"la llamada a model.fit no recibió el callback {wanted}",
                              f"the call to model.fit did not get the {wanted} callback"))
    return problems


@check_kind("fit", FitParams)
def fit(params: FitParams, evidence: Evidence) -> Outcome:
    """`<variable>.fit` was called with the expected validation, batch size, epochs and callbacks.

    When fit was called several times, the call closest to the expectations is judged.
    """
    calls = _fit_calls(evidence, params.variable)
    if not calls:
        return _not_fitted(evidence, params.variable)
    best = min((_fit_problems(call, params) for call in calls), key=len)
    if best:
        return Outcome(False, join_problems(best))
    return Outcome(True, t("model.fit se llamó como se pedía.", "model.fit was called as asked."))


class TrainsParams(VariableParams):
    """Uses the spec's `training` section; no parameters of its own beyond the variable."""


@check_kind("trains", TrainsParams)
def trains(params: TrainsParams, evidence: Evidence) -> Outcome:
    """The trusted brief training of the rebuilt model beat the exercise's baseline."""
    model = require_model(evidence, params.variable)
    if isinstance(model, Outcome):
        return model
    outcome = evidence.training
    if outcome is None or outcome.variable != params.variable:
        return Outcome(False, t("El modelo no se pudo entrenar (no hay un modelo válido que entrenar).",
                                "The model could not be trained (there is no valid model to train)."))
    if outcome.error is not None:
        return Outcome(False, outcome.error)
    value = outcome.value if outcome.value is not None else float("nan")
    cmp_es = "mayor o igual a" if outcome.higher_is_better else "menor o igual a"
    cmp_en = "at least" if outcome.higher_is_better else "at most"
    got, base, need = (format_numbers(v) for v in (value, outcome.baseline, outcome.threshold))
    at_es, at_en = (f" en su mejor época (la {outcome.best_epoch})", f" at its best epoch ({outcome.best_epoch})") \
        if outcome.best_epoch else ("", "")
    detail_es = (f"tras {outcome.epochs} épocas, {outcome.metric} de validación = {got.es}{at_es} "
                 f"(línea base {base.es}; se pide {cmp_es} {need.es})")
    detail_en = (f"after {outcome.epochs} epochs, validation {outcome.metric} = {got.en}{at_en} "
                 f"(baseline {base.en}; required {cmp_en} {need.en})")
    said = _replaced(outcome.replaced)
    if outcome.passed:
        return Outcome(True, t(f"El modelo aprende: {detail_es}.{said.es}", f"The model learns: {detail_en}.{said.en}"))
    return Outcome(False, t(f"El modelo no aprende lo suficiente: {detail_es}.{said.es}",
                            f"The model does not learn enough: {detail_en}.{said.en}"))


_SETTING = {"optimizer": ("el optimizador", "optimizer"), "loss": ("la función de pérdida", "loss"),
            "input": ("la entrada de los datos del ejercicio", "input of the exercise's data")}


def _replaced(replaced: dict[str, tuple[str, str]]) -> Text:
    """The sentences saying what the training used in place of the student's choices, and why ('' if none)."""
    es, en = "", ""
    judged = [(k, old, new) for k, (old, new) in replaced.items() if k in _SETTING]
    if judged:
        es = " Se entrenó con lo que pide el enunciado (" + "; ".join(
            f"{_SETTING[k][0]} {new} en lugar de tu {old}" for k, old, new in judged) + \
            "): eso ya se juzga en su propia comprobación y no cuenta dos veces."
        en = " It was trained with what the statement asks (" + "; ".join(
            f"the {_SETTING[k][1]} {new} instead of your {old}" for k, old, new in judged) + \
            "): that is judged by its own check and does not count twice."
    if "labels" in replaced:
        units = replaced["labels"][1]
        es += (f" Las etiquetas del ejercicio se dieron en one-hot de {units} columnas, como espera tu capa de salida "
               f"de {units} neuronas.")
        en += f" The exercise's labels were given one-hot in {units} columns, as your {units}-unit output expects."
    if "layout" in replaced:
        data, model = replaced["layout"]
        es += f" Los datos del ejercicio {data} se dieron con la forma de tu entrada {model}: son los mismos valores."
        en += f" The exercise's data {data} was given in the shape of your input {model}: the same values."
    return t(es, en)
