"""Shape, parameter and multiply-add rules of Keras' image-like layers (convolutions, pooling, padding,
cropping, up-sampling, resizing), read from their configs: see grader/core/cost/shapes.py."""

from __future__ import annotations

import math
from typing import Any

from grader.core.cost.shapes import Inner, MaybeShape, Result, Rule, Shape, Unknown, as_int, as_ints, ranked, size


def _split(cfg: dict[str, Any], shape: Shape) -> tuple[Shape, int | None, bool]:
    """(spatial dims, channels, channels_first) of an image-like shape."""
    first = cfg.get("data_format") == "channels_first"
    return (shape[1:], shape[0], True) if first else (shape[:-1], shape[-1], False)


def _join(spatial: Shape, channels: int | None, first: bool) -> Shape:
    return (channels, *spatial) if first else (*spatial, channels)


def _conv_length(n: int | None, k: int, s: int, d: int, padding: str, transpose: bool,
                 output_padding: int | None) -> int | None:
    if n is None:
        return None
    k_eff = k + (k - 1) * (d - 1)
    if transpose:
        if output_padding is not None:
            return max(0, (n - 1) * s + k_eff - 2 * (k_eff // 2 if padding == "same" else 0) + output_padding)
        return n * s if padding == "same" else n * s + max(k_eff - s, 0)
    if padding in ("same", "causal"):
        return -(-n // max(s, 1))
    return max(0, (n - k_eff) // max(s, 1) + 1)


def _conv(rank: int, kind: str) -> Rule:
    """Conv, ConvTranspose, DepthwiseConv and SeparableConv of `rank` spatial dimensions."""

    def rule(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
        spatial, c, first = _split(cfg, ranked(ins[0], rank + 1))
        k = as_ints(cfg.get("kernel_size"), rank)
        strides, dilation = as_ints(cfg.get("strides", 1), rank), as_ints(cfg.get("dilation_rate", 1), rank)
        padding = str(cfg.get("padding", "valid")).lower()
        op = cfg.get("output_padding")
        ops = as_ints(op, rank) if op is not None else (None,) * rank
        out = tuple(_conv_length(n, kn, sn, dn, padding, kind == "transpose", o)
                    for n, kn, sn, dn, o in zip(spatial, k, strides, dilation, ops, strict=True))
        bias = bool(cfg.get("use_bias", True))
        cin, window = c or 1, math.prod(k)
        if kind in ("depthwise", "separable"):
            dm = as_int(cfg.get("depth_multiplier", 1))
            params, macs = window * cin * dm, size(out) * cin * dm * window
            if kind == "depthwise":
                return [_join(out, cin * dm, first)], params + (cin * dm if bias else 0), macs
            filters = as_int(cfg.get("filters"))
            return ([_join(out, filters, first)], params + cin * dm * filters + (filters if bias else 0),
                    macs + size(out) * cin * dm * filters)
        filters = as_int(cfg.get("filters"))
        groups = max(1, as_int(cfg.get("groups", 1) or 1))
        params = window * (cin // groups if kind == "conv" else cin) * filters + (filters if bias else 0)
        macs = (size(out) if kind == "conv" else size(spatial)) * filters * window * cin // groups
        return [_join(out, filters, first)], params, macs

    return rule


def _pool(rank: int) -> Rule:
    def rule(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
        spatial, c, first = _split(cfg, ranked(ins[0], rank + 1))
        pool = as_ints(cfg.get("pool_size", 2), rank)
        strides = as_ints(cfg["strides"], rank) if cfg.get("strides") is not None else pool
        padding = str(cfg.get("padding", "valid")).lower()
        out = tuple(_conv_length(n, p, s, 1, padding, False, None) for n, p, s in zip(spatial, pool, strides,
                                                                                     strict=True))
        return [_join(out, c, first)], 0, size(out) * (c or 1) * math.prod(pool)

    return rule


def _global_pool(rank: int) -> Rule:
    def rule(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
        shape = ranked(ins[0], rank + 1)
        _spatial, c, first = _split(cfg, shape)
        out = _join((1,) * rank, c, first) if cfg.get("keepdims") else (c,)
        return [out], 0, size(shape)

    return rule


def _adaptive_pool(rank: int) -> Rule:
    def rule(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
        shape = ranked(ins[0], rank + 1)
        _spatial, c, first = _split(cfg, shape)
        return [_join(as_ints(cfg.get("output_size"), rank), c, first)], 0, size(shape)

    return rule


def _resample(rank: int, key: str, kind: str) -> Rule:
    """UpSampling (`size`), ZeroPadding (`padding`) and Cropping (`cropping`) of `rank` spatial dims."""

    def rule(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
        spatial, c, first = _split(cfg, ranked(ins[0], rank + 1))
        value = cfg.get(key, 2 if kind == "up" else 1)
        if kind == "up":
            factors = as_ints(value, rank)
            out = tuple(None if n is None else n * f for n, f in zip(spatial, factors, strict=True))
        else:
            pairs = _pairs(value, rank)
            sign = 1 if kind == "pad" else -1
            out = tuple(None if n is None else max(0, n + sign * (a + b)) for n, (a, b) in zip(spatial, pairs,
                                                                                                strict=True))
        shape = _join(out, c, first)
        return [shape], 0, size(shape)

    return rule


def _pairs(value: Any, rank: int) -> list[tuple[int, int]]:
    """ZeroPadding's `padding` / Cropping's `cropping`: (before, after) for each of `rank` dimensions."""
    if isinstance(value, list | tuple) and value and all(isinstance(p, list | tuple) for p in value):
        pairs = [as_ints(list(p), 2) for p in value]
    elif rank == 1 and isinstance(value, list | tuple) and len(value) == 2:
        pairs = [as_ints(list(value), 2)]
    else:
        pairs = [(v, v) for v in as_ints(value, rank)]
    if len(pairs) != rank:
        raise Unknown("padding")
    return [(a, b) for a, b in pairs]


def _to_height_width(cfg: dict[str, Any], ins: list[MaybeShape], _: Inner) -> Result:
    """Resizing, CenterCrop and RandomCrop: the image becomes `height` x `width`."""
    shape = ins[0] if ins[0] is not None else (None, None, None)
    if len(shape) not in (3, 4):
        raise Unknown(f"rank {len(shape)}")
    first = cfg.get("data_format") == "channels_first"
    hw = (as_int(cfg.get("height")), as_int(cfg.get("width")))
    out = (*shape[:-3], shape[-3], *hw) if first else (*shape[:-3], *hw, shape[-1])
    return [out], 0, size(out) * 4


def image_rules() -> dict[str, Rule]:
    """The rules of the convolution, pooling, padding, cropping, up-sampling and resizing layers."""
    rules: dict[str, Rule] = {"Resizing": _to_height_width, "CenterCrop": _to_height_width,
                              "RandomCrop": _to_height_width}
    for r in (1, 2, 3):
        rules |= {
            f"Conv{r}D": _conv(r, "conv"), f"Conv{r}DTranspose": _conv(r, "transpose"),
            f"MaxPooling{r}D": _pool(r), f"AveragePooling{r}D": _pool(r),
            f"GlobalMaxPooling{r}D": _global_pool(r), f"GlobalAveragePooling{r}D": _global_pool(r),
            f"AdaptiveMaxPooling{r}D": _adaptive_pool(r), f"AdaptiveAveragePooling{r}D": _adaptive_pool(r),
            f"UpSampling{r}D": _resample(r, "size", "up"), f"ZeroPadding{r}D": _resample(r, "padding", "pad"),
            f"Cropping{r}D": _resample(r, "cropping", "crop"),
        }
    for r in (1, 2):
        rules |= {f"DepthwiseConv{r}D": _conv(r, "depthwise"), f"SeparableConv{r}D": _conv(r, "separable")}
    return rules
