"""The one boundary where a sandbox's report enters the trusted side.

The student's process can write its result pipe itself, so the report is hostile bytes. Before anything
trusted (the pipeline, the evaluator request, a page, a CSV) sees it, `read_report`:
1. refuses more than MAX_REPORT_BYTES, and more than MAX_CONTAINERS lists and mappings, before parsing
   (what parsing costs in memory is bounded by these two: a few times the bytes, at most);
2. parses it and refuses nesting deeper than MAX_DEPTH and lists longer than MAX_ITEMS (the harness never
   writes more: grader/engine/sandbox/recorders.py `plain`);
3. keeps only the report's known top-level fields, and replaces every string (keys included) by its clean
   form (grader/core/safetext.py: no lone surrogate, control character or bidi override survives), cut to
   the cap of its field: names, messages, any other text.
Anything refused is blamed on the student's code with a specific message.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from grader.core.i18n import Text, t
from grader.core.safetext import clean

MAX_REPORT_BYTES = 8 * 1024 * 1024
MAX_CONTAINERS = 200_000
# Deeper reports are refused as the student's doing: pydantic (evaluator requests) stops near 200 levels.
MAX_DEPTH = 100
MAX_ITEMS = 10_000  # recorders.plain refuses longer lists; mappings it cuts to 1000 keys
MAX_KEYS = 1_000
NAME_CHARS = 256  # keys, and the values of "name" fields (model, layer and callback names)
MESSAGE_CHARS = 4_000  # an exception's message (the harness keeps 2000 and the ellipsis)
TEXT_CHARS = 10_000  # any other string
TOP_LEVEL = ("complete", "variables", "fit_calls", "student_error", "env_notes", "callbacks")


class ReportRefused(ValueError):
    """The report is not one the harness writes; `message` tells the student why it cannot be graded."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


def _forged(es: str, en: str) -> ReportRefused:
    return ReportRefused(t(
        f"El resultado de tu código no se pudo leer: {es}. El corrector nunca escribe algo así: ¿escribió tu "
        "código en un descriptor de archivo que no abrió? Asigna valores simples a las variables que se califican.",
        f"Your code's result could not be read: {en}. The grader never writes that: did your code write to a "
        "file descriptor it did not open? Assign simple values to the graded variables."))


def too_large() -> Text:
    """The message for a report over MAX_REPORT_BYTES (also when the reader dropped its tail)."""
    mb = MAX_REPORT_BYTES // (1024 * 1024)
    return _forged(f"ocupa más de {mb} MB", f"it is larger than {mb} MB").message


def read_report(raw: bytes) -> dict[str, Any]:
    """The run's report as clean, bounded data (a mapping of the known fields), or ReportRefused."""
    if len(raw) > MAX_REPORT_BYTES:
        raise ReportRefused(too_large())
    containers = raw.count(b"[") + raw.count(b"{")  # an upper bound: brackets inside strings count too
    if containers > MAX_CONTAINERS:
        raise _forged(f"contiene más de {MAX_CONTAINERS} listas o diccionarios",
                      f"it holds more than {MAX_CONTAINERS} lists or mappings")
    try:
        payload = json.loads(raw)
    except RecursionError:
        raise _too_deep() from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ReportRefused(t(
            "El resultado de tu código llegó dañado (no es JSON válido): tu código no debe escribir en "
            "descriptores de archivo que no abrió.", "Your code's result arrived damaged (it is not valid "
            "JSON): your code must not write to file descriptors it did not open.")) from None
    except ValueError:  # e.g. an integer of more than sys.get_int_max_str_digits() digits
        digits = sys.get_int_max_str_digits()
        raise ReportRefused(t(
            f"El resultado de tu código no se pudo leer: contiene un número de más de {digits} cifras. Asigna "
            "números con pocas cifras a las variables que se califican.", "Your code's result could not be "
            f"read: it contains a number of more than {digits} digits. Assign numbers with few digits to the "
            "graded variables.")) from None
    if not isinstance(payload, dict):
        raise _forged("no es un diccionario", "it is not a mapping")
    return {key: _bounded(payload[key], key, 2) for key in TOP_LEVEL if key in payload}


def _too_deep() -> ReportRefused:
    return ReportRefused(t(
        f"El resultado de tu código no se pudo leer: contiene listas o diccionarios anidados a más de {MAX_DEPTH} "
        "niveles. Asigna valores simples a las variables que se califican.", "Your code's result could not be "
        f"read: it contains lists or mappings nested more than {MAX_DEPTH} levels deep. Assign simple values to "
        "the graded variables."))


def _cap(field: str) -> int:
    if field == "name":
        return NAME_CHARS
    return MESSAGE_CHARS if field in ("message", "reason") else TEXT_CHARS


def _bounded(value: Any, field: str, depth: int) -> Any:
    """`value` (of the field named `field`) with clean strings within their caps; ReportRefused when it is
    deeper or longer than any report the harness writes. Iterative in spirit: depth is checked first."""
    if depth > MAX_DEPTH:
        raise _too_deep()
    if isinstance(value, str):
        return clean(value, _cap(field))
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            raise _forged(f"una lista de «{clean(field, NAME_CHARS)}» tiene {len(value)} elementos",
                          f"a list in '{clean(field, NAME_CHARS)}' has {len(value)} items")
        return [_bounded(item, field, depth + 1) for item in value]
    if isinstance(value, dict):
        if len(value) > MAX_KEYS:
            raise _forged(f"un diccionario tiene {len(value)} claves", f"a mapping has {len(value)} keys")
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = clean(key, NAME_CHARS)
            out[name] = _bounded(item, key, depth + 1)
        return out
    return value  # None, bool, int, float: json.loads makes nothing else
