"""Check kinds about `model.compile`: loss, optimizer (class and learning rate), metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from grader.core.checks.common import VariableParams, close, require_model, stopped_before
from grader.core.checks.registry import Outcome, check_kind
from grader.core.facts import CompileFacts, Evidence
from grader.core.i18n import format_numbers, t
from grader.core.normalize import canonical_loss, canonical_optimizer, metric_satisfies

if TYPE_CHECKING:  # the specs import the checks' registry
    from grader.core.specs.models import CheckSpec


def _compiled(evidence: Evidence, variable: str) -> CompileFacts | Outcome:
    model = require_model(evidence, variable)
    if isinstance(model, Outcome):
        return model
    if model.compile is None:
        stopped = stopped_before(evidence, t(f"llamar a {variable}.compile", f"calling {variable}.compile"))
        if stopped is not None:
            return stopped
        return Outcome(False, t(
            f"El modelo `{variable}` no está compilado: llama a {variable}.compile(optimizer=..., loss=...).",
            f"Model `{variable}` is not compiled: call {variable}.compile(optimizer=..., loss=...).",
        ))
    return model.compile


class LossParams(VariableParams):
    """Any of `expected` is right; names in any spelling Keras accepts ('mae', 'MeanAbsoluteError')."""

    expected: list[str] = Field(min_length=1)


@check_kind("loss", LossParams)
def loss(params: LossParams, evidence: Evidence) -> Outcome:
    """The compiled loss is one of the expected losses, whatever way it was written."""
    compiled = _compiled(evidence, params.variable)
    if isinstance(compiled, Outcome):
        return compiled
    wanted = [canonical_loss(name) for name in params.expected]
    shown = " o ".join(f"'{w}'" for w in wanted)
    shown_en = " or ".join(f"'{w}'" for w in wanted)
    if compiled.loss is None:
        return Outcome(False, t(f"El modelo se compiló sin función de pérdida; se esperaba {shown}.",
                                f"The model was compiled without a loss; expected {shown_en}."))
    if compiled.loss in wanted:
        return Outcome(True, t(f"Función de pérdida correcta: '{compiled.loss}'.",
                               f"Right loss: '{compiled.loss}'."))
    return Outcome(False, t(
        f"La función de pérdida es '{compiled.loss}'; se esperaba {shown}.",
        f"The loss is '{compiled.loss}'; expected {shown_en}.",
    ))


class OptimizerParams(VariableParams):
    """Optimizer class ('adam' or 'Adam'), and optionally its learning rate (relative tolerance)."""

    expected: str
    learning_rate: float | None = Field(default=None, gt=0)
    rel_tol: float = Field(default=1e-3, gt=0, lt=1)


@check_kind("optimizer", OptimizerParams)
def optimizer(params: OptimizerParams, evidence: Evidence) -> Outcome:
    """The optimizer's class matches, and its learning rate within tolerance when one is expected."""
    compiled = _compiled(evidence, params.variable)
    if isinstance(compiled, Outcome):
        return compiled
    want = canonical_optimizer(params.expected)
    if compiled.optimizer != want:
        return Outcome(False, t(f"El optimizador es {compiled.optimizer}; se esperaba {want}.",
                                f"The optimizer is {compiled.optimizer}; expected {want}."))
    if params.learning_rate is not None and not close(compiled.learning_rate, params.learning_rate,
                                                      rel_tol=params.rel_tol):
        rate = None if compiled.learning_rate is None else format_numbers(compiled.learning_rate, significant=6)
        wanted = format_numbers(params.learning_rate, significant=6)
        return Outcome(False, t(
            f"El learning rate de {want} es {rate.es if rate else 'un schedule'}; se esperaba {wanted.es}.",
            f"The learning rate of {want} is {rate.en if rate else 'a schedule'}; expected {wanted.en}.",
        ))
    return Outcome(True, t(f"Optimizador correcto: {want}.", f"Right optimizer: {want}."))


def judged_settings(checks: list[CheckSpec], variable: str) -> dict[str, list[str]]:
    """The compile settings of `variable` that a loss or optimizer check judges -> the canonical names it
    accepts. The brief training uses the statement's choice in place of a wrong one, so that a mistake costs
    its own check only (grader/engine/evaluator/process.py)."""
    judged: dict[str, list[str]] = {}
    for check in checks:
        if check.type == "loss" and check.params.get("variable", "model") == variable:
            judged["loss"] = [canonical_loss(name) for name in check.params.get("expected", [])]
        elif check.type == "optimizer" and check.params.get("variable", "model") == variable:
            judged["optimizer"] = [canonical_optimizer(str(check.params.get("expected", "")))]
    return {setting: names for setting, names in judged.items() if names}


class MetricsParams(VariableParams):
    """Metrics that must be among the compiled ones ('accuracy' accepts its binary/categorical forms)."""

    include: list[str] = Field(min_length=1)


@check_kind("metrics", MetricsParams)
def metrics(params: MetricsParams, evidence: Evidence) -> Outcome:
    """Every metric in `include` was passed to compile."""
    compiled = _compiled(evidence, params.variable)
    if isinstance(compiled, Outcome):
        return compiled
    missing = [m for m in params.include if not any(metric_satisfies(a, m) for a in compiled.metrics)]
    have = ", ".join(compiled.metrics) or "ninguna"
    have_en = ", ".join(compiled.metrics) or "none"
    if missing:
        return Outcome(False, t(
            f"Faltan métricas en compile: {', '.join(missing)} (el modelo tiene: {have}).",
            f"Metrics missing from compile: {', '.join(missing)} (the model has: {have_en}).",
        ))
    return Outcome(True, t(f"Métricas correctas: {have}.", f"Right metrics: {have_en}."))
