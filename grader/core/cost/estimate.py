"""The cost of a Keras model read from its JSON config alone: weights, forward multiply-adds and layer
output values per sample, without TensorFlow and before anything is built (grader/core/cost/budget.py decides
what is too much).

Sequential and Functional models (nested ones too) are walked as plain data, propagating shapes from the
declared inputs, or also from the exercise's data when the model is trained, with the per-layer rules of
grader/core/cost/shapes.py and grader/core/cost/images.py. Each layer counts at the largest shape Keras could build
it with: its propagated input and any shape the config declares for it (`build_config`, `input_shape`...),
since Keras builds a layer from those before connecting it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.core.cost.images import image_rules
from grader.core.cost.shapes import MaybeShape, Result, Unknown, basic_rules, size
from grader.core.i18n import Text, t

RULES = {**basic_rules(), **image_rules()}
MAX_LAYERS = 100  # each layer a Sequential adds rebuilds the ones before it: 100 take ~2 s, 190 ~5 s
MAX_DEPTH = 20
MAX_STEPS = 50 * MAX_LAYERS  # layers walked, counting each shape a nested model is walked with
MODEL_CLASSES = frozenset({"Sequential", "Functional", "Model"})


@dataclass(frozen=True)
class Estimate:
    """The cost of one model: weights, forward multiply-adds and layer output values per sample, layers, and
    the classes it could not estimate (their weights and everything after them then count as a lower bound)."""

    params: int
    macs: int
    activations: int
    layers: int
    unknown: tuple[str, ...] = ()


class TooLarge(ValueError):
    """The config has more layers or nesting than any model is allowed; `message` says so."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.es)
        self.message = message


def _mapping(value: object) -> dict[str, Any]:
    """`value` itself when it is a mapping of the report or config, else an empty one."""
    return value if isinstance(value, dict) else {}


def _shape(value: Any, *, batch: bool) -> MaybeShape:
    """A declared shape as a tuple without the batch dimension, or None when it is not a plain shape."""
    if not isinstance(value, list | tuple) or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0) for d in value):
        return None
    return tuple(value[1:] if batch else value)


def _input_layer_shape(node: dict[str, Any]) -> MaybeShape:
    cfg = _mapping(node.get("config"))
    for key, batch in (("batch_shape", True), ("batch_input_shape", True), ("shape", False), ("input_shape", False)):
        if cfg.get(key) is not None:
            return _shape(cfg[key], batch=batch)
    return None


def _declared(node: dict[str, Any]) -> list[list[MaybeShape]]:
    """Every input shape the config declares for a layer, each as the list of its inputs' shapes."""
    cfg = _mapping(node.get("config"))
    build = _mapping(node.get("build_config"))
    found: list[list[MaybeShape]] = []
    for value, batch in ((build.get("input_shape"), True), (cfg.get("build_input_shape"), True),
                         (cfg.get("batch_input_shape"), True), (cfg.get("input_shape"), False)):
        if isinstance(value, list | tuple) and value and all(isinstance(v, list | tuple) for v in value):
            found.append([_shape(v, batch=batch) for v in value])
        elif _shape(value, batch=batch) is not None:
            found.append([_shape(value, batch=batch)])
    if isinstance(cfg.get("input_dim"), int):
        found.append([(cfg["input_dim"],)])
    return found


def _refs(value: Any) -> list[tuple[str, int, int]]:
    """[layer name, node index, tensor index] references, as Functional configs list inputs and outputs."""
    if isinstance(value, list | tuple) and len(value) >= 3 and isinstance(value[0], str):
        return [(value[0], int(value[1]), int(value[2]))] if all(isinstance(v, int) for v in value[1:3]) else []
    if isinstance(value, dict):
        value = list(value.values())
    return [ref for item in value for ref in _refs(item)] if isinstance(value, list | tuple) else []


def _node_inputs(data: Any) -> list[tuple[str, int, int] | MaybeShape]:
    """The inputs of one inbound node: references to other layers' outputs, or shapes of literal tensors."""
    if isinstance(data, list):  # the legacy format: [[name, node, tensor, kwargs], ...]
        return list(_refs(data))
    found: list[tuple[str, int, int] | MaybeShape] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict) and node.get("class_name") == "__keras_tensor__":
            cfg = _mapping(node.get("config"))
            history = _refs(cfg.get("keras_history"))
            found.append(history[0] if history else _shape(cfg.get("shape"), batch=True))
        elif isinstance(node, dict):
            for value in node.values():
                visit(value)
        elif isinstance(node, list | tuple):
            for value in node:
                visit(value)

    visit([data.get("args"), data.get("kwargs")] if isinstance(data, dict) else data)
    return found


class _Walk:
    """One pass over a config. Weights are kept per layer config at the largest count seen for it."""

    def __init__(self) -> None:
        self.params: dict[int, int] = {}
        self.macs = 0
        self.activations = 0
        self.layers: set[int] = set()
        self.unknown: set[str] = set()
        self.depth = 0
        self.steps = 0

    def _enter(self) -> None:
        self.depth, self.steps = self.depth + 1, self.steps + 1
        if self.depth > MAX_DEPTH:
            raise TooLarge(t(f"Tu modelo anida más de {MAX_DEPTH} modelos o capas unos dentro de otros: "
                             "simplifícalo.",
                             f"Your model nests more than {MAX_DEPTH} models or layers inside each other: "
                             "simplify it."))
        if self.steps > MAX_STEPS:
            raise TooLarge(t("Tu modelo anida modelos que se construyen con demasiadas formas de entrada "
                             "distintas: simplifícalo.",
                             "Your model nests models built with too many different input shapes: simplify it."))

    def layer(self, node: Any, ins: list[MaybeShape] | None, count: bool) -> list[MaybeShape]:
        """Count one layer (or nested model) called on `ins` (None: only the shapes it declares itself)."""
        if not isinstance(node, dict):
            self.unknown.add(type(node).__name__)
            return [None]
        self.layers.add(id(node))
        if len(self.layers) > MAX_LAYERS:
            raise TooLarge(t(f"Tu modelo tiene más de {MAX_LAYERS} capas: usa menos capas.",
                             f"Your model has more than {MAX_LAYERS} layers: use fewer layers."))
        cls = str(node.get("class_name"))
        self._enter()
        try:
            if cls in MODEL_CLASSES:
                declared = _declared(node)
                for extra in [d for i, d in enumerate(declared) if d not in declared[:i]]:
                    self.model(node, extra, False)
                own = self.model(node, None, count and ins is None)
                return own if ins is None else self.model(node, ins, count)
            if cls not in RULES:
                self.unknown.add(cls)
                return [None]
            for extra in _declared(node):
                try:
                    self._keep(node, self.apply(node, extra)[1])
                except Unknown:
                    continue
            if ins is None:
                return [None]
            try:
                outs, params, macs = self.apply(node, ins)
            except Unknown:
                self.unknown.add(cls)
                return [None]
            self._keep(node, params)
            if count:
                self.macs += macs
                self.activations += sum(size(o) for o in outs if o is not None)
            return outs
        finally:
            self.depth -= 1

    def _keep(self, node: dict[str, Any], params: int) -> None:
        self.params[id(node)] = max(self.params.get(id(node), 0), params)

    def apply(self, node: Any, ins: list[MaybeShape]) -> Result:
        """A layer's rule on `ins` (wrapped layers through this same method), recording nothing."""
        if not isinstance(node, dict) or str(node.get("class_name")) not in RULES:
            raise Unknown("layer")
        cfg = _mapping(node.get("config"))
        self._enter()
        try:
            return RULES[str(node["class_name"])](cfg, ins or [None], self.apply)
        except (TooLarge, Unknown):
            raise
        except Exception as exc:  # a value of the wrong type where the rule reads a size: Keras refuses it too
            raise Unknown(type(exc).__name__) from exc
        finally:
            self.depth -= 1

    def model(self, node: dict[str, Any], ins: list[MaybeShape] | None, count: bool) -> list[MaybeShape]:
        """The outputs of a nested or top-level model called on `ins` (None: on its declared inputs)."""
        cfg = node.get("config")
        if not isinstance(cfg, dict) or not isinstance(cfg.get("layers"), list):
            self.unknown.add(str(node.get("class_name")))
            return [None]
        if node.get("class_name") == "Sequential":
            return self._sequential(cfg, ins, count)
        return self._functional(cfg, ins, count)

    def _sequential(self, cfg: dict[str, Any], ins: list[MaybeShape] | None, count: bool) -> list[MaybeShape]:
        given, layers = [], []
        for layer in cfg["layers"]:
            if isinstance(layer, dict) and layer.get("class_name") == "InputLayer":
                self.layers.add(id(layer))
                given.append(_input_layer_shape(layer))
            else:
                layers.append(layer)
        shape: MaybeShape = ins[0] if ins else None
        if not ins:  # its own input: an InputLayer, a build shape, or the first layer's input_shape argument
            declared = [s for s in (*given, _shape(cfg.get("build_input_shape"), batch=True)) if s is not None]
            first = _declared(layers[0]) if layers and isinstance(layers[0], dict) else []
            shape = declared[0] if declared else (first[0][0] if first and len(first[0]) == 1 else None)
            if shape is None:  # never built as a whole: only what its layers declare themselves
                for layer in layers:
                    self.layer(layer, None, False)
                return [None]
        for layer in layers:
            shape = self.layer(layer, [shape], count)[0]
        return [shape]

    def _functional(self, cfg: dict[str, Any], ins: list[MaybeShape] | None, count: bool) -> list[MaybeShape]:
        layers = [layer for layer in cfg["layers"] if isinstance(layer, dict)]
        by_name = {str(layer.get("name") or (layer.get("config") or {}).get("name")): layer for layer in layers}
        produced: dict[str, list[list[MaybeShape]]] = {}
        for i, (name, _, _) in enumerate(_refs(cfg.get("input_layers"))):
            if name in by_name:
                self.layers.add(id(by_name[name]))
                given = ins[i] if ins is not None and i < len(ins) and ins[i] is not None else None
                produced[name] = [[given or _input_layer_shape(by_name[name])]]
        pending = [(name, data) for name, layer in by_name.items() if name not in produced
                   for data in (layer.get("inbound_nodes") or [])]
        if len(pending) > MAX_LAYERS or sum(len(_node_inputs(data)) for _, data in pending) > 4 * MAX_LAYERS:
            raise TooLarge(t(f"Tu modelo llama a sus capas más de {MAX_LAYERS} veces o con más de "
                             f"{4 * MAX_LAYERS} entradas en total: simplifícalo.",
                             f"Your model calls its layers more than {MAX_LAYERS} times or with more than "
                             f"{4 * MAX_LAYERS} inputs in all: simplify it."))
        while pending:
            waiting = []
            for name, data in pending:
                shapes = [self._lookup(produced, by_name, ref) if isinstance(ref, tuple) and ref and
                          isinstance(ref[0], str) else [ref] for ref in _node_inputs(data)]
                if any(s is None for s in shapes):
                    waiting.append((name, data))
                    continue
                outs = self.layer(by_name[name], [s[0] for s in shapes if s is not None], count)
                produced.setdefault(name, []).append(outs)
            if len(waiting) == len(pending):  # a loop or a missing layer: Keras refuses it before building
                self.unknown.add("Functional")
                break
            pending = waiting
        results = [self._lookup(produced, by_name, ref) for ref in _refs(cfg.get("output_layers"))]
        return [r[0] if r else None for r in results] or [None]

    @staticmethod
    def _lookup(produced: dict[str, list[list[MaybeShape]]], by_name: dict[str, dict[str, Any]],
                ref: tuple[str, int, int]) -> list[MaybeShape] | None:
        """[the referenced output's shape], or None while its node has not been walked yet."""
        name, node, tensor = ref
        if name not in by_name:  # Keras refuses a reference to a missing layer before building anything
            return [None]
        if by_name[name].get("class_name") in ("Functional", "Model"):
            node -= 1  # a nested Functional model starts with a node of its own
        nodes = produced.get(name, [])
        if node >= len(nodes):
            return None
        outs = nodes[node] if node >= 0 else [None]
        return [outs[tensor] if 0 <= tensor < len(outs) else None]


def estimate(config: dict[str, Any], input_shape: MaybeShape = None) -> Estimate:
    """The cost of the model in `config`, built on its declared inputs or, given `input_shape` (the data's,
    without the batch dimension), also on that (what the brief training builds and runs)."""
    walk = _Walk()
    try:
        walk.layer(config, None if input_shape is None else [input_shape], True)
    except TooLarge:
        raise
    except Exception as exc:  # a config too broken to walk (Keras refuses it as well): what was read so far
        walk.unknown.add(f"<{type(exc).__name__}>")
    return Estimate(params=sum(walk.params.values()), macs=walk.macs, activations=walk.activations,
                    layers=len(walk.layers), unknown=tuple(sorted(walk.unknown)))
