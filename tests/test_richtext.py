"""Generated messages: code marks, technical details folded, ANSI codes gone, never read as Markdown; and
the common failed trainings said as what they mean for the exercise (Keras 3's own texts as input)."""

from __future__ import annotations

from grader.core.richtext import parse, plain, strip_ansi, with_detail
from grader.core.training_errors import Labels, TrainingData, declared_input_shape, explain_training_error
from grader.web.markdown import render_markdown, render_message

BARS = TrainingData(input_shape=(5, 5), labels=Labels(kind="integer", classes=2))
# Keras 3.15's messages for a 28x28 model fed 5x5 data, and for losses that do not fit the labels.
SHAPE_ERROR = ("Exception encountered when calling Sequential.call().\n\n\x1b[1mInput 0 with name 'None' of layer "
               "'dense' is incompatible with the layer: expected axis -1 of input shape to have value 784, but "
               "received input with shape (32, 25)\x1b[0m\n\nArguments received by Sequential.call():\n"
               "  • inputs=tf.Tensor(shape=(32, 5, 5), dtype=float32)")
RANK_ERROR = ("Arguments `target` and `output` must have the same rank (ndim). Received: target.shape=(32,), "
              "output.shape=(32, 2)")
SIZE_ERROR = ("Arguments `target` and `output` must have the same shape. Received: target.shape=(32, 3), "
              "output.shape=(32, 10)")
NO_FLATTEN = ("Argument `output` must have rank (ndim) `target.ndim - 1`. Received: target.shape=(32,), "
              "output.shape=(32, 5, 2)")
LABEL_RANGE = ("Graph execution error:\n\nDetected at node compile_loss/x defined at (most recent call last):\n"
               "  File \"a.py\", line 3, in <module>\n\nReceived a label value of 1 which is outside the valid "
               "range of [0, 1).  Label values: 0 1 1 0")
MODEL_28 = {"class_name": "Sequential", "config": {"layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [None, 28, 28]}},
    {"class_name": "Flatten", "config": {}}, {"class_name": "Dense", "config": {"units": 2}}]}}


def test_arithmetic_in_a_generated_message_keeps_its_asterisks_and_code_is_code() -> None:
    html = str(render_message("Flatten(5x5) da 25 entradas: 25*16+16 + 16*16+16 = 688; tu modelo `model` <b>"))
    assert "25*16+16 + 16*16+16" in html and "<em>" not in html
    assert "<code>model</code>" in html and "`" not in html and "&lt;b&gt;" in html
    # what a teacher wrote in a spec is Markdown, and arithmetic there is written as code or with ×
    assert "<em>" in str(render_markdown("a *b* c"))


def test_the_technical_detail_is_folded_and_stripped_of_terminal_codes() -> None:
    text = with_detail(explain_training_error(error_type="ValueError", error=SHAPE_ERROR, data=BARS,
                                              model_input=(28, 28)), "extra")
    message = parse(text.es)
    assert message.detail_label == "Detalle técnico"
    html = str(render_message(text.en))
    assert "<details" in html and "<summary>Technical detail</summary>" in html
    assert "\x1b" not in html and "[1m" not in html
    assert plain("Tu modelo `model`\n\nDetalle técnico: ValueError: x") == "Tu modelo model"
    assert strip_ansi("\x1b[1mbold\x1b[0m") == "bold"


def test_a_28x28_model_on_5x5_data_is_told_the_two_shapes_in_spanish() -> None:
    assert declared_input_shape(MODEL_28) == (28, 28)
    text = explain_training_error(error_type="ValueError", error=SHAPE_ERROR, data=BARS,
                                  model_input=declared_input_shape(MODEL_28))
    sentence = plain(text.es)
    assert "28x28" in sentence and "5x5" in sentence and "input_shape" in sentence
    assert "incompatible" not in sentence  # the English original is only the folded detail
    assert "expected axis -1" in parse(text.es).detail and "\x1b" not in text.es
    # without the model's declared input, Keras' expected value is used
    assert "784" in plain(explain_training_error(error_type="ValueError", error=SHAPE_ERROR, data=BARS).es)


def test_losses_that_do_not_fit_the_labels_output_sizes_and_a_missing_compile() -> None:
    cce = explain_training_error(error_type="ValueError", error=RANK_ERROR, data=BARS,
                                 loss="categorical_crossentropy")
    assert "sparse_categorical_crossentropy" in plain(cce.es) and "números de clase" in cce.es
    one_hot = TrainingData(input_shape=(5, 5), labels=Labels(kind="one_hot", classes=3))
    scce = explain_training_error(error_type="ValueError", error=NO_FLATTEN.replace("(32, 5, 2)", "(32, 3)")
                                  .replace("(32,)", "(32, 3)"), data=one_hot,
                                  loss={"class_name": "SparseCategoricalCrossentropy", "config": {}})
    assert "`categorical_crossentropy`" in scce.es
    size = explain_training_error(error_type="ValueError", error=SIZE_ERROR, data=one_hot,
                                  loss="categorical_crossentropy")
    assert "10 neuronas" in size.es and "`Dense(3)`" in size.es
    flat = explain_training_error(error_type="ValueError", error=NO_FLATTEN, data=BARS,
                                  loss="sparse_categorical_crossentropy")
    assert "Flatten()" in flat.es and "5x2" in flat.es
    traced = explain_training_error(error_type="ValueError", data=BARS, loss="sparse_categorical_crossentropy",
                                    error=NO_FLATTEN.replace("(32,", "(None,").replace("(32, 5", "(None, 5"))
    assert "Flatten()" in traced.es and "5x2" in traced.es  # the traced loop's batch size is None
    label_range = explain_training_error(error_type="InvalidArgumentError", error=LABEL_RANGE, data=BARS,
                                         loss="sparse_categorical_crossentropy")
    assert "tiene 1 neurona," in label_range.es and "has 1 unit," in label_range.en
    assert "`Dense(2)`" in label_range.es
    assert "Received a label value" in parse(label_range.en).detail
    compile_ = explain_training_error(error_type="ValueError", error="no compile settings", data=BARS)
    assert "no está compilado" in compile_.es and "model.compile" in compile_.es
    other = explain_training_error(error_type="RuntimeError", error="\x1b[1mboom\x1b[0m", data=BARS)
    assert plain(other.es) == "El entrenamiento con tu configuración falló."
    assert parse(other.es).detail == "RuntimeError: boom"


def _texts(value: object) -> list[str]:
    """Every es/en text of a dumped spec."""
    if isinstance(value, dict):
        own = [value["es"], value["en"]] if set(value) == {"es", "en"} else []
        return own + [text for child in value.values() for text in _texts(child)]
    if isinstance(value, list):
        return [text for child in value for text in _texts(child)]
    return []


def test_no_teacher_text_in_the_catalog_has_arithmetic_that_markdown_would_turn_into_italics() -> None:
    import re

    from grader.core.specs.loader import load_catalog

    catalog = load_catalog()
    texts = [text for spec in catalog.specs.values() for text in _texts(spec.model_dump())]
    assert len(texts) > 100
    outside_code = [re.sub(r"`[^`]*`", "", text) for text in texts]
    offending = [text for text in outside_code if re.search(r"[\w)]\*[\w(]", text)]
    assert offending == [], "write × (or code between backticks) for a product in a spec's text"
