"""The student's network drawn as the lessons draw it: the input, then each layer as a row of neurons.

Vertical (it reads on a phone), one row per layer with its class, units, activation, output shape and
parameter count; Dropout drawn dashed, BatchNormalization as a band; a wide layer shows a few neurons and an
ellipsis. When the caller passes the expected layers (the `layers` check failed and feedback may show them),
they are drawn beside the student's, and the rows that differ are marked in both.
"""

from __future__ import annotations

from grader.core.checks.common import fmt_int, fmt_shape
from grader.core.checks.model import LayerExpect, LayersParams
from grader.core.i18n import Lang, t
from grader.core.normalize import canonical_activation
from grader.core.specs.models import ExerciseSpec
from grader.core.summaries import LayerSummary, ModelSummary
from grader.course.figures.svg import ACCENT, MUTED, SOFT, WARN, document, esc, line, text

COLUMN = 260  # one column (the student's model, or the expected one): two still read on a phone
ROW = 78  # height of one layer's row
TOP = 64  # room for the column's heading and the input
MAX_CIRCLES = 6  # more neurons than this are drawn as a few and an ellipsis


def expected_layers(spec: ExerciseSpec) -> list[LayerExpect] | None:
    """The layers the spec's `layers` check expects (its `params.expected`), or None without such a check."""
    for check in spec.checks:
        if check.type == "layers":
            return list(LayersParams.model_validate(check.params).expected)
    return None


def _shape(shape: list[int | None] | None) -> str:
    """A shape with its batch dimension, as Keras prints it; "?" for a model that was never built."""
    return fmt_shape([None, *shape]) if shape is not None else "?"


def _differs(layer: LayerSummary | None, expect: LayerExpect | None) -> bool:
    """Whether a drawn layer and the expected one at the same position differ in what the check compares."""
    if layer is None or expect is None:
        return True
    if expect.class_name and layer.class_name != expect.class_name:
        return True
    if expect.units is not None and layer.units != expect.units:
        return True
    if expect.activation is not None and \
            canonical_activation(layer.activation) != canonical_activation(expect.activation):
        return True
    return expect.rate is not None and (layer.rate is None or abs(layer.rate - expect.rate) > 1e-6)


def _neurons(cx: float, y: float, count: int | None) -> list[str]:
    """A few circles for the layer's neurons, with an ellipsis when there are more than fit."""
    n = count or 1
    shown = min(n, MAX_CIRCLES)
    gap = 22
    xs = [cx - gap * (shown - 1) / 2 + gap * i for i in range(shown)]
    out = [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{SOFT}" stroke="{ACCENT}"/>' for x in xs]
    if n > MAX_CIRCLES:
        out[-2] = text(xs[-2], y + 4, "…", size=14, color=ACCENT)  # the ellipsis stands for the hidden neurons
    return out


def _layer_row(x: float, y: float, layer: LayerSummary, lang: Lang, marked: bool) -> list[str]:
    """One layer: its neurons (or its band), its description and its figures."""
    cx = x + COLUMN / 2
    border = WARN if marked else MUTED
    dash = "5 3" if layer.class_name == "Dropout" else ""
    fill = "#fff4e6" if layer.class_name == "BatchNormalization" else "#ffffff"
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    # The student's name for the layer is a tooltip (and read aloud), not more text in a narrow row.
    out = [f'<g class="layer-row"><title>{esc(layer.name)}</title>',
           f'<rect x="{x + 8:.1f}" y="{y:.1f}" width="{COLUMN - 16}" height="{ROW - 12}" rx="8" fill="{fill}" '
           f'stroke="{border}" stroke-width="{2 if marked else 1}"{dashed}/>']
    if layer.units is not None:
        out += _neurons(cx, y + 14, layer.units)
    parts = [layer.class_name]
    if layer.units is not None:
        parts.append(t(f"{layer.units} neurona" + ("" if layer.units == 1 else "s"),
                       f"{layer.units} unit" + ("" if layer.units == 1 else "s")).get(lang))
    if layer.activation is not None and layer.units is not None:
        parts.append(layer.activation)
    if layer.rate is not None:
        parts.append(t(f"apaga el {layer.rate * 100:g} %", f"drops {layer.rate * 100:g}%").get(lang))
    if layer.class_name == "BatchNormalization":
        parts.append(t("normaliza", "normalises").get(lang))
    if not layer.trainable:
        parts.append(t("congelada", "frozen").get(lang))
    top = y + (34 if layer.units is not None else 24)
    out.append(text(cx, top, " · ".join(parts), size=12, weight="bold", css="layer"))
    figures = t(f"salida {_shape(layer.output_shape)} · {fmt_int(layer.params, 'es')} parámetros",
                f"output {_shape(layer.output_shape)} · {fmt_int(layer.params, 'en')} parameters").get(lang)
    out.append(text(cx, top + 16, figures, size=11, color=MUTED, css="figures"))
    if marked:
        out.append(text(x + COLUMN - 14, y + 14, "≠", size=14, color=WARN, anchor="end", css="differs"))
    return [*out, "</g>"]


def _expect_row(x: float, y: float, expect: LayerExpect | None, lang: Lang, marked: bool) -> list[str]:
    """One expected layer (only what the check asks for), marked when the student's differs."""
    cx = x + COLUMN / 2
    border = WARN if marked else MUTED
    out = [f'<rect x="{x + 8:.1f}" y="{y:.1f}" width="{COLUMN - 16}" height="{ROW - 12}" rx="8" fill="#f8f9fa" '
           f'stroke="{border}" stroke-width="{2 if marked else 1}"/>']
    if expect is None:
        out.append(text(cx, y + 36, t("(ninguna capa)", "(no layer)").get(lang), color=MUTED))
        return out
    if expect.units is not None:
        out += _neurons(cx, y + 14, expect.units)
    out.append(text(cx, y + (40 if expect.units is not None else 36), expect.describe(), size=12, weight="bold",
                    css="expected"))
    return out


def _words(summary: ModelSummary, lang: Lang) -> str:
    """The network in one sentence for the <desc>: what a screen reader says instead of the picture."""
    layers = ", ".join(
        f"{layer.class_name}" + (f" {layer.units}" if layer.units is not None else "")
        + (f" {layer.activation}" if layer.activation and layer.units is not None else "") for layer in summary.layers)
    total = fmt_int(summary.params, lang) if summary.params is not None else "?"
    shape = _shape(summary.input_shape)
    return t(f"Entrada {shape}; {len(summary.layers)} capas: {layers}. Total: {total} parámetros.",
             f"Input {shape}; {len(summary.layers)} layers: {layers}. Total: {total} parameters.").get(lang)


def network_svg(summary: ModelSummary, *, lang: Lang = "es", expected: list[LayerExpect] | None = None,
                differences: bool = True) -> str:
    """The SVG of `summary`. Pass `expected` (see `expected_layers`) only when the layers check failed and the
    feedback policy lets answers show: that architecture is drawn beside, and with `differences` the rows where
    they differ (class, units, activation, rate; a missing or extra layer) are marked in red in both."""
    rows = max(len(summary.layers), len(expected or []))
    columns = 2 if expected is not None else 1
    width, height = COLUMN * columns, TOP + ROW * rows + 16
    body: list[str] = [text(COLUMN / 2, 18, t(f"Modelo «{summary.variable}»", f"Model “{summary.variable}”")
                            .get(lang), size=14, weight="bold")]
    body.append(text(COLUMN / 2, 44, t("Entrada ", "Input ").get(lang) + _shape(summary.input_shape), size=12,
                     css="input"))
    if expected is not None:
        body.append(text(COLUMN * 1.5, 18, t("Lo esperado", "Expected").get(lang), size=14, weight="bold"))
    for i in range(rows):
        y = TOP + ROW * i
        layer = summary.layers[i] if i < len(summary.layers) else None
        expect = expected[i] if expected is not None and i < len(expected) else None
        marked = expected is not None and differences and _differs(layer, expect)
        if i and layer is not None:
            body.append(line(COLUMN / 2, y - 12, COLUMN / 2, y, color=MUTED))
        if layer is not None:
            body += _layer_row(0, y, layer, lang, marked)
        if expected is not None:
            body += _expect_row(COLUMN, y, expect, lang, marked)
    title = t(f"Red neuronal «{summary.variable}»", f"Neural network “{summary.variable}”").get(lang)
    desc = _words(summary, lang)
    if expected is not None:
        wanted = ", ".join(e.describe() for e in expected)
        desc += t(f" Se esperaba: {wanted}.", f" Expected: {wanted}.").get(lang)
    return document(width=width, height=height, title=title, desc=desc, body=body, css="network")

