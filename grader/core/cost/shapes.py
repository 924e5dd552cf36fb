"""Shape, parameter and multiply-add rules of Keras layers, read from their JSON configs alone (no TensorFlow).

A rule takes a layer's `config` and the shapes of its inputs (without the batch dimension; a dimension is
None when unknown, a whole shape None when even its rank is unknown) and returns the shapes of its outputs,
its parameter count (every weight Keras would create, trainable or not) and its forward multiply-adds per
sample. Unknown dimensions count as 1, so a result is a lower bound where the shapes are not all known.
Used by grader/core/cost/estimate.py (with the image-like layers of grader/core/cost/images.py) before any model
is built.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

Shape = tuple[int | None, ...]
MaybeShape = Shape | None
Result = tuple[list[MaybeShape], int, int]  # output shapes, parameters, forward multiply-adds per sample
Inner = Callable[[Any, list[MaybeShape]], Result]  # applies the rule of a wrapped layer's config
Rule = Callable[[dict[str, Any], list[MaybeShape], Inner], Result]

# Same output shape as input, no weights: activations, dropouts, noise, augmentations and the like.
ELEMENTWISE = frozenset({
    "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "Dropout", "AlphaDropout", "GaussianDropout",
    "GaussianNoise", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "ActivityRegularization",
    "Identity", "Masking", "Rescaling", "UnitNormalization", "RandomFlip", "RandomRotation",
    "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness", "AutoContrast", "Equalization",
    "Solarization", "RandomColorDegeneration", "RandomColorJitter", "RandomGrayscale", "RandomHue",
    "RandomInvert", "RandomPerspective", "RandomPosterization", "RandomSaturation", "RandomSharpness",
    "RandomShear", "RandomElasticTransform", "RandomErasing", "RandomGaussianBlur", "AugMix", "CutMix", "MixUp",
    "RandAugment", "ContrastLimitedAdaptiveHistogramEqualization",
})
# Image augmentations do far more than one operation per value; this is their cost per value.
AUGMENT_COST = 64


class Unknown(ValueError):
    """The rule cannot read this config (missing, non-integer or negative sizes)."""


def size(shape: MaybeShape) -> int:
    """Values per sample of a shape, unknown dimensions counted as 1."""
    return math.prod(d or 1 for d in shape) if shape else 1


def as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Unknown(repr(value)[:40])
    return value


def as_ints(value: Any, rank: int) -> tuple[int, ...]:
    """An int or a list of `rank` ints (Keras' kernel_size, strides, size...) as a tuple of `rank` ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (as_int(value),) * rank
    if isinstance(value, list | tuple) and len(value) == rank:
        return tuple(as_int(v) for v in value)
    raise Unknown(repr(value)[:40])


def ranked(shape: MaybeShape, rank: int) -> Shape:
    """`shape` when it has `rank` dimensions; all-unknown when its rank is unknown."""
    if shape is None:
        return (None,) * rank
    if len(shape) != rank:
        raise Unknown(f"rank {len(shape)}, expected {rank}")
    return shape


def _dense(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
    shape = ins[0] if ins[0] else (None,)
    units, d = as_int(cfg.get("units")), shape[-1] or 1
    return [(*shape[:-1], units)], d * units + (units if cfg.get("use_bias", True) else 0), size(shape) * units


def _embedding(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
    shape, n, dim = ins[0] or (None,), as_int(cfg.get("input_dim")), as_int(cfg.get("output_dim"))
    return [(*shape, dim)], n * dim, size(shape) * dim


def _category_encoding(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
    shape, tokens = ins[0] or (None,), as_int(cfg.get("num_tokens"))
    if cfg.get("output_mode", "multi_hot") == "one_hot" and shape[-1] != 1:
        out = (*shape, tokens)
    else:
        out = (*shape[:-1], tokens)
    return [out], 0, size(out)


def _flatten(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
    shape = ins[0] or (None,)
    flat = None if None in shape else size(shape)
    return [(flat,)], 0, 0


def _reshape(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
    target = cfg.get("target_shape")
    if not isinstance(target, list | tuple) or not all(isinstance(d, int) and d >= -1 for d in target):
        raise Unknown("target_shape")
    known = math.prod(d for d in target if d != -1)
    total = None if ins[0] is None or None in ins[0] else size(ins[0])
    fill = total // known if total is not None and known else None
    return [tuple(fill if d == -1 else d for d in target)], 0, 0


def _permute(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
    dims = cfg.get("dims")
    if ins[0] is None or not isinstance(dims, list | tuple) or sorted(dims) != list(range(1, len(ins[0]) + 1)):
        raise Unknown("dims")
    return [tuple(ins[0][d - 1] for d in dims)], 0, size(ins[0])


def _repeat_vector(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
    out = (as_int(cfg.get("n")), *(ins[0] or (None,)))
    return [out], 0, size(out)


def _axis_size(shape: Shape, axis: Any) -> int:
    axes = axis if isinstance(axis, list | tuple) else [axis]
    try:
        return math.prod(shape[a] or 1 for a in axes)
    except (IndexError, TypeError) as exc:
        raise Unknown("axis") from exc


def _normalization(weights_per_channel: int, default_axis: int = -1) -> Rule:
    """BatchNormalization (4 per channel), LayerNormalization (2) and the like: same shape, few weights."""

    def rule(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
        shape = ins[0] or (None,)
        axis = cfg.get("axis", default_axis)
        return [shape], weights_per_channel * _axis_size(shape, -1 if axis is None else axis), size(shape) * 2

    return rule


def _preprocessing_normalization(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
    """Normalization: a mean and a variance per feature and a count, unless they are given as constants."""
    shape = ins[0] or (None,)
    axis = cfg.get("axis", -1)
    weights = 0 if cfg.get("mean") is not None else 2 * _axis_size(shape, -1 if axis is None else axis) + 1
    return [shape], weights, size(shape) * 2


def _prelu(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
    shape = ins[0] or (None,)
    shared = set(cfg.get("shared_axes") or [])
    return [shape], math.prod(1 if i + 1 in shared else (d or 1) for i, d in enumerate(shape)), size(shape)


def _merge(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
    """Add, Subtract, Multiply, Average, Maximum, Minimum: broadcast to the largest of each dimension."""
    shapes = [s for s in ins if s is not None]
    rank = max((len(s) for s in shapes), default=0)
    padded = [(1,) * (rank - len(s)) + s for s in shapes]
    out = tuple(max((d[i] or 1 for d in padded), default=1) for i in range(rank))
    return [out], 0, size(out) * len(ins)


def _concatenate(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
    shapes = [s for s in ins if s is not None]
    if not shapes:
        return [None], 0, 0
    rank, axis = len(shapes[0]), cfg.get("axis", -1)
    if not isinstance(axis, int) or not -rank <= axis <= rank or axis == 0 or any(len(s) != rank for s in shapes):
        raise Unknown("axis")
    axis = axis - 1 if axis > 0 else axis + rank  # Keras counts the batch axis
    out = list(shapes[0])
    out[axis] = sum(s[axis] or 1 for s in shapes)
    return [tuple(out)], 0, size(tuple(out))


def _rnn(gates: int) -> Rule:
    """SimpleRNN (1 gate), GRU (3), LSTM (4): `units` over a (time, features) input."""

    def rule(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
        steps, d = ranked(ins[0], 2)
        units = as_int(cfg.get("units"))
        bias = gates * units * (2 if gates == 3 and cfg.get("reset_after", True) else 1)
        params = gates * units * ((d or 1) + units) + (bias if cfg.get("use_bias", True) else 0)
        out: Shape = (steps, units) if cfg.get("return_sequences") else (units,)
        states: list[MaybeShape] = [(units,)] * ((2 if gates == 4 else 1) if cfg.get("return_state") else 0)
        return [out, *states], params, (steps or 1) * gates * units * ((d or 1) + units)

    return rule


def _bidirectional(cfg: dict[str, Any], ins: list[MaybeShape], inner: Inner) -> Result:
    forward = inner(cfg.get("layer"), ins[:1])
    backward = inner(cfg.get("backward_layer") or cfg.get("layer"), ins[:1])
    out, *states = forward[0]
    mode = cfg.get("merge_mode", "concat")
    if out is not None and mode == "concat":
        out = (*out[:-1], (out[-1] or 1) * 2)
    outs = [out, out] if mode is None else [out]
    return [*outs, *states, *states], forward[1] + backward[1], forward[2] + backward[2]


def _time_distributed(cfg: dict[str, Any], ins: list[MaybeShape], inner: Inner) -> Result:
    shape = ins[0] or (None, None)
    if len(shape) < 2:
        raise Unknown("rank")
    outs, params, macs = inner(cfg.get("layer"), [shape[1:]])
    return [None if o is None else (shape[0], *o) for o in outs], params, (shape[0] or 1) * macs


def _elementwise(factor: int) -> Rule:
    def rule(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
        return [ins[0]], 0, size(ins[0]) * factor

    return rule


def basic_rules() -> dict[str, Rule]:
    """The rules of every supported layer that is not image-like (see grader/core/cost/images.py)."""
    rules: dict[str, Rule] = {
        "Dense": _dense, "Embedding": _embedding, "CategoryEncoding": _category_encoding, "Flatten": _flatten,
        "Reshape": _reshape, "Permute": _permute, "RepeatVector": _repeat_vector, "PReLU": _prelu,
        "BatchNormalization": _normalization(4), "LayerNormalization": _normalization(2),
        "GroupNormalization": _normalization(2), "RMSNormalization": _normalization(1),
        "Normalization": _preprocessing_normalization, "Concatenate": _concatenate,
        "SimpleRNN": _rnn(1), "GRU": _rnn(3), "LSTM": _rnn(4),
        "Bidirectional": _bidirectional, "TimeDistributed": _time_distributed,
    }
    rules |= dict.fromkeys(("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"), _merge)
    heavy = ("AugMix", "CutMix", "MixUp", "RandAugment", "AutoContrast", "Equalization",
             "ContrastLimitedAdaptiveHistogramEqualization")
    rules |= {name: _elementwise(AUGMENT_COST if name.startswith("Random") or name in heavy else 1)
              for name in ELEMENTWISE}
    return rules
