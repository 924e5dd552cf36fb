"""The trusted brief training: its batch plan, and its one-graph loop doing exactly what Keras' fit does."""

from __future__ import annotations

import json

import numpy as np
import pytest

keras = pytest.importorskip("keras")  # a hard dependency: importorskip only gives a clear error if broken

from grader.core.specs.models import TrainingSpec  # noqa: E402
from grader.engine.evaluator.training import brief_training  # noqa: E402
from grader.engine.evaluator.training_loop import batch_plan, train_steps, training_loop  # noqa: E402


def spec(**overrides: object) -> TrainingSpec:
    fields: dict[str, object] = {"variable": "model", "dataset": "bars-5x5", "epochs": 3, "batch_size": 8,
                                 "compile": {"optimizer": "adam", "loss": "mse"}, "metric": "mae",
                                 "baseline": "mean"}
    return TrainingSpec.model_validate(fields | overrides)


def test_batch_plan_visits_every_row_once_per_epoch_in_a_new_order() -> None:
    order, bounds = batch_plan(20, spec(epochs=3, batch_size=8, seed=4))
    epochs = [order[e * 20:(e + 1) * 20] for e in range(3)]
    assert all(sorted(epoch) == list(range(20)) for epoch in epochs)
    assert not np.array_equal(epochs[0], epochs[1])
    assert list(np.diff(bounds)) == [8, 8, 4] * 3  # the last batch of each epoch is the short one
    again, _ = batch_plan(20, spec(epochs=3, batch_size=8, seed=4))
    other, _ = batch_plan(20, spec(epochs=3, batch_size=8, seed=5))
    assert np.array_equal(order, again) and not np.array_equal(order, other)


def model_for(regularized: bool) -> object:
    reg = keras.regularizers.L2(0.05) if regularized else None
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, activation="relu", kernel_regularizer=reg),
                              keras.layers.BatchNormalization(), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return model


@pytest.mark.parametrize("regularized", [False, True])
def test_train_steps_matches_keras_fit_on_the_same_batches(regularized: bool) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], dtype="float32")).reshape(-1, 1)
    plan = spec(epochs=4, batch_size=8, seed=3)
    x_valid, y_valid = x[:10] + 0.5, y[:10]

    ours = model_for(regularized)  # with the validation pass after every epoch, which must change nothing
    trace = training_loop(ours, x, y, plan, valid=(x_valid, y_valid))()

    theirs = model_for(regularized)
    order, _ = batch_plan(len(x), plan)
    reported = []
    for epoch in range(plan.epochs):  # Keras' own fit, fed the same order without shuffling
        rows = order[epoch * len(x):(epoch + 1) * len(x)]
        history = theirs.fit(x[rows], y[rows], batch_size=plan.batch_size, epochs=1, shuffle=False, verbose=0,
                             validation_data=(x_valid, y_valid))
        reported.append((history.history["loss"][0], history.history["val_loss"][0]))
        outputs = np.asarray(theirs(x_valid, training=False))
        np.testing.assert_allclose(trace.val_outputs[epoch], outputs, rtol=1e-4, atol=1e-5)

    # The epoch's mean training loss and the validation loss (regularization included) as fit reports them.
    np.testing.assert_allclose(trace.loss, [loss for loss, _ in reported], rtol=1e-4)
    np.testing.assert_allclose(trace.val_loss, [val for _, val in reported], rtol=1e-4)
    assert trace.val_outputs.shape == (plan.epochs, 10, 1) and trace.loss[-1] < trace.loss[0]

    assert int(ours.optimizer.iterations.numpy()) == int(theirs.optimizer.iterations.numpy()) == 4 * 4
    for mine, reference in zip(ours.get_weights(), theirs.get_weights(), strict=True):  # BN statistics too
        np.testing.assert_allclose(mine, reference, rtol=1e-4, atol=1e-6)
    untrained = model_for(regularized)
    assert not np.allclose(ours.get_weights()[0], untrained.get_weights()[0])


def test_regularization_reaches_the_updates() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    plain, regularized = model_for(False), model_for(True)
    train_steps(plain, x, y, spec())
    train_steps(regularized, x, y, spec())
    assert np.abs(regularized.get_weights()[0]).sum() < np.abs(plain.get_weights()[0]).sum()


def wine_model() -> dict[str, object]:
    """A config with everything a reused training must reset: dropout seeds, BN statistics, L2, Adagrad slots."""
    model = keras.Sequential([keras.Input((11,)), keras.layers.Dense(16, activation="relu",
                                                                      kernel_regularizer=keras.regularizers.L2(1e-3)),
                              keras.layers.Dropout(0.3), keras.layers.BatchNormalization(), keras.layers.Dense(1)])
    return json.loads(model.to_json())


def test_a_reused_training_gives_exactly_the_fresh_result() -> None:
    from grader.engine.evaluator import training

    wine = spec(dataset="wine", epochs=2, batch_size=64, compile={"optimizer": "adagrad", "loss": "mse"})
    other = spec(dataset="wine", epochs=1, batch_size=32, compile={"optimizer": "sgd", "loss": "mae"})
    config = wine_model()
    training._LOOPS.clear()
    fresh = brief_training(config=config, compile_config=None, spec=wine)
    hits = training._LOOPS.hits
    brief_training(config=config, compile_config=None, spec=other)  # another training in between
    reused = brief_training(config=config, compile_config=None, spec=wine)
    assert training._LOOPS.hits == hits + 1  # the second `wine` training reused the first one's traced loop
    assert fresh.error is None and fresh.value is not None
    assert reused.value == fresh.value  # bit for bit: every variable was reset to its fresh starting value
    assert reused.history == fresh.history and [p.epoch for p in fresh.history] == [1, 2]
    numbers = [v for p in fresh.history for v in (p.loss, p.val_loss, p.val_metric)]
    assert all(v is not None and float(f"{v:.4g}") == v for v in numbers)  # stored to 4 significant digits
    changed = brief_training(config=config, compile_config={"optimizer": "adam", "loss": "mse"}, spec=wine)
    assert changed.value != fresh.value  # other compile settings: another key, another result
    renamed = brief_training(config=renamed_model(config), compile_config=None, spec=wine)
    assert training._LOOPS.hits == hits + 2  # the same model under other names: the same traced loop...
    assert (renamed.value, renamed.history) == (fresh.value, fresh.history)  # ...and the same result


def renamed_model(config: dict[str, object]) -> dict[str, object]:
    """The same model as its author named it, or as a process that had made other layers first numbers it."""
    renamed = json.loads(json.dumps(config))
    renamed["config"]["name"] = "mi_modelo"
    for index, layer in enumerate(renamed["config"]["layers"]):
        layer["config"]["name"] = "oculta" if index == 1 else f"{layer['config']['name']}_{index + 7}"
    assert renamed != config
    return renamed


def test_a_model_s_names_are_not_part_of_the_cache_key_but_everything_else_is() -> None:
    from grader.engine.evaluator.training_loop import cache_key

    def dense(name: str, dtype: str = "float32", units: int = 4) -> dict[str, object]:
        return {"class_name": "Dense", "config": {"name": name, "units": units, "dtype": {
            "module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype}}}}

    def sequential(name: str, *layers: dict[str, object]) -> dict[str, object]:
        return {"class_name": "Sequential", "config": {"name": name, "layers": list(layers)}}

    def functional(first: str, second: str, output: str) -> dict[str, object]:
        return {"class_name": "Functional", "config": {"name": "f", "layers": [dense(first), dense(second)],
                                                       "input_layers": [[first, 0, 0]],
                                                       "output_layers": [[output, 0, 0]]}}

    plain = spec()
    key = cache_key(sequential("sequential", dense("dense")), {}, plain)
    assert cache_key(sequential("mio", dense("dense_7")), {}, plain) == key
    assert cache_key(sequential("sequential", dense("dense", dtype="mixed_float16")), {}, plain) != key
    assert cache_key(sequential("sequential", dense("dense", units=5)), {}, plain) != key
    wired = cache_key(functional("a", "b", "b"), {}, plain)
    assert cache_key(functional("x", "y", "y"), {}, plain) == wired  # renamed throughout: the same graph
    assert cache_key(functional("a", "b", "a"), {}, plain) != wired  # another output: another graph

def test_a_diverging_training_keeps_its_epochs_without_numbers() -> None:
    wild = spec(dataset="wine", epochs=2, batch_size=64,
                compile={"optimizer": {"class_name": "SGD", "config": {"learning_rate": 1e30}}, "loss": "mse"})
    outcome = brief_training(config=wine_model(), compile_config=None, spec=wild)
    assert outcome.error is None and outcome.value is None and not outcome.passed
    last = outcome.history[-1]
    assert [p.epoch for p in outcome.history] == [1, 2]
    assert (last.loss, last.val_loss, last.val_metric) == (None, None, None)  # NaN and inf are stored as null


def test_compile_settings_spelled_differently_share_a_training_but_other_values_do_not() -> None:
    from grader.engine.evaluator import training

    plain = spec(dataset="wine", epochs=1, batch_size=64, compile={"optimizer": "adam", "loss": "mse"})
    config = wine_model()
    training._LOOPS.clear()
    first = brief_training(config=config, compile_config=None, spec=plain)  # the spec's "adam"
    keras.optimizers.Adam()  # so the student's own optimizer gets another automatic name
    student = {"optimizer": keras.optimizers.serialize(keras.optimizers.Adam()), "loss": "mse",
               "metrics": ["mae"], "jit_compile": False}
    hits = training._LOOPS.hits
    spelled = brief_training(config=config, compile_config=student, spec=plain)
    assert training._LOOPS.hits == hits + 1 and spelled.value == first.value
    faster = {**student, "optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.05}}}
    other = brief_training(config=config, compile_config=faster, spec=plain)
    assert training._LOOPS.hits == hits + 1 and other.value != first.value


def test_each_training_starts_from_a_fresh_keras_state() -> None:
    """Between trainings Keras forgets its global state as `clear_session()` would (TensorFlow's compiled
    kernels are kept for speed): names are counted from scratch again."""
    from grader.engine.evaluator import training

    keras.layers.Dense(1)
    assert keras.layers.Dense(1).name != "dense"
    training._reset_keras()
    assert keras.layers.Dense(1).name == "dense"


def test_a_failed_training_says_what_it_means_for_the_exercise_with_the_original_folded() -> None:
    from grader.core.richtext import parse, plain

    bars = spec(dataset="bars-5x5", metric="accuracy", baseline="majority",
                compile={"optimizer": "adam", "loss": "sparse_categorical_crossentropy"})
    unflattened = keras.Sequential([keras.Input((5, 5)), keras.layers.Dense(2, "softmax")])
    outcome = brief_training(config=json.loads(unflattened.to_json()), compile_config=None, spec=bars)
    assert outcome.error is not None and not outcome.passed
    sentence, detail = plain(outcome.error.es), parse(outcome.error.es).detail
    assert "5x2" in sentence and "Flatten()" in sentence
    assert detail is not None and "output.shape" in detail and "\x1b" not in outcome.error.es
    # A 28x28 model is no longer a failed training: the lab's data is given its shape (issue 24), and said.
    wide = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(2, "softmax")])
    adapted = brief_training(config=json.loads(wide.to_json()), compile_config=None, spec=bars)
    assert adapted.error is None and "input" in adapted.replaced
    right = keras.Sequential([keras.Input((5, 5)), keras.layers.Flatten(), keras.layers.Dense(2, "softmax")])
    # A loss that wants one column per class gets the labels one-hot, as the student's to_categorical did (the
    # loss check, where there is one, judges the loss).
    onehot_loss = brief_training(config=json.loads(right.to_json()),
                                 compile_config={"optimizer": "adam", "loss": "categorical_crossentropy"}, spec=bars)
    assert onehot_loss.error is None and onehot_loss.replaced["labels"][1] == "2"
