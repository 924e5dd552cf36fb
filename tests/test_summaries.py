"""What a graded result keeps for the feedback's drawings: the student's models layer by layer, the trusted
training's curves epoch by epoch and the student's EarlyStopping settings (grader issue #19)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from grader.core.facts import CallbackFacts, Evidence, FitCallFacts
from grader.core.results import GradeResult
from grader.core.scoring import early_stopping
from grader.engine.grader import Grader

EXERCISES = Path(__file__).resolve().parents[1] / "exercises"


def grade_sample(grader: Grader, exercise: str, name: str) -> GradeResult:
    path = EXERCISES / "samples" / exercise / name
    return grader.grade_bytes(spec=grader.catalog.get(exercise), filename=path.name, data=path.read_bytes(),
                              student="s")


def test_the_fit_call_s_early_stopping_is_kept_with_keras_defaults_for_what_is_missing() -> None:
    stored = CallbackFacts(class_name="EarlyStopping", attrs={"patience": 3})
    fitted = CallbackFacts(class_name="EarlyStopping", attrs={
        "patience": 7, "min_delta": -0.01, "restore_best_weights": True, "monitor": "val_mae", "mode": "min"})
    other = CallbackFacts(class_name="ModelCheckpoint", attrs={"monitor": "loss"})
    calls = [FitCallFacts(model_variable="model", callbacks=[other, fitted]),
             FitCallFacts(model_variable="other", callbacks=[stored])]
    settings = early_stopping(Evidence(variables={"es": stored}, fit_calls=calls), "model")
    assert settings is not None
    assert (settings.patience, settings.min_delta, settings.monitor, settings.mode) == (7, 0.01, "val_mae", "min")
    assert settings.restore_best_weights and settings.start_from_epoch == 0
    # Not passed to this model's fit: the stored variable decides; a bool is not taken for a patience.
    alone = early_stopping(Evidence(variables={"es": stored}), "model")
    assert alone is not None and alone.patience == 3 and alone.monitor == "val_loss" and alone.min_delta == 0
    odd = CallbackFacts(class_name="EarlyStopping", attrs={"patience": True, "restore_best_weights": 1})
    settings = early_stopping(Evidence(variables={"es": odd}), "model")
    assert settings is not None and settings.patience == 0 and not settings.restore_best_weights
    assert early_stopping(Evidence(fit_calls=[FitCallFacts(model_variable="model", callbacks=[other])]),
                          "model") is None


@pytest.mark.slow
def test_a_graded_model_is_summarized_with_the_parameters_keras_counts(grader_nodb: Grader) -> None:
    keras = pytest.importorskip("keras")
    namespace: dict[str, object] = {}
    exec((EXERCISES / "solutions" / "lab-add-hidden-16" / "solution.py").read_text(), namespace)
    reference = namespace["model"]
    assert isinstance(reference, keras.Model)
    result = grade_sample(grader_nodb, "lab-add-hidden-16", "ana.py")
    assert result.status == "graded" and len(result.models) == 1
    summary = result.models[0]
    assert summary.variable == "model" and summary.params == reference.count_params() == 747
    assert [(layer.class_name, layer.units, layer.activation, layer.params) for layer in summary.layers] == [
        (type(layer).__name__, getattr(layer, "units", None), getattr(layer, "activation", None) and
         layer.activation.__name__, layer.count_params()) for layer in reference.layers]
    assert summary.input_shape == [5, 5] and summary.output_shape == [2]  # without the batch
    curve = result.training
    assert curve is not None and curve.metric == "accuracy" and curve.higher_is_better
    assert len(curve.epochs) == 20 and curve.early_stopping is None  # no callback in this exercise's sample
    assert all(0 <= (point.val_metric or -1) <= 1 for point in curve.epochs)
    assert len(result.model_dump_json()) < 8000  # stored as is in gradings.result_json


@pytest.mark.slow
def test_the_trusted_training_s_curve_and_the_student_s_early_stopping(grader_nodb: Grader) -> None:
    first = grade_sample(grader_nodb, "wine-early-stopping", "valeria.py")
    curve = first.training
    assert first.status == "graded" and curve is not None
    assert curve.metric == "mae" and not curve.higher_is_better and curve.threshold < curve.baseline
    assert [point.epoch for point in curve.epochs] == list(range(1, 16))  # the exercise's 15 epochs
    for point in curve.epochs:
        assert point.loss is not None and point.val_loss is not None and point.val_metric is not None
        assert all(math.isfinite(value) and value > 0 for value in (point.loss, point.val_loss, point.val_metric))
        assert point.val_loss == pytest.approx(point.val_metric, rel=2e-3)  # an MAE loss is its own metric
    assert curve.epochs[-1].val_loss < curve.epochs[0].val_loss  # this model learns
    assert curve.early_stopping is not None
    assert (curve.early_stopping.patience, curve.early_stopping.min_delta) == (20, 0.001)
    assert curve.early_stopping.restore_best_weights and curve.early_stopping.monitor == "val_loss"
    assert [model.variable for model in first.models] == ["model"]  # the callback variable is no model
    assert first.models[0].params == 11 * 512 + 512 + 2 * (512 * 512 + 512) + 513
    again = grade_sample(grader_nodb, "wine-early-stopping", "valeria.py")  # the traced loop reused
    assert again.training == curve
    assert len(first.model_dump_json()) < 8000


@pytest.mark.slow
def test_an_error_result_has_no_curve_and_no_model(grader_nodb: Grader) -> None:
    spec = grader_nodb.catalog.get("wine-early-stopping")
    result = grader_nodb.grade_bytes(spec=spec, filename="s.py", student="s",
                                     data=b"raise ValueError('antes del modelo')\n")
    assert result.status == "error" and result.training is None and result.models == []
