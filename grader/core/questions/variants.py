"""Per-student variants: parameters and option orders drawn deterministically from (exercise, student).

Every draw is a SHA-256 of the exercise id, the student id and what is drawn, so the same student always
gets the same variant, on any machine and Python version, with no state to store.
"""

from __future__ import annotations

import ast
import hashlib
import math
import operator
from collections.abc import Callable
from typing import Any

from grader.core.i18n import Lang, Text, format_number
from grader.core.questions.models import ChoiceQuestion, Number, Option, VariantSpec
from grader.core.syntax_messages import expression_of


def _draw(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\0".join(parts).encode()).digest()[:8], "big")


def variant_values(variants: dict[str, VariantSpec], *, exercise_id: str, student: str) -> dict[str, Number | str]:
    """The parameters this student's variant uses."""
    values: dict[str, Number | str] = {}
    for name, spec in sorted(variants.items()):
        draw = _draw(exercise_id, student, name)
        if spec.choices is not None:
            values[name] = spec.choices[draw % len(spec.choices)]
        else:
            assert spec.range is not None  # a VariantSpec has choices or a range
            low, high, step = spec.range
            count = math.floor((high - low) / step + 1e-9) + 1
            value = low + (draw % count) * step
            values[name] = round(value, 10) if isinstance(value, float) else value
    return values


def option_order(question: ChoiceQuestion, *, exercise_id: str, student: str) -> list[Option]:
    """The options in the order this student sees them (labelled a, b, c... in that order)."""
    if not question.shuffle:
        return list(question.options)
    return sorted(question.options, key=lambda o: _draw(exercise_id, student, question.id, o.id))


def letter(index: int) -> str:
    """'a' for 0, 'b' for 1, ..."""
    return chr(ord("a") + index)


_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_CALLS: dict[str, Callable[..., Any]] = {"round": round, "int": int, "abs": abs, "min": min, "max": max}


def evaluate(expression: Number | str, values: dict[str, Any]) -> float:
    """An arithmetic expression over variant values ('gradient * learning_rate'); nothing else is allowed."""
    if isinstance(expression, int | float):
        return float(expression)

    def walk(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return node.value
        if isinstance(node, ast.Name) and node.id in values:
            return values[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            right = walk(node.right)
            if isinstance(node.op, ast.Pow) and abs(right) > 64:
                raise ValueError("exponent too large")
            return _BINARY[type(node.op)](walk(node.left), right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](walk(node.operand))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CALLS:
            return _CALLS[node.func.id](*(walk(a) for a in node.args))
        raise ValueError(f"not allowed in an answer expression: {ast.dump(node)[:80]}")

    return float(walk(expression_of(expression)))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def render(text: Text, values: dict[str, Any]) -> Text:
    """The text with `{name}` placeholders filled from the variant (unknown braces are left alone)."""
    if not values:
        return text

    class _Keep(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    def shown(lang: Lang) -> _Keep:  # a drawn number as that language writes it: 0,05 in Spanish
        return _Keep({k: format_number(v, lang, significant=6) if _is_number(v) else v for k, v in values.items()})

    return Text(es=text.es.format_map(shown("es")), en=text.en.format_map(shown("en")))
