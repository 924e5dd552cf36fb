"""Whether the trusted evaluator may rebuild and briefly train a student's model, decided from its JSON config
(grader/core/cost/estimate.py) before anything is built, and how long the evaluator may take.

Over a cap, the model is refused with a message that blames it and says what to look at; nothing was
allocated. A pure function of the config and the exercise's settings: tested without TensorFlow, and it
costs well under a millisecond per grading.
"""

from __future__ import annotations

import math
from typing import Any

from grader.core.cost.estimate import MODEL_CLASSES, RULES, TooLarge, estimate
from grader.core.i18n import Text, format_number, format_numbers, t

MAX_BUILD_PARAMS = 300_000_000  # the exam's 150x150x3 Flatten/Dense(2048) model has 140 million; Dense(4096) 280
MAX_TRAIN_PARAMS = 3_000_000
MAX_TRAIN_MACS = 10**12  # forward and backward multiply-adds of a whole brief training
MAX_ACTIVATION_MB = 1536
PREDICT_ROWS = 1024  # the brief training predicts the validation rows in chunks of this many

# The evaluator's time-out: enough for a rebuild on a loaded machine, plus the training's set-up and a
# generous allowance per training sample (honest models take about 0.05 ms), within the exercise's limit.
INSPECT_S, TRAIN_SETUP_S, PER_SAMPLE_S = 30.0, 15.0, 0.001
FLOOR_S, CEILING_S = 30.0, 300.0


def _reported(weight_shapes: Any) -> int:
    """The parameters the student's sandbox reported (student-controlled: only ever a reason to refuse)."""
    try:
        return sum(math.prod(int(d) for d in shape) for shape in weight_shapes or [])
    except (TypeError, ValueError):
        return 0


def build_refusal(config: dict[str, Any], weight_shapes: Any = None) -> Text | None:
    """Why the evaluator must not rebuild this model (too many weights, layers or nesting), or None."""
    try:
        params = max(estimate(config).params, _reported(weight_shapes))
    except TooLarge as exc:
        return exc.message
    if params <= MAX_BUILD_PARAMS:
        return None
    have, cap = format_numbers(params), format_numbers(MAX_BUILD_PARAMS)
    return t(f"Tu modelo tendría ~{have.es} parámetros (el máximo es {cap.es}): revisa las unidades de "
             "las capas, los filtros de las convoluciones y el tamaño de la entrada (una Dense después de Flatten "
             "multiplica sus unidades por todos los valores de la entrada).",
             f"Your model would have ~{have.en} parameters (the maximum is {cap.en}): check the "
             "layers' units, the convolutions' filters and the input size (a Dense after Flatten multiplies its "
             "units by every value of the input).")


def training_refusal(config: dict[str, Any], *, input_shape: tuple[int, ...], rows: int, valid_rows: int,
                     epochs: int, batch_size: int) -> Text | None:
    """Why the brief training must not start (too many weights, operations or activation memory for the
    exercise's data and settings, or layers whose cost cannot be estimated), or None."""
    try:
        cost = estimate(config, input_shape)
    except TooLarge as exc:
        return exc.message
    shapeless = sorted(name for name in cost.unknown if name in RULES or name in MODEL_CLASSES)
    if shapeless and len(shapeless) == len(cost.unknown):  # known layers whose input shape could not be followed
        names = ", ".join(shapeless)
        return t(f"El entrenamiento de prueba no pudo seguir la forma de los datos hasta la capa {names}: revisa "
                 "que la primera capa declare `input_shape` (o que haya un `Input`) y que cada capa reciba la forma "
                 "que espera.", f"The trial training could not follow the data's shape up to the layer {names}: "
                 "check that the first layer declares `input_shape` (or that there is an `Input`) and that each "
                 "layer gets the shape it expects.")
    if cost.unknown:
        names = ", ".join(name for name in cost.unknown if name not in shapeless)
        return t(f"El entrenamiento de prueba no admite la capa {names}: no se puede estimar su coste. Usa capas "
                 "como Dense, Conv2D, Flatten, Dropout o BatchNormalization.",
                 f"The trial training does not accept the layer {names}: its cost cannot be estimated. Use layers "
                 "such as Dense, Conv2D, Flatten, Dropout or BatchNormalization.")
    if cost.params > MAX_TRAIN_PARAMS:  # the wording of the check made after a build, which it replaces
        return t(f"El modelo tiene {format_number(cost.params)} parámetros: demasiados para entrenarlo aquí.",
                 f"The model has {format_number(cost.params, 'en')} parameters: too many to train here.")
    macs = 3 * cost.macs * rows * epochs + cost.macs * valid_rows
    if macs > MAX_TRAIN_MACS:
        billions, cap = format_numbers(round(macs / 1e9)), format_numbers(round(MAX_TRAIN_MACS / 1e9))
        return t(f"Entrenar tu modelo costaría ~{billions.es} mil millones de operaciones (el máximo es "
                 f"{cap.es} mil millones): sus capas hacen demasiado trabajo por ejemplo. Revisa las unidades, "
                 "los filtros y las capas que agrandan la entrada (UpSampling, ZeroPadding, Conv2DTranspose).",
                 f"Training your model would take ~{billions.en} billion operations (the maximum is {cap.en} "
                 "billion): its layers do too much work per example. Check the units, the filters and the layers "
                 "that enlarge the input (UpSampling, ZeroPadding, Conv2DTranspose).")
    megabytes = 4 * cost.activations * max(3 * batch_size, min(valid_rows, PREDICT_ROWS)) / 2**20
    if megabytes > MAX_ACTIVATION_MB:
        mb, cap = format_numbers(round(megabytes)), format_numbers(MAX_ACTIVATION_MB)
        return t(f"Las salidas de las capas de tu modelo ocuparían ~{mb.es} MB al entrenarlo (el máximo "
                 f"es {cap.es} MB): reduce las unidades, los filtros o el tamaño de las salidas "
                 "intermedias.",
                 f"Your model's layer outputs would take ~{mb.en} MB while training (the maximum is "
                 f"{cap.en} MB): reduce the units, the filters or the size of the intermediate "
                 "outputs.")
    return None


def evaluator_timeout_s(*, limit_s: float, epochs: int | None = None, rows: int = 0, valid_rows: int = 0) -> float:
    """The evaluator's time-out for one submission of an exercise whose grading is limited to `limit_s`
    seconds (its `limits.timeout_s`): the inspection, plus the training's set-up and a time per sample
    seen when it trains `epochs` epochs over `rows` rows, at least FLOOR_S and at most the limit (and
    CEILING_S)."""
    budget = INSPECT_S + (TRAIN_SETUP_S + (epochs * rows + valid_rows) * PER_SAMPLE_S if epochs else 0.0)
    return round(min(max(budget, FLOOR_S), max(FLOOR_S, min(limit_s, CEILING_S))), 1)


def memory_message(limit_mb: float | None = None) -> Text:
    """The message for a model that needed more memory than the evaluator has (over `limit_mb`, when known)."""
    over_es = f" (más de {format_number(round(limit_mb))} MB)" if limit_mb else ""
    over_en = f" (over {format_number(round(limit_mb), 'en')} MB)" if limit_mb else ""
    return t(f"Tu modelo necesitó más memoria de la permitida al reconstruirlo o entrenarlo{over_es}: reduce las "
             "unidades, los filtros o el tamaño de las entradas de sus capas.",
             f"Your model needed more memory than allowed while it was rebuilt or trained{over_en}: reduce its "
             "layers' units, filters or input sizes.")


def too_slow(timeout_s: float, *, training: bool) -> Text:
    """The message for a model whose rebuild (and brief training) did not end within `timeout_s` seconds."""
    if training:
        return t(f"Tu modelo resultó demasiado costoso de entrenar en el tiempo límite de la corrección "
                 f"({format_number(timeout_s)} s): reduce el número o el tamaño de sus capas.",
                 f"Your model was too costly to train in the time allowed for grading "
                 f"({format_number(timeout_s, 'en')} s): reduce the number or the size of its layers.")
    return t(f"Tu modelo resultó demasiado costoso de reconstruir en el tiempo límite de la corrección "
             f"({format_number(timeout_s)} s): reduce el número o el tamaño de sus capas.",
             f"Your model was too costly to rebuild in the time allowed for grading "
             f"({format_number(timeout_s, 'en')} s): reduce the number or the size of its layers.")
