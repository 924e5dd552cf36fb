"""The drawings of one grading, chosen and rendered for one reader: what the pages, the API and the CLI show.

Each graded model is drawn; its parameter arithmetic is shown when the exercise counts parameters; the
expected architecture is drawn beside it only when the layers check failed and the reader may see model
answers (the release policy decides, the caller says); the trusted training gives the curves and their
diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.core.i18n import Lang, Text
from grader.core.results import GradeResult
from grader.core.specs.models import ExerciseSpec
from grader.course.figures.curves import curves_svg
from grader.course.figures.diagnosis import diagnose
from grader.course.figures.network import expected_layers, network_svg
from grader.course.figures.params import ParamLine, param_lines, param_total_text


@dataclass(frozen=True)
class NetworkFigure:
    """One model drawn, with its per-layer arithmetic (empty when the exercise does not count parameters)."""

    variable: str
    svg: str
    lines: tuple[ParamLine, ...]
    total: str


@dataclass(frozen=True)
class FeedbackFigures:
    """Everything drawn for one grading; empty when there was nothing to draw (no model, no training)."""

    networks: tuple[NetworkFigure, ...] = ()
    curves: str | None = None
    diagnosis: Text | None = None

    @property
    def empty(self) -> bool:
        """True when there is nothing to show."""
        return not self.networks and self.curves is None


def _layers_check_failed(spec: ExerciseSpec, result: GradeResult, variable: str) -> bool:
    """True when a layers check on `variable` exists in the spec and did not pass."""
    failed = {check.id for check in result.checks if not check.passed}
    return any(check.type == "layers" and check.id in failed and check.params.get("variable", "model") == variable
               for check in spec.checks)


def feedback_figures(result: GradeResult, spec: ExerciseSpec | None, *, lang: Lang,
                     show_answers: bool) -> FeedbackFigures:
    """The drawings of `result` in `lang`; `show_answers` lets the expected architecture be drawn."""
    counts = spec is not None and any(check.type == "param_count" for check in spec.checks)
    expected = expected_layers(spec) if spec is not None and show_answers else None
    networks = []
    for summary in result.models:
        beside = expected if expected is not None and spec is not None and _layers_check_failed(
            spec, result, summary.variable) else None
        lines = param_lines(summary=summary) if counts and summary.layers else []
        total = param_total_text(summary=summary, lines=lines, lang=lang) if lines else ""
        networks.append(NetworkFigure(variable=summary.variable, svg=network_svg(summary, lang=lang, expected=beside),
                                      lines=tuple(lines), total=total))
    curve = result.training
    if curve is None or not curve.epochs:
        return FeedbackFigures(networks=tuple(networks))
    return FeedbackFigures(networks=tuple(networks), curves=curves_svg(curve, lang=lang),
                           diagnosis=diagnose(curve).text)
