"""The drawings of a grading (grader/course/figures): every reference model drawn with its true parameter
counts, and the curves' diagnosis and EarlyStopping simulation against cases worked out by hand."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from grader.core.checks.model import LayerExpect
from grader.core.facts import ModelFacts
from grader.core.sources import load_source
from grader.core.specs import load_catalog
from grader.core.summaries import (
    EarlyStoppingSettings,
    EpochPoint,
    LayerSummary,
    ModelSummary,
    TrainingCurve,
)
from grader.course.figures import curves_svg, early_stop, expected_layers, network_svg, param_lines
from grader.course.figures.diagnosis import diagnose
from grader.course.figures.params import layer_label, param_total_text

SVG = "{http://www.w3.org/2000/svg}"
CATALOG = load_catalog()
MODEL_EXERCISES = sorted(spec.id for spec in CATALOG.specs.values() if spec.grade)


def texts(svg: str) -> list[str]:
    """Every <text> label of an SVG, after parsing it as XML (a malformed SVG fails here)."""
    return [el.text or "" for el in ET.fromstring(svg).iter(f"{SVG}text")]


def labelled(svg: str, css: str) -> list[str]:
    """The <text> labels of one class (layer, figures, stop...), in document order."""
    return [el.text or "" for el in ET.fromstring(svg).iter(f"{SVG}text") if el.get("class") == css]


def assert_accessible(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("viewBox")
    assert (root.find(f"{SVG}title").text or "").strip()  # type: ignore[union-attr]
    assert (root.find(f"{SVG}desc").text or "").strip()  # type: ignore[union-attr]
    assert not list(root.iter(f"{SVG}script")) and "<script" not in svg
    return root


# --- Every reference solution's model, run in the course environment and drawn ------------------------------

def reference_models(grader: Any, exercise: str) -> dict[str, dict[str, Any]]:
    """Run the exercise's reference solution through the sandbox harness (the course environment: its data,
    notebooks, the capped fit) and return the raw reports of its model variables."""
    from grader.engine.datasets import load_dataset
    from grader.engine.pipeline import run_student
    from grader.engine.sandbox.job import Job, RunLimits

    spec = CATALOG.get(exercise)
    path = CATALOG.solutions_dir / spec.reference.solution
    source = load_source(filename=path.name, data=path.read_bytes())
    arrays = dict(load_dataset(spec.starter.data).arrays) if spec.starter.data else {}
    limits = RunLimits(timeout_s=spec.limits.timeout_s, cpu_s=spec.limits.cpu_s, memory_mb=spec.limits.memory_mb,
                       max_output_bytes=spec.limits.max_output_kb * 1024)
    job = Job(code=source.code, starter_code=spec.starter.code, grade=list(spec.grade), data=arrays, limits=limits,
              cells=source.cell_spans())
    run = run_student(job=job, isolation=grader.isolation, warm=grader.warm)
    assert run.ok and run.payload is not None, run.error
    assert run.payload["student_error"] is None, run.payload["student_error"]
    return {name: raw for name, raw in run.payload["variables"].items() if raw.get("kind") == "model"}


@pytest.mark.parametrize("exercise", MODEL_EXERCISES)
def test_every_reference_model_is_drawn_with_the_parameters_keras_counts(grader_nodb: Any, exercise: str) -> None:
    from grader.engine.evaluator.inspect import variable_facts

    models = reference_models(grader_nodb, exercise)
    assert models, f"{exercise}: its reference solution made no model"
    for name, raw in models.items():
        facts = variable_facts(raw)
        assert isinstance(facts, ModelFacts), facts
        # The trusted inspector rebuilds the model from its config: its `params` is that model's count_params().
        count = facts.params
        assert count is not None and count > 0
        summary = facts.summary(name)
        for lang in ("es", "en"):
            svg = network_svg(summary, lang=lang)
            assert_accessible(svg)
            labels, figures = labelled(svg, "layer"), labelled(svg, "figures")
            assert len(labels) == len(figures) == len(summary.layers)
            for layer, label in zip(summary.layers, labels, strict=True):
                parts = label.split(" · ")
                assert parts[0] == layer.class_name
                if layer.units is not None:
                    plural = "" if layer.units == 1 else "s"
                    assert parts[1] == (f"{layer.units} neurona{plural}" if lang == "es"
                                        else f"{layer.units} unit{plural}")
                    assert parts[2] == layer.activation
            # "salida (None, 16) · 272 parámetros": the count after the dot, thousands grouped per language
            shown = [int(f.split(" · ")[1].split()[0].replace(".", "").replace(",", "")) for f in figures]
            assert shown == [layer.params for layer in summary.layers]
            assert sum(shown) == count
        lines = param_lines(summary=summary)
        assert [line.params for line in lines] == [layer.params for layer in summary.layers]
        assert sum(line.params for line in lines) == count == summary.params
        for line, layer in zip(lines, summary.layers, strict=True):
            if line.formula is not None:  # an explained count is arithmetic that really gives it
                assert line.formula.endswith(f"= {layer.params}") or line.formula == "0"
        assert param_total_text(summary=summary, lines=lines, lang="en").endswith(f"= {count:,} parameters")


def test_every_exercise_that_checks_the_layers_gives_its_expected_architecture() -> None:
    spec = CATALOG.get("dropout-batchnorm")
    expected = expected_layers(spec)
    assert expected is not None
    assert [e.describe() for e in expected] == ["Dense(128, relu)", "Dropout(0.3)", "BatchNormalization",
                                                "Dense(128, relu)", "Dropout(0.3)", "BatchNormalization",
                                                "Dense(1, linear)"]
    assert expected_layers(CATALOG.get("quiz-metrics")) is None


# --- Parameter arithmetic on hand-made summaries ----------------------------------------------------------

def dense(units: int, inputs: int, *, bias: bool = True, activation: str = "relu", name: str = "d") -> LayerSummary:
    return LayerSummary(class_name="Dense", name=name, units=units, activation=activation, output_shape=[units],
                        params=inputs * units + (units if bias else 0))


def test_the_arithmetic_explains_each_layer_as_the_lessons_write_it() -> None:
    layers = [LayerSummary(class_name="Flatten", name="f", output_shape=[25]), dense(16, 25),
              LayerSummary(class_name="Dropout", name="drop", rate=0.3, output_shape=[16]),
              LayerSummary(class_name="BatchNormalization", name="bn", output_shape=[16], params=64),
              dense(1, 16, bias=False, activation="sigmoid"),
              LayerSummary(class_name="Conv2D", name="c", output_shape=[3, 3, 8], params=3 * 3 * 1 * 8 + 8),
              LayerSummary(class_name="MysteryLayer", name="m", output_shape=[8], params=1234)]
    summary = ModelSummary(variable="model", class_name="Sequential", input_shape=[5, 5],
                           params=sum(layer.params for layer in layers), layers=layers)
    lines = param_lines(summary=summary)
    assert [line.text.es for line in lines] == [
        "Flatten(25): sin parámetros (0)",
        "Dense(16) después de Flatten(25): 25×16 + 16 = 416",
        "Dropout(0.3): sin parámetros (0)",
        "BatchNormalization(16) después de Dropout(0.3): 4×16 = 64 (32 no entrenables: media y varianza móviles)",
        "Dense(1) después de BatchNormalization(16): 16×1 = 16",
        "Conv2D(8) después de Dense(1): 3×3×1×8 + 8 = 80",
        "MysteryLayer(8): 1.234 (según Keras)",
    ]
    assert lines[1].text.en == "Dense(16) after Flatten(25): 25×16 + 16 = 416"
    assert lines[3].non_trainable == 32 and lines[-1].formula is None
    assert sum(line.params for line in lines) == summary.params == 1810
    assert param_total_text(summary=summary, lines=lines, lang="es") == \
        "Total: 416 + 64 + 16 + 80 + 1.234 = 1.810 parámetros"
    wrong = summary.model_copy(update={"params": 9999})
    assert "Keras cuenta 9.999" in param_total_text(summary=wrong, lines=lines, lang="es")


def test_a_count_the_arithmetic_does_not_give_is_shown_without_a_formula() -> None:
    odd = LayerSummary(class_name="Dense", name="d", units=4, activation="relu", output_shape=[4], params=99)
    summary = ModelSummary(variable="m", class_name="Sequential", input_shape=[3], params=99, layers=[odd])
    (line,) = param_lines(summary=summary)
    assert line.formula is None and line.params == 99
    assert line.text.en == "Dense(4): 99 (as Keras counts them)"
    assert layer_label(odd) == "Dense(4)"


# --- The network drawing ----------------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script>'


def test_the_network_escapes_what_students_name_and_summarises_itself_in_words() -> None:
    summary = ModelSummary(variable=HOSTILE, class_name="Sequential", input_shape=[3], params=16 + 5,
                           layers=[dense(4, 3, name=HOSTILE), dense(1, 4, activation="sigmoid", name="out&")])
    for lang in ("es", "en"):
        svg = network_svg(summary, lang=lang)
        root = assert_accessible(svg)
        assert any(HOSTILE in (el.text or "") for el in root.iter(f"{SVG}title"))  # drawn as characters
        assert "&lt;script&gt;" in svg
        desc = root.find(f"{SVG}desc").text  # type: ignore[union-attr]
        assert desc is not None and "Dense 4 relu, Dense 1 sigmoid" in desc
        assert ("21 parámetros" if lang == "es" else "21 parameters") in desc
    unbuilt = ModelSummary(variable="model", class_name="Sequential", layers=[LayerSummary(class_name="Dense",
                                                                                           name="d", units=4)])
    assert labelled(network_svg(unbuilt, lang="es"), "input") == ["Entrada ?"]


def test_a_wide_layer_is_a_few_neurons_and_an_ellipsis_and_dropout_and_batchnorm_are_marked() -> None:
    layers = [dense(2048, 10), LayerSummary(class_name="Dropout", name="dr", rate=0.2, output_shape=[2048]),
              LayerSummary(class_name="BatchNormalization", name="bn", output_shape=[2048], params=8192)]
    summary = ModelSummary(variable="model", class_name="Sequential", input_shape=[10],
                           params=sum(layer.params for layer in layers), layers=layers)
    svg = network_svg(summary, lang="es")
    root = assert_accessible(svg)
    assert len(list(root.iter(f"{SVG}circle"))) < 10 and "…" in texts(svg)
    assert labelled(svg, "layer") == ["Dense · 2048 neuronas · relu", "Dropout · apaga el 20 %",
                                      "BatchNormalization · normaliza"]
    rects = [el for el in root.iter(f"{SVG}rect")]
    assert rects[1].get("stroke-dasharray") and not rects[0].get("stroke-dasharray")
    assert rects[2].get("fill") != rects[0].get("fill")


def test_the_expected_architecture_is_drawn_beside_with_the_differing_layers_marked() -> None:
    summary = ModelSummary(variable="model", class_name="Sequential", input_shape=[5], params=48 + 9,
                           layers=[dense(8, 5), dense(1, 8, activation="sigmoid")])
    expected = [LayerExpect.model_validate({"class": "Dense", "units": 16, "activation": "relu"}),
                LayerExpect.model_validate({"class": "Dense", "units": 1, "activation": "sigmoid"})]
    svg = network_svg(summary, lang="en", expected=expected)
    assert_accessible(svg)
    assert labelled(svg, "expected") == ["Dense(16, relu)", "Dense(1, sigmoid)"]
    assert len(labelled(svg, "differs")) == 1  # only the first layer differs
    assert "Expected: Dense(16, relu), Dense(1, sigmoid)." in svg
    assert not labelled(network_svg(summary, lang="en", expected=expected, differences=False), "differs")
    assert not labelled(network_svg(summary, lang="en"), "expected")


# --- Curves, diagnosis and the EarlyStopping simulation (cases worked out by hand) -------------------------

def curve(val_loss: list[float], *, loss: list[float] | None = None, val_metric: list[float] | None = None,
          metric: str = "accuracy", higher: bool = True, baseline: float = 0.5, threshold: float = 0.7,
          stopping: EarlyStoppingSettings | None = None) -> TrainingCurve:
    """A curve from its series (the training loss falls steadily unless given)."""
    n = len(val_loss)
    loss = loss or [1.0 - 0.1 * i for i in range(n)]
    val_metric = val_metric or [0.9] * n
    return TrainingCurve(metric=metric, higher_is_better=higher, baseline=baseline, threshold=threshold,
                         early_stopping=stopping,
                         epochs=[EpochPoint(epoch=i + 1, loss=loss[i], val_loss=val_loss[i], metric=val_metric[i],
                                            val_metric=val_metric[i]) for i in range(n)])


def test_overfitting_is_found_from_the_epoch_after_the_validation_minimum() -> None:
    found = diagnose(curve([1.0, 0.8, 0.6, 0.5, 0.55, 0.6, 0.7]))
    assert found.learns and found.overfitting_from == 5 and not found.underfitting
    assert "Sobreajuste desde la época 5" in found.text.es and "Overfitting from epoch 5" in found.text.en
    # A rise within the noise (1 %) or over one epoch only is not overfitting.
    assert diagnose(curve([1.0, 0.8, 0.6, 0.5, 0.503, 0.505])).overfitting_from is None
    assert diagnose(curve([1.0, 0.8, 0.6, 0.5, 0.5, 0.9])).overfitting_from is None
    # Both losses rising is a diverging training, not overfitting.
    assert diagnose(curve([1.0, 0.5, 0.6, 0.7], loss=[1.0, 0.5, 0.6, 0.7])).overfitting_from is None


def test_underfitting_and_not_learning() -> None:
    under = diagnose(curve([1.0, 0.9, 0.85, 0.83], val_metric=[0.5, 0.52, 0.55, 0.58]))
    assert under.learns and under.underfitting and not under.passes and under.overfitting_from is None
    assert "Subajuste" in under.text.es and "Underfitting" in under.text.en
    flat = diagnose(curve([0.69] * 4, loss=[0.69, 0.69, 0.688, 0.689], val_metric=[0.5] * 4))
    assert not flat.learns and "la pérdida de entrenamiento no baja" in flat.text.es
    stuck = diagnose(curve([1.0, 0.9, 0.8], val_metric=[0.45, 0.47, 0.49]))
    assert not stuck.learns and not stuck.beats_baseline and "does not beat the baseline (0.5)" in stuck.text.en
    # mae: lower is better; 0.4 beats a baseline of 0.6 and reaches a threshold of 0.45.
    good = diagnose(curve([1.0, 0.9, 0.8], val_metric=[0.7, 0.5, 0.4], metric="mae", higher=False, baseline=0.6,
                          threshold=0.45))
    assert good.learns and good.passes and not good.underfitting and "mejora la línea base (0,6)" in good.text.es


def stop_on(val_loss: list[float], **settings: Any) -> Any:
    return early_stop(curve(val_loss, stopping=EarlyStoppingSettings(**settings)))


def test_early_stopping_follows_keras_patience_and_restore_best_weights() -> None:
    series = [1.0, 0.9, 0.85, 0.86, 0.87, 0.84, 0.9, 0.95]
    # best at 3; epochs 4 and 5 do not improve: the wait reaches patience=2 at epoch 5.
    plain = stop_on(series, patience=2)
    assert (plain.stop_epoch, plain.best_epoch, plain.kept_epoch, plain.restored) == (5, 3, 5, False)
    restoring = stop_on(series, patience=2, restore_best_weights=True)
    assert (restoring.stop_epoch, restoring.kept_epoch, restoring.restored) == (5, 3, True)
    # patience=3: epoch 6 (0.84) improves, then 7, 8 do not: no stop within 8 epochs; the model keeps epoch 8.
    late = stop_on(series, patience=3, restore_best_weights=False)
    assert (late.stop_epoch, late.best_epoch, late.kept_epoch) == (None, 6, 8)
    assert stop_on([1.0, 1.1], patience=0).stop_epoch == 2  # patience 0: the first epoch without improvement
    text = diagnose(curve(series, stopping=EarlyStoppingSettings(patience=2))).text
    assert "se detendría tras la época 5" in text.es and "not those of the best one (3)" in text.en


def test_early_stopping_min_delta_mode_and_start_from_epoch() -> None:
    # Improvements of 0.01 are not more than min_delta=0.02: no improvement at epoch 2, stop there.
    assert stop_on([1.0, 0.99, 0.97, 0.90], patience=1, min_delta=0.02).stop_epoch == 2
    assert stop_on([1.0, 0.99, 0.97, 0.90], patience=1).stop_epoch is None
    # val_accuracy is maximised under mode='auto': a flat one stops at the first epoch without improvement,
    # and 0.6 does not beat 0.6: stop at epoch 3 keeping epoch 2.
    flat = stop_on([1.0] * 4, monitor="val_accuracy", patience=1, restore_best_weights=True)  # val 0.9 flat
    assert (flat.stop_epoch, flat.best_epoch, flat.kept_epoch, flat.restored) == (2, 1, 1, True)
    rising = early_stop(curve([1.0] * 4, val_metric=[0.5, 0.6, 0.6, 0.7], stopping=EarlyStoppingSettings(
        monitor="val_accuracy", patience=1, restore_best_weights=True)))
    assert rising is not None and (rising.mode, rising.stop_epoch, rising.kept_epoch) == ("max", 3, 2)
    forced_min = early_stop(curve([1.0] * 3, val_metric=[0.5, 0.6, 0.7], stopping=EarlyStoppingSettings(
        monitor="val_accuracy", mode="min", patience=1)))
    assert forced_min is not None and forced_min.stop_epoch == 2
    # start_from_epoch=2 ignores epochs 1 and 2: best 3.0 at epoch 3, 2.9 at 4, then a stop at 5.
    warm = stop_on([1.0, 2.0, 3.0, 2.9, 2.95], patience=1, start_from_epoch=2)
    assert (warm.stop_epoch, warm.best_epoch) == (5, 4)
    assert stop_on([1.0, 0.9], monitor="val_auc") is None
    # mae written out in full is the exercise's metric, minimised: 0.4 then 0.41 stops at epoch 2.
    mae = early_stop(curve([1.0] * 3, val_metric=[0.4, 0.41, 0.3], metric="mae", higher=False, stopping=(
        EarlyStoppingSettings(monitor="val_mean_absolute_error"))))
    assert mae is not None and (mae.series, mae.mode, mae.stop_epoch) == ("val_metric", "min", 2)
    assert early_stop(curve([1.0, 0.9])) is None


def test_the_curves_are_drawn_with_baseline_threshold_and_the_stop() -> None:
    series = [1.0, 0.9, 0.85, 0.86, 0.87, 0.84, 0.9, 0.95]
    drawn = curve(series, stopping=EarlyStoppingSettings(patience=2, restore_best_weights=True))
    for lang in ("es", "en"):
        svg = curves_svg(drawn, lang=lang)
        root = assert_accessible(svg)
        assert len(list(root.iter(f"{SVG}polyline"))) == 4
        assert labelled(svg, "level") == (["línea base 0,5", "umbral para aprobar 0,7"] if lang == "es"
                                          else ["baseline 0.5", "pass threshold 0.7"])
        assert labelled(svg, "stop") == [("EarlyStopping: época 5" if lang == "es" else "EarlyStopping: epoch 5")]
        assert labelled(svg, "restored") == [("se restauran los pesos de la época 3" if lang == "es"
                                              else "weights of epoch 3 restored")]
    assert not labelled(curves_svg(curve(series), lang="es"), "stop")


def test_the_curves_key_names_only_the_lines_drawn_and_accuracy_stays_within_one() -> None:
    """The grader's training records no training accuracy: the metric chart's key does not list it; an
    accuracy near 1 gets an axis that ends at 1, not 1,03."""
    drawn = curve([0.6, 0.5, 0.4], val_metric=[0.9, 0.97, 1.0])
    drawn = drawn.model_copy(update={"epochs": [p.model_copy(update={"metric": None}) for p in drawn.epochs]})
    svg = curves_svg(drawn, lang="es")
    assert len(list(assert_accessible(svg).iter(f"{SVG}polyline"))) == 3  # two losses, one accuracy
    assert labelled(svg, "legend") == ["- - validación", "— entrenamiento", "- - validación"]  # loss key, metric key
    # the value labels at the left of the axes: loss top and bottom, then accuracy top (1, not 1,04) and bottom
    ends = [el.text for el in ET.fromstring(svg).iter(f"{SVG}text") if el.get("text-anchor") == "end"
            and float(el.get("x", 0)) < 50]
    assert ends[2] == "1" and all(float((v or "0").replace(",", ".")) <= 1 for v in ends[2:])
