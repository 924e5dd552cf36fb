"""Reading what students write: numbers with decimal commas and units, shapes in any notation, choices
by letter, id or text, and free text with accents and case folded."""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from grader.i18n import Text, t

_NUM = r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?"
_THOUSANDS = re.compile(r"^[-+]?[1-9]\d{0,2}(?:([,.])\d{3})(?:\1\d{3})*$")


class AnswerError(ValueError):
    """The answer could not be read as the kind of answer the question wants; `message` says why."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


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
        if math.isnan(value) or math.isinf(value):
            raise AnswerError(t("el número debe ser finito", "the number must be finite"))
        return float(value)
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
        return float(text.replace(match.group(1), ""))
    if not re.fullmatch(_NUM, text):
        raise AnswerError(t(f"{value!r} no es un número", f"{value!r} is not a number"))
    return float(text.replace(",", "."))


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
        return [product], True
    parts = [p for p in _SEPARATORS.split(text) if p.strip() != ""]
    return [None if p.strip().lower() == "none" else _dim(p) for p in parts], False


def _dim(part: Any) -> int:
    try:
        number = float(part) if not isinstance(part, str) else float(part.strip())
    except (TypeError, ValueError):
        raise AnswerError(t(f"{part!r} no es una dimensión", f"{part!r} is not a dimension")) from None
    if number != int(number) or number < 0:
        raise AnswerError(t(f"{part!r} no es una dimensión entera no negativa",
                             f"{part!r} is not a whole, non-negative dimension"))
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
