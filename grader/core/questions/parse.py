"""Reading what students write: numbers with decimal commas and units, shapes in any notation, choices
by letter, id or text, and free text with accents and case folded."""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from grader.core.i18n import Text, t

# Caps on any one answer, whatever its source: a student's answer never needs more, and messages,
# folding and regexes over it stay cheap.
MAX_DEPTH = 20
MAX_NODES = 10_000
MAX_TEXT_CHARS = 20_000
MAX_DIGITS = 300  # beyond ~308 digits an integer does not even fit in a float
MAX_SHOWN_CHARS = 200
_BIG = 10**MAX_DIGITS
_SHOWN_BIG = 10**50  # shown as ~1e<digits>

_NUM = r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?"
_THOUSANDS = re.compile(r"^[-+]?[1-9]\d{0,2}(?:([,.])\d{3})(?:\1\d{3})*$")


class AnswerError(ValueError):
    """The answer could not be read as the kind of answer the question wants; `message` says why."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


class AnswerTooLarge(AnswerError):
    """The answer exceeds a size cap; `message` completes "La respuesta a `q` ..." / "The answer to `q` ..."."""


def check_answer_size(value: Any) -> None:
    """Raise AnswerTooLarge if `value` is nested deeper than MAX_DEPTH, has more than MAX_NODES items, a text
    longer than MAX_TEXT_CHARS or an integer of more than MAX_DIGITS digits. Iterative: safe on any input."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    nodes = 1
    while stack:
        item, depth = stack.pop()
        if isinstance(item, list | tuple | dict):
            if depth > MAX_DEPTH:
                raise AnswerTooLarge(t(
                    f"tiene listas o diccionarios anidados a más de {MAX_DEPTH} niveles: responde con un valor "
                    "simple, como un número, un texto o una lista corta.",
                    f"has lists or mappings nested more than {MAX_DEPTH} levels deep: answer with a simple "
                    "value, such as a number, a text or a short list."))
            nodes += len(item) * (2 if isinstance(item, dict) else 1)
            if nodes > MAX_NODES:
                raise AnswerTooLarge(t(f"tiene más de {MAX_NODES} elementos: responde con un valor corto.",
                                       f"has more than {MAX_NODES} items: answer with a short value."))
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, str) and len(item) > MAX_TEXT_CHARS:
            es, en = ("es", "is") if depth == 1 else ("contiene", "contains")
            raise AnswerTooLarge(t(f"{es} un texto de más de {MAX_TEXT_CHARS} caracteres: acórtalo.",
                                   f"{en} a text longer than {MAX_TEXT_CHARS} characters: shorten it."))
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) >= _BIG:
            es, en = ("es", "is") if depth == 1 else ("contiene", "contains")
            raise AnswerTooLarge(t(
                f"{es} un número de más de {MAX_DIGITS} cifras: escríbelo con pocas cifras (p. ej. 0,025, "
                "18000 o 2.5e-2).", f"{en} a number of more than {MAX_DIGITS} digits: write it with few digits "
                "(e.g. 0.025, 18000 or 2.5e-2)."))


def shown(value: Any, limit: int = MAX_SHOWN_CHARS) -> str:
    """A repr of `value` for messages, at most `limit` characters (cut with '…'); safe on huge or deeply
    nested values: big integers appear as '~1e<digits>', long texts and containers are cut short."""
    parts: list[str] = []
    _render(value, parts, limit + 1, 0)
    return cut("".join(parts), limit)


def cut(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    """`text` itself if it has at most `limit` characters, else its start and '…' (`limit` in all)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _render(value: Any, parts: list[str], budget: int, depth: int) -> int:
    """Append pieces of the repr of `value` to `parts` until `budget` characters; return what is left."""
    if budget <= 0:
        return 0
    if isinstance(value, list | tuple | dict):
        opening, closing = "{}" if isinstance(value, dict) else "()" if isinstance(value, tuple) else "[]"
        if depth >= MAX_DEPTH:
            parts.append("…")
            return budget - 1
        parts.append(opening)
        budget -= 1
        pairs = value.items() if isinstance(value, dict) else ((None, item) for item in value)
        for index, (key, item) in enumerate(pairs):
            if budget <= 0:
                return 0
            if index:
                parts.append(", ")
                budget -= 2
            if isinstance(value, dict):
                budget = _render(key, parts, budget, depth + 1) - 2
                parts.append(": ")
            budget = _render(item, parts, budget, depth + 1)
        piece = ",)" if isinstance(value, tuple) and len(value) == 1 else closing
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _SHOWN_BIG:
        piece = f"{'-' if value < 0 else ''}~1e{int(value.bit_length() * math.log10(2))}"
    elif isinstance(value, str):
        piece = repr(value[:budget])
    else:
        try:
            piece = repr(value)
        except Exception:  # a repr that fails or refuses (e.g. an integer beyond Python's digit limit)
            piece = f"<{type(value).__name__}>"
    parts.append(piece[:budget])
    return budget - len(piece)


def fold(text: str) -> str:
    """Lowercase, accents removed, spaces collapsed: 'Función  ReLU' -> 'funcion relu'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", plain.lower()).strip()


def parse_number(value: Any, *, units: list[str] | None = None, integer: bool = False) -> float:
    """A float from a number or text: '0,025', '2.5e-2', '18 000', '18,000', '0.025 unidades'.

    A lone group of three digits after a separator ('18,000', '18.000') is read as thousands only when
    `integer` is true (the expected answer is a whole count); otherwise it is a decimal separator.
    """
    if isinstance(value, bool):
        raise AnswerError(t("se esperaba un número, no verdadero/falso", "a number was expected, not true/false"))
    if isinstance(value, int | float):
        return _finite(value)
    if not isinstance(value, str):
        raise AnswerError(t("se esperaba un número", "a number was expected"))
    text = value.strip()
    for unit in sorted(units or [], key=len, reverse=True):
        if fold(text).endswith(fold(unit)):
            text = text[: len(text) - len(unit)].strip()
    text = text.replace("\u00a0", " ").replace(" ", "")
    if text.endswith("%"):
        return parse_number(text[:-1]) / 100
    match = _THOUSANDS.match(text)
    if match and (integer or text.count(match.group(1)) > 1):
        return _finite(float(text.replace(match.group(1), "")), written=True)
    if not re.fullmatch(_NUM, text):
        raise AnswerError(t(f"{shown(value)} no es un número", f"{shown(value)} is not a number"))
    return _finite(float(text.replace(",", ".")), written=True)


def _finite(value: float, *, written: bool = False) -> float:
    """`value` as a finite float; an AnswerError for NaN or infinity, and for a number too large for a float
    (an integer, or text that was `written` out, such as '1e999')."""
    too_large = AnswerError(t("el número es demasiado grande", "the number is too large"))
    if isinstance(value, int) and abs(value) >= _BIG:  # smaller integers convert without overflow
        raise too_large
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise too_large if written else AnswerError(t("el número debe ser finito", "the number must be finite"))
    return number


_SEPARATORS = re.compile(r"\s*(?:,|x|×|\*)\s*", re.IGNORECASE)


def parse_shape(value: Any) -> tuple[list[int | None], bool]:
    """(dimensions, multiplied): '(150, 150, 3)', '[150,150,3]', '150x150x3' -> [150, 150, 3], False.

    '150*150*3' (or a plain 67500) is a product, not a shape: it returns the product as one dimension and
    multiplied=True, so feedback can say that it is the flattened size.
    """
    if isinstance(value, list | tuple):
        items: list[Any] = list(value)
        return [None if v is None else _dim(v) for v in items], False
    if isinstance(value, int) and not isinstance(value, bool):
        return [value], False
    if not isinstance(value, str):
        raise AnswerError(t("se esperaba una forma, como (150, 150, 3)", "a shape was expected, such as (150, 150, 3)"))
    text = value.strip().strip("()[] ").strip()
    if not text:
        raise AnswerError(t("la forma está vacía", "the shape is empty"))
    if "*" in text and "," not in text and "x" not in text.lower():
        product = 1
        for part in text.split("*"):
            product *= _dim(part)
            if product >= _BIG:
                raise AnswerError(t(f"el producto tiene más de {MAX_DIGITS} cifras",
                                    f"the product has more than {MAX_DIGITS} digits"))
        return [product], True
    parts = [p for p in _SEPARATORS.split(text) if p.strip() != ""]
    return [None if p.strip().lower() == "none" else _dim(p) for p in parts], False


def _dim(part: Any) -> int:
    try:
        number = float(part) if not isinstance(part, str) else float(part.strip())
    except (TypeError, ValueError, OverflowError):
        raise AnswerError(t(f"{shown(part)} no es una dimensión", f"{shown(part)} is not a dimension")) from None
    if not math.isfinite(number) or number != int(number) or number < 0:
        raise AnswerError(t(f"{shown(part)} no es una dimensión entera no negativa",
                             f"{shown(part)} is not a whole, non-negative dimension"))
    return int(number)


def parse_choices(value: Any) -> list[str]:
    """Picks as folded strings: 'b', ['a', 'c'], 'a, c' or 'a y c' -> ['a', 'c']; option texts are kept whole."""
    if isinstance(value, list | tuple):
        return [fold(str(v)) for v in value if str(v).strip()]
    if not isinstance(value, str | int):
        raise AnswerError(t("se esperaba una opción (a, b, c...) o una lista de opciones",
                             "an option (a, b, c...) or a list of options was expected"))
    text = fold(str(value))
    if re.fullmatch(r"[a-z](?:\s*(?:,|;|y|and|\s)\s*[a-z])*", text):
        return re.findall(r"[a-z]", re.sub(r"\b(?:y|and)\b", " ", text))
    return [part.strip() for part in re.split(r"\s*[;\n]\s*", text) if part.strip()]
