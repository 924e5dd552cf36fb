"""Trusted inspection: rebuild the student's model from its JSON config and read plain facts from it.

The config is walked as plain data first and refused when it names anything outside Keras' own public
classes (Lambda layers, custom classes, functions from other modules); only then is it deserialized,
always with `safe_mode=True`, no custom objects, never from `.h5`. Nothing the student wrote runs here.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np

from grader.core.cost.budget import build_refusal, memory_message
from grader.core.excerpt import keep_ends
from grader.core.facts import (
    CallbackFacts,
    CompileFacts,
    FitCallFacts,
    LayerFacts,
    MissingFacts,
    ModelFacts,
    RefusedFacts,
    RegularizerFacts,
    StudentError,
    ValueFacts,
    VariableFacts,
)
from grader.core.i18n import t
from grader.core.normalize import (
    canonical_activation,
    canonical_loss,
    canonical_metric,
    canonical_optimizer,
    snake_case,
)
from grader.engine.evaluator.names import neutral_names

REFUSED_CLASSES = frozenset({"Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer"})
# tf.nn functions serialise under their TensorFlow names (activation=tf.nn.softmax -> 'softmax_v2').
TF_FUNCTION_ALIASES = {"softmax_v2": "softmax", "log_softmax_v2": "log_softmax", "leaky_relu": "leaky_relu"}


class UnsafeConfig(ValueError):
    """The config names something the grader will not rebuild; the message says what."""


def check_plain_keras(node: Any, path: str = "config") -> None:
    """Walk a serialized Keras object and refuse anything that is not a built-in Keras class."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            check_plain_keras(item, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        return
    if node.get("class_name") == "function":
        # Keras serialises a plain function (loss=keras.losses.mae) as builtins.function + its name.
        if not _is_keras_function(function_name(node)):
            raise UnsafeConfig(f"function {node.get('config')!r} ({path})")
        return
    if "class_name" in node:
        cls, module = str(node.get("class_name")), str(node.get("module") or "keras")
        if cls in REFUSED_CLASSES:
            raise UnsafeConfig(f"{cls} ({path})")
        if not module.startswith("keras"):
            raise UnsafeConfig(f"{module}.{cls} ({path})")
        registered = node.get("registered_name")
        if registered not in (None, cls) and not str(registered).startswith("keras"):
            raise UnsafeConfig(f"{registered} ({path})")
    for key, value in node.items():
        if key == "activation" and not isinstance(value, str | dict | type(None)):
            raise UnsafeConfig(f"activation ({path})")
        check_plain_keras(value, f"{path}.{key}")


def function_name(node: dict[str, Any]) -> Any:
    """The Keras name of a serialised function entry ('softmax_v2' from tf.nn.softmax is 'softmax')."""
    name = node.get("config")
    return TF_FUNCTION_ALIASES.get(name, name) if isinstance(name, str) else name


def _plain_activations(node: Any) -> Any:
    """A copy of a checked config where function-valued activations are replaced by their Keras names."""
    if isinstance(node, list):
        return [_plain_activations(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "activation" and isinstance(value, dict) and value.get("class_name") == "function":
            out[key] = function_name(value)
        else:
            out[key] = _plain_activations(value)
    return out


def _is_keras_function(name: Any) -> bool:
    """True when `name` is a loss, metric or activation that Keras itself resolves by name."""
    import keras

    if not isinstance(name, str) or not name.isidentifier():
        return False
    for module in (keras.losses, keras.metrics, keras.activations):
        try:
            module.get(name)
            return True
        except (ValueError, TypeError):
            continue
    return False


def rebuild_model(config: dict[str, Any], originals: dict[str, str] | None = None) -> Any:
    """A Keras model from its JSON config, refused unless it is made of plain Keras classes only.

    The compile settings embedded in the config are dropped: they are read separately as data, and
    the trusted training compiles the model itself. The model and its layers get neutral names
    (grader/engine/evaluator/names.py); `originals`, when given, is filled with neutral -> student's name.
    """
    import keras

    check_plain_keras(config)
    # A fresh copy every time: Keras consumes parts of the dict while deserialising.
    config, names = neutral_names(_plain_activations({k: v for k, v in config.items() if k != "compile_config"}))
    if originals is not None:
        originals.update(names)
    model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    if not isinstance(model, keras.Model):
        raise UnsafeConfig(type(model).__name__)
    return model


def _count(weights: list[Any]) -> int:
    return int(sum(int(np.prod(w.shape)) for w in weights))


def _shape(shape: Any) -> list[int | None] | None:
    try:
        return [None if d is None else int(d) for d in shape]
    except (TypeError, ValueError):
        return None


def layer_facts(layer: Any, built: bool) -> LayerFacts:
    """Facts of one rebuilt layer."""
    activation = getattr(layer, "activation", None)
    reg = getattr(layer, "kernel_regularizer", None)
    weights = layer.weights if built else []
    output_shape = None
    if built:
        try:
            output_shape = _shape(layer.output.shape)[1:]  # type: ignore[index]
        except (AttributeError, ValueError, TypeError):
            output_shape = None
    return LayerFacts(
        class_name=type(layer).__name__,
        name=layer.name,
        units=int(layer.units) if isinstance(getattr(layer, "units", None), int) else None,
        activation=canonical_activation(getattr(activation, "__name__", None)) if activation is not None else None,
        rate=float(layer.rate) if isinstance(getattr(layer, "rate", None), float | int) else None,
        output_shape=output_shape,
        params=_count(weights),
        trainable_params=_count(layer.trainable_weights) if built else 0,
        # A container whose weights are all frozen counts as frozen, whatever its own flag says.
        trainable=bool(layer.trainable_weights) if weights else bool(layer.trainable),
        kernel_regularizer=RegularizerFacts(
            class_name=type(reg).__name__, l1=float(getattr(reg, "l1", 0.0) or 0.0),
            l2=float(getattr(reg, "l2", 0.0) or 0.0),
        ) if reg is not None else None,
    )


def _name_of(item: Any) -> str:
    """The name inside a serialized loss/metric/optimizer entry (string or {class_name, config})."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        if item.get("class_name") == "function":
            return str(function_name(item))
        return str(item.get("class_name"))
    return repr(item)


def compile_facts(compile_config: dict[str, Any]) -> CompileFacts:
    """Normalised loss, optimizer and metrics from `model.get_compile_config()` output."""
    import keras

    check_plain_keras({k: v for k, v in compile_config.items() if k in ("optimizer", "loss", "metrics")})
    opt_cfg = compile_config.get("optimizer")
    optimizer, lr = None, None
    if opt_cfg is not None:
        opt = keras.optimizers.get(opt_cfg)
        optimizer = canonical_optimizer(type(opt).__name__)
        raw_lr = opt_cfg.get("config", {}).get("learning_rate") if isinstance(opt_cfg, dict) else None
        lr = float(raw_lr) if isinstance(raw_lr, int | float) else (
            None if isinstance(raw_lr, dict) else float(opt.learning_rate.numpy()))
    loss_cfg = compile_config.get("loss")
    loss, from_logits = None, False
    if isinstance(loss_cfg, str | dict):
        loss = canonical_loss(_name_of(loss_cfg))
        if isinstance(loss_cfg, dict) and isinstance(loss_cfg.get("config"), dict):
            from_logits = bool(loss_cfg["config"].get("from_logits", False))
    elif loss_cfg is not None:
        loss = "<" + type(loss_cfg).__name__ + ">"
    metrics_cfg = compile_config.get("metrics") or []
    metrics = [canonical_metric(snake_case(_name_of(m))) for m in
               (metrics_cfg if isinstance(metrics_cfg, list) else [metrics_cfg])]
    return CompileFacts(optimizer=optimizer, learning_rate=lr, loss=loss,
                        loss_raw=_name_of(loss_cfg) if loss_cfg is not None else None,
                        from_logits=from_logits, metrics=metrics)


class InconsistentModel(ValueError):
    """The reported config does not describe the weights the student's model really had."""


def model_facts(config: dict[str, Any], compile_config: dict[str, Any] | None,
                weight_shapes: list[list[int]] | None = None) -> ModelFacts:
    """Rebuild and describe a model; raises UnsafeConfig, InconsistentModel or Keras' own errors."""
    originals: dict[str, str] = {}
    model = rebuild_model(config, originals)
    built = bool(model.built)
    if built and weight_shapes is not None and [list(w.shape) for w in model.weights] != weight_shapes:
        raise InconsistentModel("weight shapes differ from the config")
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    return ModelFacts(
        class_name=type(model).__name__,
        built=built,
        input_shape=_shape(model.input_shape)[1:] if built else None,  # type: ignore[index]
        output_shape=_shape(model.output_shape)[1:] if built else None,  # type: ignore[index]
        params=model.count_params() if built else None,
        trainable_params=_count(model.trainable_weights) if built else None,
        layers=[layer_facts(layer, built).model_copy(update={"name": originals.get(layer.name, layer.name)})
                for layer in layers],
        compile=compile_facts(compile_config) if compile_config else None,
    )


@lru_cache(maxsize=64)
def _remembered_model_facts(key: str) -> ModelFacts:
    """`model_facts` of a JSON-encoded (config, compile config, weight shapes): a pure function of them, and
    students of one class mostly hand in the same model, so a rebuild is saved for every repeat."""
    config, compile_config, weight_shapes = json.loads(key)
    return model_facts(config, compile_config, weight_shapes)


def variable_facts(raw: dict[str, Any]) -> VariableFacts:
    """Turn one raw variable report from the sandbox into facts, refusing what cannot be graded safely."""
    kind = raw.get("kind")
    if kind == "missing":
        stopped = raw.get("stopped")
        return MissingFacts(stopped=stopped if isinstance(stopped, bool) else None)
    if kind == "callback":
        return CallbackFacts.model_validate({k: raw[k] for k in ("kind", "class_name", "attrs")})
    if kind == "value":
        return ValueFacts(value=raw.get("value"))
    if kind == "model":
        try:
            refusal = build_refusal(raw["config"], raw.get("weight_shapes"))  # before anything is allocated
            if refusal is not None:
                return RefusedFacts(reason=refusal)
            key = json.dumps([raw["config"], raw.get("compile_config"), raw.get("weight_shapes")], sort_keys=True,
                             default=repr)
            return _remembered_model_facts(key).model_copy(deep=True)
        except InconsistentModel:
            return RefusedFacts(reason=t(
                "La configuración de tu modelo no coincide con sus pesos reales (¿se modificaron las capas o "
                "Keras después de construir el modelo?): no se puede calificar.",
                "Your model's configuration does not match its actual weights (were layers or Keras modified "
                "after building the model?): it cannot be graded.",
            ))
        except UnsafeConfig as exc:
            return RefusedFacts(reason=t(
                f"El modelo usa algo que no es una capa o clase estándar de Keras ({exc}): las capas Lambda "
                "y el código personalizado no se aceptan. Usa solo capas de keras.layers.",
                f"The model uses something that is not a standard Keras layer or class ({exc}): Lambda "
                "layers and custom code are not accepted. Use keras.layers only.",
            ))
        except Exception as exc:  # Keras' own refusal or a broken config: explain, never crash the batch
            if out_of_memory_error(exc):
                return RefusedFacts(reason=memory_message())
            return RefusedFacts(reason=t(
                f"El modelo no se pudo reconstruir a partir de su configuración: {type(exc).__name__}: "
                f"{keep_ends(str(exc))}",
                f"The model could not be rebuilt from its config: {type(exc).__name__}: {keep_ends(str(exc))}",
            ))
    type_name = str(raw.get("type", "?"))
    return RefusedFacts(reason=t(
        f"La variable es de tipo {type_name}, que no se puede calificar ({raw.get('reason', '')}).",
        f"The variable is of type {type_name}, which cannot be graded ({raw.get('reason', '')}).",
    ))


def out_of_memory_error(exc: BaseException) -> bool:
    """True for the errors of an allocation that failed (Python's, or TensorFlow's OOM)."""
    return isinstance(exc, MemoryError) or type(exc).__name__ == "ResourceExhaustedError"


def fit_call_facts(raw: dict[str, Any]) -> FitCallFacts:
    """Validate one recorded fit call."""
    return FitCallFacts.model_validate(raw)


def student_error_facts(raw: dict[str, Any] | None) -> StudentError | None:
    """Validate the student's exception report, if any."""
    return StudentError.model_validate(raw) if raw else None
